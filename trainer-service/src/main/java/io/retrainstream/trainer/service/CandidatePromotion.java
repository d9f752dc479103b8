package io.retrainstream.trainer.service;

import io.retrainstream.common.DataSet;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.trainer.data.TrainedHead;
import io.retrainstream.trainer.data.TrainingData;
import io.retrainstream.trainer.data.TrainingParams;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;

/**
 * Puts a run's trained head through the {@link Promoter}: as a {@link RunCandidate} that carries which training
 * images are new since the last published model (for the freshness of the models), and through the promotion gate
 * unless {@code force_publish} was given.
 */
@ApplicationScoped
public class CandidatePromotion {

    /** Most event times of newly learned images a model event carries (a sample beyond that). */
    private static final int FRESHNESS_SAMPLE = 2000;

    private final Promoter promoter;

    public CandidatePromotion(Promoter promoter) {
        this.promoter = promoter;
    }

    /**
     * @param testImages the positions in {@code snapshot} of the test images the gate compares both heads on (the
     *                   run's, all or a stable sample)
     * @param startNanos {@link System#nanoTime()} at the run's start
     * @return the gate's decision and, when published, the model
     */
    Promoter.Outcome promote(
            TrainingRun run,
            BottleneckStore.Snapshot snapshot,
            List<String> labels,
            TrainingParams params,
            FeatureLayer layer,
            TrainingData data,
            TrainedHead head,
            int[] testImages,
            long startNanos,
            boolean force) {
        long previousThrough = promoter.learnedThrough();
        long learnedThrough = 0;
        List<Long> fresh = new ArrayList<>();
        DataSet[] sets = snapshot.sets(params.splitRule());
        for (int i = 0; i < sets.length; i++) {
            if (sets[i] == DataSet.TRAINING) {
                long time = snapshot.imageTime(i);
                learnedThrough = Math.max(learnedThrough, time);
                if (time > previousThrough) {
                    fresh.add(time);
                }
            }
        }
        RunCandidate candidate = new RunCandidate(
                run.runId(),
                snapshot.architecture(),
                layer,
                labels,
                params,
                data,
                head,
                startNanos,
                snapshot.fingerprint(),
                Math.max(learnedThrough, previousThrough),
                sample(fresh));
        Promoter.Outcome outcome = force
                ? promoter.publish(candidate, "force_publish was given")
                : promoter.promote(candidate, snapshot.images(testImages), params.splitRule());
        run.progress("Promotion gate: " + (outcome.model() != null ? "published, " : "rejected, ")
                + outcome.decision().reason());
        return outcome;
    }

    /** Up to {@link #FRESHNESS_SAMPLE} of the times, evenly spread. */
    private static long[] sample(List<Long> times) {
        int n = Math.min(times.size(), FRESHNESS_SAMPLE);
        long[] sample = new long[n];
        for (int i = 0; i < n; i++) {
            sample[i] = times.get((int) ((long) i * times.size() / n));
        }
        return sample;
    }
}
