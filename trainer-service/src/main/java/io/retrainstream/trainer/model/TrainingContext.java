package io.retrainstream.trainer.model;

import io.retrainstream.trainer.data.TrainingParams;
import java.util.function.Consumer;

/**
 * What every training of one run shares: its schedule, where its lines and measurements go, when to stop, and when
 * the improved mode trains in mini-batches.
 */
record TrainingContext(
        StepSchedule schedule,
        Consumer<String> progress,
        TrainingListener listener,
        Cancellation cancellation,
        MiniBatches miniBatches) {

    TrainingParams params() {
        return schedule.params();
    }
}
