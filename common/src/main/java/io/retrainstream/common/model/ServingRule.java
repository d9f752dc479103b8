package io.retrainstream.common.model;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Which published version classifiers serve, decided here only (the trainer's {@code GET /models}, its warm start and
 * promotion gate, and every classifier ask this): the pinned version when it has been published, else the newest. A
 * pin on a version never published is dangling: it is reported, and the newest is served.
 */
public final class ServingRule {

    private ServingRule() {}

    /** The version served given the {@code published} versions and the {@code pinned} one (null: none). */
    public static Optional<Long> serving(Collection<Long> published, Long pinned) {
        return candidates(published, pinned).stream().findFirst();
    }

    /**
     * The versions to try, in order, where one may fail to load: the pinned version alone when it has been published
     * (a rollback never falls back to another version), else every published version, newest first.
     */
    public static List<Long> candidates(Collection<Long> published, Long pinned) {
        if (pinned != null && published.contains(pinned)) {
            return List.of(pinned);
        }
        return List.copyOf(new TreeSet<>(published).descendingSet());
    }

    /** Whether {@code pinned} names a version that has not been published. */
    public static boolean dangling(Collection<Long> published, Long pinned) {
        return pinned != null && !published.contains(pinned);
    }
}
