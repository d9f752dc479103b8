package io.retrainstream.trainer.model;

/**
 * Asked by {@link HeadTrainer} before every {@code Session.run} of training (and by the distorted prefetch while it
 * waits) whether its run should stop; the training then ends with a {@link RunCancelledException}.
 */
@FunctionalInterface
public interface Cancellation {

    /** A training nobody cancels. */
    Cancellation NEVER = () -> false;

    /** Whether the run should stop. */
    boolean requested();

    /** Throws {@link RunCancelledException} when the run should stop. */
    default void check() {
        if (requested()) {
            throw new RunCancelledException();
        }
    }
}
