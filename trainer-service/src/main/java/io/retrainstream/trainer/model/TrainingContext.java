package io.retrainstream.trainer.model;

import io.retrainstream.trainer.data.TrainingParams;
import java.util.function.Consumer;

/** What every training of one run shares: its schedule, where its lines and measurements go, and when to stop. */
record TrainingContext(
        StepSchedule schedule, Consumer<String> progress, TrainingListener listener, Cancellation cancellation) {

    TrainingParams params() {
        return schedule.params();
    }
}
