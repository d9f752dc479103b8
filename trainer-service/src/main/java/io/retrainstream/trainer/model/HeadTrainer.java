package io.retrainstream.trainer.model;

import io.retrainstream.trainer.data.Candidate;
import io.retrainstream.trainer.data.TrainedHead;
import io.retrainstream.trainer.data.TrainingData;
import io.retrainstream.trainer.data.TrainingMode;
import io.retrainstream.trainer.data.TrainingParams;
import io.retrainstream.trainer.data.WarmStart;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Trains the final layer as a TensorFlow graph run by a {@code Session}, so TensorFlow's GPU natives run it on a
 * GPU. The data stays in the graph as constants. One {@code Session.run} takes several steps (at most
 * {@link #DEFAULT_UNROLL}), chained so each step reads the weights the previous one wrote, and ends with the step's
 * evaluation; a run ends at every evaluation step, intermediate-store step and the last step, so the results are those
 * of one step per run ({@link StepSchedule}). Each run feeds only the batch indices of its steps (distorted batches:
 * one step per run).
 * <ul>
 * <li>{@link TrainingMode#RETRAIN}: {@code retrain.py}'s method, {@link RetrainTraining} over a
 * {@link RetrainGraph}.</li>
 * <li>{@link TrainingMode#IMPROVED}: features standardised on the training set, full-batch Adam with L2
 * ({@link FullBatchTraining} over an {@link ImprovedGraph}) for each strength that {@link L2Search} tries.</li>
 * </ul>
 * Then {@link TestEvaluation} scores the kept head on the test set.
 */
public final class HeadTrainer {

    /** Training steps chained in one {@code Session.run} at most (fewer where an evaluation or store ends a run). */
    static final int DEFAULT_UNROLL = 20;

    private final TrainingParams params;
    private final Consumer<String> progress;
    private final TrainingListener listener;
    /** Initial weights instead of the random ones (tests); null for {@code retrain.py}'s truncated normal. */
    private final float[] initialWeights;
    /** Source of distorted training bottlenecks when the parameters turn distortions on; else null. */
    private final DistortedBatches distorted;
    /** Which steps evaluate and store, and how many a {@code Session.run} chains at most. */
    private final StepSchedule schedule;
    /** Asked before every {@code Session.run} of training whether to stop. */
    private final Cancellation cancellation;

    private final MiniBatches miniBatches;

    public HeadTrainer(TrainingParams params, Consumer<String> progress) {
        this(params, progress, TrainingListener.NONE);
    }

    public HeadTrainer(TrainingParams params, Consumer<String> progress, TrainingListener listener) {
        this(params, progress, listener, (DistortedBatches) null);
    }

    /**
     * A trainer whose retrain-mode steps take their batch from {@code distorted} when the parameters turn any
     * distortion on (the cached bottlenecks still serve validation and test).
     */
    public HeadTrainer(
            TrainingParams params, Consumer<String> progress, TrainingListener listener, DistortedBatches distorted) {
        this(params, progress, listener, null, distorted, DEFAULT_UNROLL, Cancellation.NEVER, MiniBatches.NEVER);
    }

    HeadTrainer(TrainingParams params, Consumer<String> progress, TrainingListener listener, float[] initialWeights) {
        this(params, progress, listener, initialWeights, null, DEFAULT_UNROLL, Cancellation.NEVER, MiniBatches.NEVER);
    }

    private HeadTrainer(
            TrainingParams params,
            Consumer<String> progress,
            TrainingListener listener,
            float[] initialWeights,
            DistortedBatches distorted,
            int unroll,
            Cancellation cancellation,
            MiniBatches miniBatches) {
        this.schedule = new StepSchedule(params, unroll);
        if (params.distortions().any() && distorted == null) {
            throw new IllegalArgumentException("Distortions are on but nothing computes distorted bottlenecks");
        }
        this.params = params;
        this.progress = progress;
        this.listener = listener;
        this.initialWeights = initialWeights;
        this.distorted = params.distortions().any() ? distorted : null;
        this.cancellation = cancellation;
        this.miniBatches = miniBatches;
    }

    /** This trainer chaining at most {@code steps} training steps per {@code Session.run}. */
    HeadTrainer unrolled(int steps) {
        return new HeadTrainer(params, progress, listener, initialWeights, distorted, steps, cancellation, miniBatches);
    }

    /**
     * This trainer stopping with a {@link RunCancelledException} once {@code cancellation} says so: it asks before
     * every {@code Session.run} of training (at most {@link #DEFAULT_UNROLL} steps), in each of the improved mode's
     * trainings, and while it waits for distorted batches.
     */
    public HeadTrainer cancelledBy(Cancellation cancellation) {
        return new HeadTrainer(
                params, progress, listener, initialWeights, distorted, schedule.unroll(), cancellation, miniBatches);
    }

    /**
     * This trainer training the improved mode's large sets in mini-batches with an epoch budget ({@link MiniBatches});
     * by default every set trains full-batch.
     */
    public HeadTrainer withMiniBatches(MiniBatches miniBatches) {
        return new HeadTrainer(
                params, progress, listener, initialWeights, distorted, schedule.unroll(), cancellation, miniBatches);
    }

    public TrainedHead train(TrainingData data) {
        return train(data, null);
    }

    /**
     * Trains starting from {@code warmStart} (null: a cold start), mapped onto {@code data}'s labels by
     * {@link WarmStart#mappedTo}. Retrain mode: it replaces the initial weights and biases. Improved mode: it is
     * unfolded into the new standardised space and trained with its own L2 strength (else
     * {@link L2Search#WARM_L2}) only; the warm-start head itself competes as a candidate, evaluated before step 0.
     */
    public TrainedHead train(TrainingData data, WarmStart warmStart) {
        return train(data, warmStart, true);
    }

    /**
     * As {@link #train(TrainingData, WarmStart)}; without {@code searchL2}, a cold start of the improved mode trains
     * {@link L2Search#WARM_L2} alone instead of searching every strength of {@link L2Search#GRID}: the quick first
     * model of a warm-start run that finds no head to start from (about a seventh of the training).
     */
    public TrainedHead train(TrainingData data, WarmStart warmStart, boolean searchL2) {
        int classes = data.labels().size();
        if (classes < 2) {
            throw new IllegalArgumentException("Training needs at least 2 classes, got " + classes);
        }
        if (data.training().count() == 0) {
            throw new IllegalArgumentException("The training set is empty");
        }
        WarmStart from = null;
        if (warmStart != null) {
            from = warmStart.mappedTo(data.labels());
            if (from.bottleneckSize() != data.bottleneckSize()) {
                throw new IllegalArgumentException("The warm-start head takes " + from.bottleneckSize()
                        + " features, the data has " + data.bottleneckSize());
            }
            progress.accept("Warm start from " + warmStart.labels().size() + " classes; new: "
                    + data.labels().stream()
                            .filter(label -> !warmStart.labels().contains(label))
                            .toList()
                    + ", dropped: "
                    + warmStart.labels().stream()
                            .filter(label -> !data.labels().contains(label))
                            .toList());
        }
        Random random = new Random(params.seed());
        TrainingContext context = new TrainingContext(schedule, progress, listener, cancellation, miniBatches);
        Candidate kept = params.mode() == TrainingMode.RETRAIN
                ? new RetrainTraining(context, distorted)
                        .train(
                                data,
                                random,
                                from != null ? from.weights() : initialWeights,
                                from != null ? from.biases() : null)
                : new L2Search(context).search(data, from, searchL2);
        cancellation.check();
        return new TestEvaluation(params, progress).test(data, kept, random);
    }
}
