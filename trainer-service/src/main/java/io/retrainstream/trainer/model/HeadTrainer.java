package io.retrainstream.trainer.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.op.nn.SoftmaxCrossEntropyWithLogits;
import org.tensorflow.op.random.TruncatedNormal;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

import io.retrainstream.common.tf.SoftmaxHead;

/**
 * Trains the final layer as a TensorFlow graph run by a {@link Session}, so TensorFlow's GPU natives run it on a
 * GPU. The data stays in the graph as constants; each step feeds only the indices of its batch.
 * <ul>
 * <li>{@link TrainingMode#RETRAIN}: {@code retrain.py}'s method: weights from a truncated normal (stddev 0.001),
 * zero biases, softmax cross entropy, plain gradient descent on class-balanced random batches (a random class, then
 * a random image of it), an evaluation on the training batch and a random validation batch every
 * {@code eval_step_interval} steps; the weights of the last step are kept.</li>
 * <li>{@link TrainingMode#IMPROVED}: features standardised on the training set, full-batch Adam with L2 for each
 * strength of {@link #L2_GRID}, evaluated on the whole validation set every {@code eval_step_interval} steps; the
 * weights of the step with the lowest validation cross entropy over all strengths are kept (early stopping and the
 * L2 choice in one). The test set plays no part in any choice.</li>
 * </ul>
 */
public final class HeadTrainer {

    private static final float INIT_STDDEV = 0.001f;
    /** L2 strengths the improved mode tries, chosen by validation accuracy. */
    static final float[] L2_GRID = {1e-3f, 3e-3f, 1e-2f, 3e-2f, 1e-1f, 3e-1f, 1f};
    private static final float ADAM_BETA1 = 0.9f;
    private static final float ADAM_BETA2 = 0.999f;
    private static final float ADAM_EPSILON = 1e-7f;
    /** In the improved mode only every this many evaluations is logged. */
    private static final int IMPROVED_LOG_EVERY = 20;

    private final TrainingParams params;
    private final Consumer<String> progress;
    private final TrainingListener listener;
    /** Initial weights instead of the random ones (tests); null for {@code retrain.py}'s truncated normal. */
    private final float[] initialWeights;
    /** Source of distorted training bottlenecks when the parameters turn distortions on; else null. */
    private final DistortedBatches distorted;

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
    public HeadTrainer(TrainingParams params, Consumer<String> progress, TrainingListener listener,
            DistortedBatches distorted) {
        this(params, progress, listener, null, distorted);
    }

    HeadTrainer(TrainingParams params, Consumer<String> progress, TrainingListener listener, float[] initialWeights) {
        this(params, progress, listener, initialWeights, null);
    }

    private HeadTrainer(TrainingParams params, Consumer<String> progress, TrainingListener listener,
            float[] initialWeights, DistortedBatches distorted) {
        if (params.distortions().any() && distorted == null) {
            throw new IllegalArgumentException("Distortions are on but nothing computes distorted bottlenecks");
        }
        this.params = params;
        this.progress = progress;
        this.listener = listener;
        this.initialWeights = initialWeights;
        this.distorted = params.distortions().any() ? distorted : null;
    }

    private boolean storeIntermediate(int step) {
        return params.intermediateStoreFrequency() > 0 && step > 0 && step % params.intermediateStoreFrequency() == 0;
    }

    public TrainedHead train(TrainingData data) {
        int classes = data.labels().size();
        if (classes < 2) {
            throw new IllegalArgumentException("Training needs at least 2 classes, got " + classes);
        }
        if (data.training().count() == 0) {
            throw new IllegalArgumentException("The training set is empty");
        }
        Random random = new Random(params.seed());
        Candidate kept = params.mode() == TrainingMode.RETRAIN ? trainRetrain(data, random) : trainImproved(data);
        return test(data, kept, random);
    }

    /** Weights and what training measured for them. */
    private record Candidate(float[] weights, float[] biases, TrainedHead.Evaluation at, double validationEntropy,
            List<TrainedHead.Evaluation> curve, String chosen) {
    }

    private Candidate trainRetrain(TrainingData data, Random random) {
        int size = data.bottleneckSize();
        int classes = data.labels().size();
        BalancedSampler trainSampler = new BalancedSampler(data.training().classes(), classes, random);
        BalancedSampler validationSampler = data.validation().count() == 0 ? null
                : new BalancedSampler(data.validation().classes(), classes, random);
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Placeholder<TInt32> batch = tf.withName("batch_indices").placeholder(TInt32.class,
                    Placeholder.shape(Shape.of(-1)));
            Placeholder<TFloat32> distortedX = tf.withName("distorted_bottlenecks").placeholder(TFloat32.class,
                    Placeholder.shape(Shape.of(-1, size)));
            Operand<TFloat32> x = distorted != null ? distortedX
                    : tf.gather(constant(tf, data.training(), size), batch, tf.constant(0));
            Operand<TInt32> y = tf.gather(tf.constant(data.training().classes()), batch, tf.constant(0));

            Ops head = tf.withSubScope("final_retrain_ops");
            Operand<TFloat32> init = initialWeights != null
                    ? head.constant(Shape.of(size, classes), DataBuffers.of(initialWeights, true, false))
                    : head.math.mul(head.random.truncatedNormal(head.constant(new long[] {size, classes}),
                            TFloat32.class, TruncatedNormal.seed(params.seed()),
                            TruncatedNormal.seed2(params.seed() + 1)), head.constant(INIT_STDDEV));
            Variable<TFloat32> weights = head.withName("final_weights").variable(init);
            Variable<TFloat32> biases = head.withName("final_biases")
                    .variable(head.zeros(head.constant(new long[] {classes}), TFloat32.class));
            Gradients g = gradients(tf, head, x, y, classes, weights, biases, null);
            Operand<TFloat32> learningRate = tf.constant((float) params.learningRate());
            Operand<TFloat32> stepWeights = tf.train.applyGradientDescent(weights, learningRate, g.weights());
            Operand<TFloat32> stepBiases = tf.train.applyGradientDescent(biases, learningRate, g.biases());

            Placeholder<TInt32> validationBatch = tf.withName("validation_indices").placeholder(TInt32.class,
                    Placeholder.shape(Shape.of(-1)));
            Gradients validationLoss = data.validation().count() == 0 ? null
                    : gradients(tf, head, tf.gather(constant(tf, data.validation(), size), validationBatch,
                            tf.constant(0)), tf.gather(tf.constant(data.validation().classes()), validationBatch,
                            tf.constant(0)), classes, weights, biases, null);

            try (Session session = new Session(graph);
                    DistortedPrefetch prefetch = distorted == null ? null
                            : new DistortedPrefetch(distorted, trainSampler, params.trainBatchSize(), params.seed())) {
                session.initialize();
                List<TrainedHead.Evaluation> curve = new ArrayList<>();
                TrainedHead.Evaluation last = null;
                for (int step = 0; step < params.howManyTrainingSteps(); step++) {
                    boolean evaluate = step % params.evalStepInterval() == 0
                            || step + 1 == params.howManyTrainingSteps();
                    double trainAccuracy;
                    double entropy;
                    DistortedPrefetch.Batch fetched = prefetch == null ? null
                            : prefetch.next(step + 1 < params.howManyTrainingSteps());
                    try (TInt32 indices = TInt32.vectorOf(fetched != null ? fetched.rows()
                            : trainSampler.sample(params.trainBatchSize()));
                            TFloat32 features = fetched == null ? TFloat32.tensorOf(Shape.of(0, size))
                                    : TFloat32.tensorOf(Shape.of(fetched.rows().length, size),
                                            DataBuffers.of(fetched.vectors(), true, false))) {
                        Session.Runner runner = session.runner().feed(batch, indices);
                        if (fetched != null) {
                            runner.feed(distortedX, features);
                        }
                        runner.addTarget(stepWeights).addTarget(stepBiases).run().close();
                        if (storeIntermediate(step)) {
                            try (Result result = session.runner().fetch(weights).fetch(biases).run()) {
                                listener.intermediate("", step, floats(result, 0, size * classes),
                                        floats(result, 1, classes));
                            }
                        }
                        if (!evaluate) {
                            continue;
                        }
                        Session.Runner measure = session.runner().feed(batch, indices);
                        if (fetched != null) {
                            measure.feed(distortedX, features);
                        }
                        try (Result train = measure.fetch(g.accuracy()).fetch(g.crossEntropy()).run()) {
                            trainAccuracy = scalar(train, 0);
                            entropy = scalar(train, 1);
                        }
                    }
                    double validation = Double.NaN;
                    double validationEntropy = Double.NaN;
                    int validationCount = 0;
                    if (validationSampler != null) {
                        int[] sample = params.validationBatchSize() == -1 ? all(data.validation().count())
                                : validationSampler.sample(params.validationBatchSize());
                        try (TInt32 indices = TInt32.vectorOf(sample);
                                Result result = session.runner().feed(validationBatch, indices)
                                        .fetch(validationLoss.accuracy()).fetch(validationLoss.crossEntropy()).run()) {
                            validation = scalar(result, 0);
                            validationEntropy = scalar(result, 1);
                            validationCount = sample.length;
                        }
                    }
                    last = new TrainedHead.Evaluation(step, trainAccuracy, entropy, validation, validationEntropy,
                            validationCount);
                    curve.add(last);
                    listener.evaluated("", last);
                    progress.accept(stepLine(last));
                }
                if (prefetch != null) {
                    progress.accept(prefetch.summary());
                }
                try (Result result = session.runner().fetch(weights).fetch(biases).run()) {
                    return new Candidate(floats(result, 0, size * classes), floats(result, 1, classes), last,
                            Double.NaN, curve, "the last step (" + last.step() + ")");
                }
            }
        }
    }

    private Candidate trainImproved(TrainingData data) {
        Candidate best = null;
        for (float l2 : L2_GRID) {
            Candidate candidate = trainFullBatch(data, l2);
            progress.accept(String.format("L2 %.0e: best validation cross entropy %.4f at step %d, accuracy = %s "
                    + "(N=%d)", l2, candidate.validationEntropy(), candidate.at().step(),
                    percent(candidate.at().validationAccuracy()), candidate.at().validationCount()));
            if (best == null || better(candidate, best)) {
                best = candidate;
            }
        }
        progress.accept("Chosen on validation: " + best.chosen());
        return best;
    }

    /**
     * Lower validation cross entropy wins (on 66 validation images it is far steadier than accuracy, which moves in
     * steps of 1.5%), then higher validation accuracy; without a validation set, lower training cross entropy.
     */
    private static boolean better(Candidate a, Candidate b) {
        if (Double.isNaN(a.validationEntropy()) || Double.isNaN(b.validationEntropy())) {
            return a.at().crossEntropy() < b.at().crossEntropy();
        }
        if (a.validationEntropy() != b.validationEntropy()) {
            return a.validationEntropy() < b.validationEntropy();
        }
        return a.at().validationAccuracy() > b.at().validationAccuracy();
    }

    private Candidate trainFullBatch(TrainingData data, float l2) {
        int size = data.bottleneckSize();
        int classes = data.labels().size();
        Standardisation scale = Standardisation.of(data.training(), size);
        String run = String.format(java.util.Locale.ROOT, "l2_%.0e", l2);
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Operand<TFloat32> x = scale.apply(tf, constant(tf, data.training(), size));
            Operand<TInt32> y = tf.constant(data.training().classes());
            Ops head = tf.withSubScope("final_retrain_ops");
            Variable<TFloat32> weights = head.withName("final_weights")
                    .variable(head.zeros(head.constant(new long[] {size, classes}), TFloat32.class));
            Variable<TFloat32> biases = head.withName("final_biases")
                    .variable(head.zeros(head.constant(new long[] {classes}), TFloat32.class));
            Gradients g = gradients(tf, head, x, y, classes, weights, biases, tf.constant(l2));
            Placeholder<TFloat32> beta1Power = tf.withName("beta1_power").placeholder(TFloat32.class);
            Placeholder<TFloat32> beta2Power = tf.withName("beta2_power").placeholder(TFloat32.class);
            Operand<TFloat32> stepWeights = adam(tf, weights, new long[] {size, classes}, beta1Power, beta2Power,
                    g.weights());
            Operand<TFloat32> stepBiases = adam(tf, biases, new long[] {classes}, beta1Power, beta2Power,
                    g.biases());
            Gradients validation = data.validation().count() == 0 ? null
                    : gradients(tf, head, scale.apply(tf, constant(tf, data.validation(), size)),
                            tf.constant(data.validation().classes()), classes, weights, biases, null);

            try (Session session = new Session(graph)) {
                session.initialize();
                List<TrainedHead.Evaluation> curve = new ArrayList<>();
                Candidate best = null;
                for (int step = 0; step < params.howManyTrainingSteps(); step++) {
                    try (TFloat32 b1 = TFloat32.scalarOf((float) Math.pow(ADAM_BETA1, step + 1));
                            TFloat32 b2 = TFloat32.scalarOf((float) Math.pow(ADAM_BETA2, step + 1))) {
                        session.runner().feed(beta1Power, b1).feed(beta2Power, b2).addTarget(stepWeights)
                                .addTarget(stepBiases).run().close();
                    }
                    if (storeIntermediate(step)) {
                        try (Result result = session.runner().fetch(weights).fetch(biases).run()) {
                            float[] w = floats(result, 0, size * classes);
                            listener.intermediate(run, step, scale.foldWeights(w, classes),
                                    scale.foldBiases(w, floats(result, 1, classes)));
                        }
                    }
                    if (step % params.evalStepInterval() != 0 && step + 1 != params.howManyTrainingSteps()) {
                        continue;
                    }
                    Session.Runner runner = session.runner().fetch(g.accuracy()).fetch(g.crossEntropy());
                    if (validation != null) {
                        runner.fetch(validation.accuracy()).fetch(validation.crossEntropy());
                    }
                    TrainedHead.Evaluation evaluation;
                    double validationEntropy;
                    try (Result result = runner.run()) {
                        validationEntropy = validation == null ? Double.NaN : scalar(result, 3);
                        evaluation = new TrainedHead.Evaluation(step, scalar(result, 0), scalar(result, 1),
                                validation == null ? Double.NaN : scalar(result, 2), validationEntropy,
                                data.validation().count());
                    }
                    curve.add(evaluation);
                    listener.evaluated(run, evaluation);
                    if (curve.size() % IMPROVED_LOG_EVERY == 1) {
                        progress.accept(String.format("L2 %.0e ", l2) + stepLine(evaluation));
                    }
                    Candidate candidate = new Candidate(null, null, evaluation, validationEntropy, curve,
                            String.format("L2 %.0e, step %d", l2, step));
                    if (best == null || better(candidate, best)) {
                        try (Result result = session.runner().fetch(weights).fetch(biases).run()) {
                            float[] w = floats(result, 0, size * classes);
                            float[] b = floats(result, 1, classes);
                            best = new Candidate(scale.foldWeights(w, classes), scale.foldBiases(w, b), evaluation,
                                    validationEntropy, curve, candidate.chosen());
                        }
                    }
                }
                return best;
            }
        }
    }

    /**
     * Per-feature standardisation of the training set, {@code (x - mean) / std}, folded into the trained weights
     * afterwards so the published head takes the raw features.
     */
    record Standardisation(float[] mean, float[] std) {

        static Standardisation of(TrainingData.Split split, int size) {
            double[] sum = new double[size];
            double[] squares = new double[size];
            float[] v = split.vectors();
            for (int row = 0; row < split.count(); row++) {
                for (int d = 0; d < size; d++) {
                    double value = v[row * size + d];
                    sum[d] += value;
                    squares[d] += value * value;
                }
            }
            float[] mean = new float[size];
            float[] std = new float[size];
            for (int d = 0; d < size; d++) {
                double m = sum[d] / split.count();
                mean[d] = (float) m;
                std[d] = (float) Math.max(Math.sqrt(Math.max(squares[d] / split.count() - m * m, 0)), 1e-3);
            }
            return new Standardisation(mean, std);
        }

        Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x) {
            return tf.math.div(tf.math.sub(x, tf.constant(mean)), tf.constant(std));
        }

        /** {@code W / std} per input row. */
        float[] foldWeights(float[] weights, int classes) {
            float[] folded = new float[weights.length];
            for (int d = 0; d < mean.length; d++) {
                for (int c = 0; c < classes; c++) {
                    folded[d * classes + c] = weights[d * classes + c] / std[d];
                }
            }
            return folded;
        }

        /** {@code b - sum_d mean_d W_dc / std_d}. */
        float[] foldBiases(float[] weights, float[] biases) {
            int classes = biases.length;
            float[] folded = biases.clone();
            for (int d = 0; d < mean.length; d++) {
                for (int c = 0; c < classes; c++) {
                    folded[c] -= mean[d] * weights[d * classes + c] / std[d];
                }
            }
            return folded;
        }
    }

    private Operand<TFloat32> adam(Ops tf, Variable<TFloat32> variable, long[] shape, Operand<TFloat32> beta1Power,
            Operand<TFloat32> beta2Power, Operand<TFloat32> gradient) {
        Variable<TFloat32> m = tf.variable(tf.zeros(tf.constant(shape), TFloat32.class));
        Variable<TFloat32> v = tf.variable(tf.zeros(tf.constant(shape), TFloat32.class));
        return tf.train.applyAdam(variable, m, v, beta1Power, beta2Power, tf.constant((float) params.learningRate()),
                tf.constant(ADAM_BETA1), tf.constant(ADAM_BETA2), tf.constant(ADAM_EPSILON), gradient);
    }

    /** The loss of a head on {@code x, y} and its gradients (with {@code l2 * weights} added when l2 is given). */
    private record Gradients(Operand<TFloat32> crossEntropy, Operand<TFloat32> accuracy, Operand<TFloat32> weights,
            Operand<TFloat32> biases) {
    }

    private static Gradients gradients(Ops tf, Ops head, Operand<TFloat32> x, Operand<TInt32> y, int classes,
            Operand<TFloat32> weights, Operand<TFloat32> biases, Operand<TFloat32> l2) {
        Operand<TFloat32> logits = SoftmaxHead.logits(head, x, weights, biases);
        SoftmaxCrossEntropyWithLogits<TFloat32> loss = tf.nn.softmaxCrossEntropyWithLogits(logits,
                tf.oneHot(y, tf.constant(classes), tf.constant(1f), tf.constant(0f)));
        Operand<TFloat32> crossEntropy = tf.math.mean(loss.loss(), tf.constant(0));
        // d(mean cross entropy)/d(logits) = (softmax - one_hot) / batch: TensorFlow's own backprop output.
        Operand<TFloat32> gradLogits = tf.math.div(loss.backprop(), tf.dtypes.cast(tf.size(y), TFloat32.class));
        Operand<TFloat32> gradWeights = tf.linalg.matMul(x, gradLogits, MatMul.transposeA(true));
        if (l2 != null) {
            gradWeights = tf.math.add(gradWeights, tf.math.mul(l2, weights));
        }
        return new Gradients(crossEntropy, accuracy(tf, logits, y), gradWeights,
                tf.reduceSum(gradLogits, tf.constant(0)));
    }

    /** Scores the kept head on the test set (or a class-balanced sample of {@code test_batch_size}). */
    private TrainedHead test(TrainingData data, Candidate kept, Random random) {
        int size = data.bottleneckSize();
        int classes = data.labels().size();
        TrainingData.Split testing = data.testing();
        int[] rows = testing.count() == 0 ? new int[0] : params.testBatchSize() == -1 ? all(testing.count())
                : new BalancedSampler(testing.classes(), classes, random).sample(params.testBatchSize());
        float[][] scores = new float[rows.length][classes];
        double correct = 0;
        if (rows.length > 0) {
            try (Graph graph = new Graph()) {
                Ops tf = Ops.create(graph);
                Operand<TFloat32> x = tf.gather(constant(tf, testing, size), tf.constant(rows), tf.constant(0));
                Operand<TFloat32> softmax = SoftmaxHead.addInference(tf, x, kept.weights(), kept.biases(),
                        params.finalTensorName());
                try (Session session = new Session(graph); Result result = session.runner().fetch(softmax).run()) {
                    float[] flat = floats(result, 0, rows.length * classes);
                    for (int i = 0; i < rows.length; i++) {
                        System.arraycopy(flat, i * classes, scores[i], 0, classes);
                        if (argMax(scores[i]) == testing.classes()[rows[i]]) {
                            correct++;
                        }
                    }
                }
            }
        }
        double testAccuracy = rows.length == 0 ? Double.NaN : correct / rows.length;
        progress.accept(String.format("Final test accuracy = %s (N=%d)",
                Double.isNaN(testAccuracy) ? "n/a" : percent(testAccuracy), rows.length));
        if (params.printMisclassifiedTestImages()) {
            progress.accept("=== MISCLASSIFIED TEST IMAGES ===");
            for (int i = 0; i < rows.length; i++) {
                int predicted = argMax(scores[i]);
                if (predicted != testing.classes()[rows[i]]) {
                    progress.accept(String.format("%70s  %s", testing.ids().get(rows[i]), data.labels().get(predicted)));
                }
            }
        }
        TrainedHead.Evaluation at = kept.at();
        return new TrainedHead(kept.weights(), kept.biases(), at.trainAccuracy(), at.crossEntropy(),
                at.validationAccuracy(), at.validationCount(), testAccuracy, rows.length, List.copyOf(kept.curve()),
                kept.chosen(), rows, scores);
    }

    static int argMax(float[] scores) {
        int best = 0;
        for (int i = 1; i < scores.length; i++) {
            if (scores[i] > scores[best]) {
                best = i;
            }
        }
        return best;
    }

    private static String stepLine(TrainedHead.Evaluation e) {
        return String.format("Step %d: Train accuracy = %s, Cross entropy = %.6f, Validation accuracy = %s (N=%d)",
                e.step(), percent(e.trainAccuracy()), e.crossEntropy(),
                Double.isNaN(e.validationAccuracy()) ? "n/a" : percent(e.validationAccuracy()), e.validationCount());
    }

    private static int[] all(int count) {
        int[] rows = new int[count];
        for (int i = 0; i < count; i++) {
            rows[i] = i;
        }
        return rows;
    }

    private static Operand<TFloat32> accuracy(Ops tf, Operand<TFloat32> logits, Operand<TInt32> truth) {
        Operand<TInt32> predicted = tf.math.argMax(logits, tf.constant(1), TInt32.class);
        return tf.math.mean(tf.dtypes.cast(tf.math.equal(predicted, truth), TFloat32.class), tf.constant(0));
    }

    private static Operand<TFloat32> constant(Ops tf, TrainingData.Split split, int size) {
        return tf.constant(Shape.of(split.count(), size), DataBuffers.of(split.vectors(), true, false));
    }

    private static float[] floats(Result result, int index, int count) {
        float[] values = new float[count];
        ((TFloat32) result.get(index)).copyTo(DataBuffers.of(values, false, false));
        return values;
    }

    private static double scalar(Result result, int index) {
        return ((TFloat32) result.get(index)).getFloat();
    }

    private static String percent(double fraction) {
        return String.format("%.1f%%", fraction * 100);
    }

    /** {@code retrain.py}'s sampling: a random class, then a random image of that class, with replacement. */
    static final class BalancedSampler {
        private final List<int[]> rowsByClass = new ArrayList<>();
        private final Random random;

        BalancedSampler(int[] classes, int classCount, Random random) {
            this.random = random;
            List<List<Integer>> rows = new ArrayList<>();
            for (int c = 0; c < classCount; c++) {
                rows.add(new ArrayList<>());
            }
            for (int row = 0; row < classes.length; row++) {
                rows.get(classes[row]).add(row);
            }
            for (List<Integer> list : rows) {
                if (!list.isEmpty()) {
                    rowsByClass.add(list.stream().mapToInt(Integer::intValue).toArray());
                }
            }
        }

        int[] sample(int count) {
            int[] sample = new int[count];
            for (int i = 0; i < count; i++) {
                int[] rows = rowsByClass.get(random.nextInt(rowsByClass.size()));
                sample[i] = rows[random.nextInt(rows.length)];
            }
            return sample;
        }
    }
}
