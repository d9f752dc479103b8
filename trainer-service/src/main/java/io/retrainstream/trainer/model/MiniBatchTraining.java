package io.retrainstream.trainer.model;

import io.retrainstream.trainer.data.Candidate;
import io.retrainstream.trainer.data.TrainedHead;
import io.retrainstream.trainer.data.TrainingData;
import io.retrainstream.trainer.data.TrainingMode;
import io.retrainstream.trainer.data.WarmStart;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * One L2 strength's training of {@link TrainingMode#IMPROVED} on a large set: Adam on shuffled mini-batches of
 * {@code train_batch_size} vectors fed per step (the graph holds no copy of the set), at most {@link MiniBatches#epochs()}
 * passes over the training set, evaluated on the whole validation set every {@code eval_step_interval} steps and at each
 * epoch's end, stopping once {@link #PATIENCE_EVALUATIONS} evaluations in a row have not improved on the best
 * validation cross entropy. It keeps the head of the best evaluation (the warm start's own head competing, evaluated before step 0), folded back to the raw features. What
 * it costs grows with epochs x training vectors, not with steps x training vectors. One instance trains once.
 */
final class MiniBatchTraining {

    /**
     * A strength stops once this many evaluations (every {@code eval_step_interval} steps and at each epoch's end) in a
     * row have not improved on its best validation cross entropy, as the full-batch training of large sets does.
     */
    static final int PATIENCE_EVALUATIONS = FullBatchTraining.PATIENCE_EVALUATIONS;

    /** Only every this many evaluations is logged. */
    private static final int LOG_EVERY = 20;

    /** An epoch improves when its validation cross entropy is this fraction below the best one. */
    private static final double MIN_IMPROVEMENT = 1e-3;

    /** Validation vectors fed per {@code Session.run} of an evaluation. */
    private static final int EVALUATION_BATCH = 4096;

    private final TrainingContext context;
    private final float l2;
    private final int epochs;
    private final String run;
    private final List<TrainedHead.Evaluation> curve = new ArrayList<>();
    /** The lowest validation cross entropy that counted as an improvement, and evaluations since. */
    private double reference = Double.POSITIVE_INFINITY;

    private int sinceImprovement;

    MiniBatchTraining(TrainingContext context, float l2, int epochs) {
        if (epochs < 1) {
            throw new IllegalArgumentException("A mini-batch training needs 1+ epochs, got " + epochs);
        }
        this.context = context;
        this.l2 = l2;
        this.epochs = epochs;
        this.run = String.format(Locale.ROOT, "l2_%.0e", l2);
    }

    /** Trains from {@code from} (null: zeros) and returns the best head it saw. */
    Candidate train(TrainingData data, WarmStart from) {
        int size = data.bottleneckSize();
        int classes = data.labels().size();
        int count = data.training().count();
        int batchSize = Math.min(context.params().trainBatchSize(), count);
        Standardisation scale = Standardisation.of(data.training(), size);
        try (TrainingLoop loop = new TrainingLoop(context.cancellation())) {
            Ops tf = loop.tf();
            Placeholder<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, size)));
            Placeholder<TInt32> y = tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
            Placeholder<TFloat32> beta1Power = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
            Placeholder<TFloat32> beta2Power = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
            Operand<TFloat32> standardised = scale.apply(tf, x);
            Ops head = tf.withSubScope(HeadLayers.SCOPE);
            Variable<TFloat32> weights = HeadLayers.weights(
                    head,
                    from != null
                            ? HeadLayers.matrix(head, size, classes, scale.unfoldWeights(from.weights(), classes))
                            : HeadLayers.zeros(head, size, classes));
            Variable<TFloat32> biases = HeadLayers.biases(
                    head,
                    from != null
                            ? head.constant(scale.unfoldBiases(from.weights(), from.biases()))
                            : HeadLayers.zeros(head, classes));
            HeadLayers.Loss batchLoss =
                    HeadLayers.loss(tf, head, standardised, y, classes, weights, biases, tf.constant(l2));
            float learningRate = (float)
                    (context.params().learningRate() * context.miniBatches().learningRateScale());
            Operand<TFloat32> updateWeights = new ImprovedGraph.Adam(tf, learningRate, size, classes)
                    .apply(tf, weights, beta1Power, beta2Power, batchLoss.weights());
            Operand<TFloat32> updateBiases = new ImprovedGraph.Adam(tf, learningRate, classes)
                    .apply(tf, biases, beta1Power, beta2Power, batchLoss.biases());
            HeadLayers.Loss measure = HeadLayers.loss(tf, head, standardised, y, classes, weights, biases, null);
            loop.start();

            Candidate best = null;
            if (from != null) {
                Measured start = measure(loop, x, y, measure, data.training(), size);
                TrainedHead.Evaluation evaluation = evaluation(start, loop, x, y, measure, data, size, -1);
                context.progress().accept(String.format("L2 %.0e warm start: ", l2) + ProgressLines.step(evaluation));
                best = new Candidate(
                        from.weights(),
                        from.biases(),
                        evaluation,
                        evaluation.validationCrossEntropy(),
                        curve,
                        String.format("L2 %.0e, the warm start (before step 0)", l2),
                        l2);
            }
            Random random = new Random(context.params().seed() ^ Float.floatToIntBits(l2));
            int[] order = new int[count];
            for (int i = 0; i < count; i++) {
                order[i] = i;
            }
            float[] batch = new float[batchSize * size];
            int[] batchClasses = new int[batchSize];
            float[] vectors = data.training().vectors();
            int[] classesOf = data.training().classes();
            int interval = context.params().evalStepInterval();
            int step = -1;
            double entropySum = 0;
            double accuracySum = 0;
            int measured = 0;
            epochs:
            for (int epoch = 1; epoch <= epochs; epoch++) {
                shuffle(order, random);
                for (int first = 0; first < count; first += batchSize) {
                    context.cancellation().check();
                    int n = Math.min(batchSize, count - first);
                    for (int i = 0; i < n; i++) {
                        System.arraycopy(vectors, order[first + i] * size, batch, i * size, size);
                        batchClasses[i] = classesOf[order[first + i]];
                    }
                    step++;
                    try (TFloat32 input = TFloat32.tensorOf(
                                    Shape.of(n, size),
                                    DataBuffers.of(batch, true, false).narrow((long) n * size));
                            TInt32 truth = TInt32.tensorOf(
                                    Shape.of(n),
                                    DataBuffers.of(batchClasses, true, false).narrow(n));
                            TFloat32 b1 = TFloat32.scalarOf((float) Math.pow(ImprovedGraph.ADAM_BETA1, step + 1));
                            TFloat32 b2 = TFloat32.scalarOf((float) Math.pow(ImprovedGraph.ADAM_BETA2, step + 1));
                            Result result = loop.runner()
                                    .feed(x, input)
                                    .feed(y, truth)
                                    .feed(beta1Power, b1)
                                    .feed(beta2Power, b2)
                                    .addTarget(updateWeights)
                                    .addTarget(updateBiases)
                                    .fetch(batchLoss.crossEntropy())
                                    .fetch(batchLoss.accuracy())
                                    .run()) {
                        // the loss of the head before this step, on this batch: running training figures
                        entropySum += TrainingLoop.scalar(result, 0) * n;
                        accuracySum += TrainingLoop.scalar(result, 1) * n;
                        measured += n;
                    }
                    boolean lastOfEpoch = first + batchSize >= count;
                    if (step % interval != 0 && !lastOfEpoch) {
                        continue;
                    }
                    TrainedHead.Evaluation evaluation = evaluation(
                            new Measured(accuracySum / measured, entropySum / measured),
                            loop,
                            x,
                            y,
                            measure,
                            data,
                            size,
                            step);
                    entropySum = 0;
                    accuracySum = 0;
                    measured = 0;
                    best = keepBetter(best, evaluation, epoch, loop, weights, biases, scale, size, classes);
                    if (stopsEarly(evaluation.validationCrossEntropy(), epoch, step)) {
                        break epochs;
                    }
                }
            }
            return best;
        }
    }

    /** The better of {@code best} and the head now, {@code evaluation}'s (fetched and folded only when better). */
    private Candidate keepBetter(
            Candidate best,
            TrainedHead.Evaluation evaluation,
            int epoch,
            TrainingLoop loop,
            Variable<TFloat32> weights,
            Variable<TFloat32> biases,
            Standardisation scale,
            int size,
            int classes) {
        curve.add(evaluation);
        context.listener().evaluated(run, evaluation);
        if (curve.size() % LOG_EVERY == 1) {
            context.progress().accept(String.format("L2 %.0e epoch %d ", l2, epoch) + ProgressLines.step(evaluation));
        }
        double entropy = evaluation.validationCrossEntropy();
        String chosen = String.format("L2 %.0e, epoch %d, step %d", l2, epoch, evaluation.step());
        Candidate candidate = new Candidate(null, null, evaluation, entropy, curve, chosen, l2);
        if (best != null && !candidate.betterThan(best)) {
            return best;
        }
        float[][] head = fetchHead(loop, weights, biases, size, classes);
        return new Candidate(
                scale.foldWeights(head[0], classes),
                scale.foldBiases(head[0], head[1]),
                evaluation,
                entropy,
                curve,
                chosen,
                l2);
    }

    /**
     * Whether to stop: {@link #PATIENCE_EVALUATIONS} evaluations in a row have not improved on the best validation
     * cross entropy (never without a validation set).
     */
    private boolean stopsEarly(double entropy, int epoch, int step) {
        if (Double.isNaN(entropy)) {
            return false;
        }
        if (entropy < reference * (1 - MIN_IMPROVEMENT)) {
            reference = entropy;
            sinceImprovement = 0;
            return false;
        }
        if (++sinceImprovement < PATIENCE_EVALUATIONS) {
            return false;
        }
        context.progress()
                .accept(String.format(
                        "L2 %.0e: stopped early in epoch %d of %d at step %d, its validation cross entropy %.4f no "
                                + "better in %d evaluations",
                        l2, epoch, epochs, step, entropy, PATIENCE_EVALUATIONS));
        return true;
    }

    /** Accuracy and mean cross entropy over some vectors. */
    private record Measured(double accuracy, double crossEntropy) {}

    /** An evaluation with {@code trained}'s training figures and the current head's on the whole validation set. */
    private TrainedHead.Evaluation evaluation(
            Measured trained,
            TrainingLoop loop,
            Placeholder<TFloat32> x,
            Placeholder<TInt32> y,
            HeadLayers.Loss measure,
            TrainingData data,
            int size,
            int step) {
        int validationCount = data.validation().count();
        Measured validation = validationCount == 0 ? null : measure(loop, x, y, measure, data.validation(), size);
        return new TrainedHead.Evaluation(
                step,
                trained.accuracy(),
                trained.crossEntropy(),
                validation == null ? Double.NaN : validation.accuracy(),
                validation == null ? Double.NaN : validation.crossEntropy(),
                validationCount);
    }

    /** The current head's accuracy and mean cross entropy on {@code split}, fed in batches. */
    private static Measured measure(
            TrainingLoop loop,
            Placeholder<TFloat32> x,
            Placeholder<TInt32> y,
            HeadLayers.Loss measure,
            TrainingData.Split split,
            int size) {
        double entropy = 0;
        double accuracy = 0;
        int count = split.count();
        for (int first = 0; first < count; first += EVALUATION_BATCH) {
            int n = Math.min(EVALUATION_BATCH, count - first);
            try (TFloat32 input = TFloat32.tensorOf(
                            Shape.of(n, size),
                            DataBuffers.of(split.vectors(), true, false).slice((long) first * size, (long) n * size));
                    TInt32 truth = TInt32.tensorOf(
                            Shape.of(n),
                            DataBuffers.of(split.classes(), true, false).slice(first, n));
                    Result result = loop.runner()
                            .feed(x, input)
                            .feed(y, truth)
                            .fetch(measure.crossEntropy())
                            .fetch(measure.accuracy())
                            .run()) {
                entropy += TrainingLoop.scalar(result, 0) * n;
                accuracy += TrainingLoop.scalar(result, 1) * n;
            }
        }
        return new Measured(accuracy / count, entropy / count);
    }

    /** The head's standardised weights and biases as the session holds them now. */
    private static float[][] fetchHead(
            TrainingLoop loop, Variable<TFloat32> weights, Variable<TFloat32> biases, int size, int classes) {
        Session.Runner runner = loop.runner().fetch(weights).fetch(biases);
        try (Result result = runner.run()) {
            return new float[][] {
                TrainingLoop.floats(result, 0, size * classes), TrainingLoop.floats(result, 1, classes)
            };
        }
    }

    private static void shuffle(int[] order, Random random) {
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
    }
}
