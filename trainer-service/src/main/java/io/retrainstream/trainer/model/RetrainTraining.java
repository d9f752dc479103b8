package io.retrainstream.trainer.model;

import static io.retrainstream.trainer.model.TrainingLoop.evaluation;
import static io.retrainstream.trainer.model.TrainingLoop.fetchLosses;
import static io.retrainstream.trainer.model.TrainingLoop.floats;

import io.retrainstream.trainer.data.Candidate;
import io.retrainstream.trainer.data.TrainedHead;
import io.retrainstream.trainer.data.TrainingData;
import io.retrainstream.trainer.data.TrainingMode;
import io.retrainstream.trainer.data.TrainingParams;
import io.retrainstream.trainer.model.HeadLayers.Head;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * {@link TrainingMode#RETRAIN}'s training over a {@link RetrainGraph}: class-balanced random batches (a random class,
 * then a random image of it) or the distorted ones fetched ahead, an evaluation on the training batch and a random
 * validation batch every {@code eval_step_interval} steps; the weights of the last step are kept. One instance trains
 * once.
 */
final class RetrainTraining {

    private final TrainingParams params;
    private final StepSchedule schedule;
    private final TrainingContext context;
    /** Source of distorted training bottlenecks; null to train on the cached ones. */
    private final DistortedBatches distorted;

    private final List<TrainedHead.Evaluation> curve = new ArrayList<>();
    private TrainedHead.Evaluation last;

    RetrainTraining(TrainingContext context, DistortedBatches distorted) {
        this.params = context.params();
        this.schedule = context.schedule();
        this.context = context;
        this.distorted = distorted;
    }

    /** Trains from {@code startWeights, startBiases} (null: the truncated normal and zeros), drawing from random. */
    Candidate train(TrainingData data, Random random, float[] startWeights, float[] startBiases) {
        int size = data.bottleneckSize();
        int classes = data.labels().size();
        int steps = params.howManyTrainingSteps();
        BalancedSampler trainSampler = new BalancedSampler(data.training().classes(), classes, random);
        BalancedSampler validationSampler = data.validation().count() == 0
                ? null
                : new BalancedSampler(data.validation().classes(), classes, random);
        List<Integer> lengths = distorted != null ? new StepSchedule(params, 1).runLengths() : schedule.runLengths();
        try (TrainingLoop loop = new TrainingLoop(context.cancellation())) {
            RetrainGraph graph =
                    new RetrainGraph(loop.tf(), data, params, startWeights, startBiases, lengths, distorted != null);
            try (DistortedPrefetch prefetch = distorted == null
                    ? null
                    : new DistortedPrefetch(
                            distorted, trainSampler, params.trainBatchSize(), params.seed(), context.cancellation())) {
                loop.start();
                loop.forEachRun(lengths, (first, length) -> {
                    int[] rows = new int[length * params.trainBatchSize()];
                    float[] vectors = null;
                    for (int j = 0; j < length; j++) {
                        DistortedPrefetch.Batch fetched =
                                prefetch == null ? null : prefetch.next(first + j + 1 < steps);
                        int[] sample = fetched != null ? fetched.rows() : trainSampler.sample(params.trainBatchSize());
                        System.arraycopy(sample, 0, rows, j * sample.length, sample.length);
                        vectors = fetched == null ? null : fetched.vectors();
                    }
                    int end = first + length - 1;
                    int[] validationRows = !schedule.evaluates(end) || validationSampler == null
                            ? null
                            : params.validationBatchSize() == -1
                                    ? BalancedSampler.all(data.validation().count())
                                    : validationSampler.sample(params.validationBatchSize());
                    run(loop, graph, size, classes, end, length, rows, vectors, validationRows);
                });
                if (prefetch != null) {
                    context.progress().accept(prefetch.summary());
                }
                try (Result result =
                        loop.runner().fetch(graph.weights).fetch(graph.biases).run()) {
                    return new Candidate(
                            floats(result, 0, size * classes),
                            floats(result, 1, classes),
                            last,
                            Double.NaN,
                            curve,
                            "the last step (" + last.step() + ")",
                            null);
                }
            }
        }
    }

    /** One {@code Session.run} of {@code length} steps ending at step {@code end}, with its evaluation and store. */
    private void run(
            TrainingLoop loop,
            RetrainGraph graph,
            int size,
            int classes,
            int end,
            int length,
            int[] rows,
            float[] vectors,
            int[] validationRows) {
        boolean evaluate = schedule.evaluates(end);
        boolean store = schedule.storesIntermediate(end);
        Head after = graph.chain.get(length - 1);
        try (TInt32 indices =
                        TInt32.tensorOf(Shape.of(length, rows.length / length), DataBuffers.of(rows, true, false));
                TFloat32 features = vectors == null
                        ? TFloat32.tensorOf(Shape.of(0, size))
                        : TFloat32.tensorOf(
                                Shape.of(vectors.length / size, size), DataBuffers.of(vectors, true, false));
                TInt32 validationIndices = TInt32.vectorOf(validationRows == null ? new int[0] : validationRows)) {
            Session.Runner runner = loop.runner()
                    .feed(graph.batches, indices)
                    .addTarget(after.weights())
                    .addTarget(after.biases());
            if (vectors != null) {
                runner.feed(graph.distortedX, features);
            }
            if (validationRows != null) {
                runner.feed(graph.validationBatch, validationIndices);
            }
            if (evaluate) {
                fetchLosses(
                        runner,
                        graph.trainLoss.get(length),
                        validationRows == null ? null : graph.validationLoss.get(length));
            }
            if (store) {
                runner.fetch(after.weights()).fetch(after.biases());
            }
            try (Result result = runner.run()) {
                int next = 0;
                if (evaluate) {
                    last = evaluation(
                            result, 0, end, validationRows != null, validationRows == null ? 0 : validationRows.length);
                    next += validationRows == null ? 2 : 4;
                }
                if (store) {
                    context.listener()
                            .intermediate(
                                    "", end, floats(result, next, size * classes), floats(result, next + 1, classes));
                }
            }
        }
        if (evaluate) {
            curve.add(last);
            context.listener().evaluated("", last);
            context.progress().accept(ProgressLines.step(last));
        }
    }
}
