package io.retrainstream.trainer.service;

import io.quarkus.logging.Log;
import io.retrainstream.common.DataSet;
import io.retrainstream.common.SplitRule;
import io.retrainstream.common.event.BottleneckComputed;
import io.retrainstream.trainer.config.TrainerConfig;
import io.retrainstream.trainer.data.LabelledBottleneck;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The bottlenecks the trainer learns from, by image id, each assigned to its set by {@code retrain.py}'s split rule.
 * Keyed by image id, so a redelivered event changes nothing. Vectors of different architectures are never mixed:
 * the store follows the architecture of the newest bottleneck and keeps each architecture's images apart.
 */
@ApplicationScoped
public class BottleneckStore {

    private final SplitRule split;
    private final Map<String, Map<String, LabelledBottleneck>> byArchitecture = new TreeMap<>();
    private String currentArchitecture;
    private long generation;
    private long trainingChanges;
    private long lastChangeNanos = System.nanoTime();

    public BottleneckStore(TrainerConfig config) {
        this.split = new SplitRule(config.validationPercentage(), config.testingPercentage());
    }

    /** Adds or replaces one image; returns whether anything changed. */
    public synchronized boolean add(BottleneckComputed event) {
        Map<String, LabelledBottleneck> images =
                byArchitecture.computeIfAbsent(event.architecture(), a -> new TreeMap<>());
        LabelledBottleneck existing = images.get(event.imageId());
        if (existing != null
                && existing.label().equals(event.label())
                && Objects.equals(existing.contentHash(), event.contentHash())
                && existing.vector().length == event.vector().length) {
            return false;
        }
        if (!event.architecture().equals(currentArchitecture)) {
            if (currentArchitecture != null) {
                Log.infof(
                        "Bottlenecks now come from %s (was %s): training switches to its %d images",
                        event.architecture(), currentArchitecture, images.size() + 1);
            }
            currentArchitecture = event.architecture();
        }
        DataSet set = split.assign(event.fileName());
        images.put(
                event.imageId(),
                new LabelledBottleneck(
                        event.imageId(),
                        event.label(),
                        event.fileName(),
                        event.contentHash(),
                        set,
                        event.vector(),
                        event.pooled(),
                        event.imageTime()));
        generation++;
        if (set == DataSet.TRAINING) {
            trainingChanges++;
        }
        lastChangeNanos = System.nanoTime();
        return true;
    }

    /** Counts everything that changed the store; a run trained on generation g is stale once this exceeds g. */
    public synchronized long generation() {
        return generation;
    }

    /** Counts the changes to training-split images (continuous mode starts a run every N of them). */
    public synchronized long trainingChanges() {
        return trainingChanges;
    }

    /** Nanos ({@link System#nanoTime()}) of the last change. */
    public synchronized long lastChangeNanos() {
        return lastChangeNanos;
    }

    public synchronized Optional<String> architecture() {
        return Optional.ofNullable(currentArchitecture);
    }

    /** A consistent copy of the current architecture's images, sorted by image id. */
    public synchronized Snapshot snapshot() {
        if (currentArchitecture == null) {
            return new Snapshot(null, List.of(), generation);
        }
        return new Snapshot(
                currentArchitecture,
                List.copyOf(byArchitecture.get(currentArchitecture).values()),
                generation);
    }

    /**
     * @param architecture the feature extractor of every image in it
     * @param images       the images, sorted by id
     * @param generation   the store generation this copy reflects
     */
    public record Snapshot(String architecture, List<LabelledBottleneck> images, long generation) {

        /** Labels in class-index order (sorted, as {@code retrain.py} sorts its class folders). */
        public List<String> labels() {
            TreeSet<String> labels = new TreeSet<>();
            images.forEach(image -> labels.add(image.label()));
            return new ArrayList<>(labels);
        }

        public List<LabelledBottleneck> of(DataSet set) {
            return images.stream().filter(image -> image.dataSet() == set).toList();
        }

        /** Per label, how many images each set holds. */
        public Map<String, Map<DataSet, Integer>> counts() {
            Map<String, Map<DataSet, Integer>> counts = new TreeMap<>();
            for (LabelledBottleneck image : images) {
                counts.computeIfAbsent(image.label(), l -> new TreeMap<>()).merge(image.dataSet(), 1, Integer::sum);
            }
            return counts;
        }

        /** Identifies exactly this set of images and labels. */
        public String fingerprint() {
            try {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                sha.update(String.valueOf(architecture).getBytes(StandardCharsets.UTF_8));
                for (LabelledBottleneck image : images) {
                    sha.update((image.imageId() + '\0' + image.label() + '\0' + image.contentHash() + '\n')
                            .getBytes(StandardCharsets.UTF_8));
                }
                return HexFormat.of().formatHex(sha.digest());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
