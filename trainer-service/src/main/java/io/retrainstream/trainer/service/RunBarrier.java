package io.retrainstream.trainer.service;

import io.retrainstream.trainer.model.Cancellation;
import java.util.function.Consumer;

/** Something a run waits for, in its own thread, before it takes its snapshot of the bottlenecks and trains. */
@FunctionalInterface
public interface RunBarrier {

    /**
     * Returns once the run may take its snapshot.
     *
     * @param progress     lines for the run's log
     * @param cancellation asked while waiting; a cancelled wait ends with a {@code RunCancelledException}
     * @throws IllegalStateException when the wait cannot end, saying why and what to do
     */
    void await(Consumer<String> progress, Cancellation cancellation) throws InterruptedException;
}
