package io.retrainstream.trainer.model;

import io.retrainstream.trainer.data.TrainingParams;
import java.util.ArrayList;
import java.util.List;

/**
 * Which steps evaluate, which store an intermediate head, and how many steps each {@code Session.run} chains: at
 * most {@code unroll}, ending at every evaluation step, intermediate-store step and the last step.
 */
record StepSchedule(TrainingParams params, int unroll) {

    StepSchedule {
        if (unroll < 1) {
            throw new IllegalArgumentException("unroll must be positive, got " + unroll);
        }
    }

    boolean evaluates(int step) {
        return step % params.evalStepInterval() == 0 || step + 1 == params.howManyTrainingSteps();
    }

    boolean storesIntermediate(int step) {
        return params.intermediateStoreFrequency() > 0 && step > 0 && step % params.intermediateStoreFrequency() == 0;
    }

    /** The steps of each {@code Session.run}, in order; they add up to the number of training steps. */
    List<Integer> runLengths() {
        List<Integer> lengths = new ArrayList<>();
        int length = 0;
        for (int step = 0; step < params.howManyTrainingSteps(); step++) {
            length++;
            if (length == unroll
                    || evaluates(step)
                    || storesIntermediate(step)
                    || step + 1 == params.howManyTrainingSteps()) {
                lengths.add(length);
                length = 0;
            }
        }
        return lengths;
    }

    static int longest(List<Integer> lengths) {
        return lengths.stream().mapToInt(Integer::intValue).max().orElse(1);
    }
}
