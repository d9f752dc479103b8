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
import org.tensorflow.op.train.ApplyGradientDescent;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

import io.retrainstream.common.tf.SoftmaxHead;

/**
 * Trains {@code retrain.py}'s final layer as a TensorFlow graph run by a {@link Session}, so TensorFlow's GPU natives
 * run it on a GPU: weights from a truncated normal (stddev 0.001), zero biases, softmax cross entropy, plain
 * gradient descent on class-balanced random batches (a random class, then a random image of it), and an evaluation
 * on the training batch and a random validation batch every {@code eval_step_interval} steps. The data stays in the
 * graph as constants; each step feeds only the indices of its batch.
 */
public final class HeadTrainer {

    private static final float INIT_STDDEV = 0.001f;

    private final TrainingParams params;
    private final Consumer<String> progress;

    public HeadTrainer(TrainingParams params, Consumer<String> progress) {
        this.params = params;
        this.progress = progress;
    }

    public TrainedHead train(TrainingData data) {
        int size = data.bottleneckSize();
        int classes = data.labels().size();
        if (classes < 2) {
            throw new IllegalArgumentException("Training needs at least 2 classes, got " + classes);
        }
        if (data.training().count() == 0) {
            throw new IllegalArgumentException("The training set is empty");
        }
        Random random = new Random(params.seed());
        BalancedSampler trainSampler = new BalancedSampler(data.training().classes(), classes, random);
        BalancedSampler validationSampler = data.validation().count() == 0 ? null
                : new BalancedSampler(data.validation().classes(), classes, random);

        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Operand<TFloat32> trainX = constant(tf, data.training(), size);
            Operand<TInt32> trainY = tf.constant(data.training().classes());
            Placeholder<TInt32> batch = tf.withName("batch_indices").placeholder(TInt32.class,
                    Placeholder.shape(Shape.of(-1)));
            Operand<TFloat32> x = tf.gather(trainX, batch, tf.constant(0));
            Operand<TInt32> y = tf.gather(trainY, batch, tf.constant(0));

            Ops head = tf.withSubScope("final_retrain_ops");
            Variable<TFloat32> weights = head.withName("final_weights").variable(head.math.mul(
                    head.random.truncatedNormal(head.constant(new long[] {size, classes}), TFloat32.class,
                            TruncatedNormal.seed(params.seed()), TruncatedNormal.seed2(params.seed() + 1)),
                    head.constant(INIT_STDDEV)));
            Variable<TFloat32> biases = head.withName("final_biases")
                    .variable(head.zeros(head.constant(new long[] {classes}), TFloat32.class));

            Operand<TFloat32> logits = SoftmaxHead.logits(head, x, weights, biases);
            SoftmaxCrossEntropyWithLogits<TFloat32> loss = tf.nn.softmaxCrossEntropyWithLogits(logits,
                    tf.oneHot(y, tf.constant(classes), tf.constant(1f), tf.constant(0f)));
            Operand<TFloat32> crossEntropy = tf.withName("cross_entropy").math.mean(loss.loss(), tf.constant(0));
            // d(mean cross entropy)/d(logits) = (softmax - one_hot) / batch: TensorFlow's own backprop output.
            Operand<TFloat32> gradLogits = tf.math.div(loss.backprop(),
                    tf.dtypes.cast(tf.size(batch), TFloat32.class));
            Operand<TFloat32> gradWeights = tf.linalg.matMul(x, gradLogits, MatMul.transposeA(true));
            Operand<TFloat32> gradBiases = tf.reduceSum(gradLogits, tf.constant(0));
            Operand<TFloat32> learningRate = tf.constant((float) params.learningRate());
            ApplyGradientDescent<TFloat32> stepWeights = tf.train.applyGradientDescent(weights, learningRate,
                    gradWeights);
            ApplyGradientDescent<TFloat32> stepBiases = tf.train.applyGradientDescent(biases, learningRate,
                    gradBiases);
            Operand<TFloat32> trainAccuracy = accuracy(tf, logits, y);

            Placeholder<TInt32> validationBatch = tf.withName("validation_indices").placeholder(TInt32.class,
                    Placeholder.shape(Shape.of(-1)));
            Operand<TFloat32> validationAccuracy = evaluation(tf, head, data.validation(), size, validationBatch,
                    weights, biases);
            Operand<TFloat32> testAccuracy = evaluation(tf, head, data.testing(), size, null, weights, biases);

            try (Session session = new Session(graph)) {
                session.initialize();
                double lastTrain = 0;
                double lastEntropy = 0;
                double lastValidation = Double.NaN;
                int lastValidationCount = 0;
                for (int step = 0; step < params.howManyTrainingSteps(); step++) {
                    boolean last = step + 1 == params.howManyTrainingSteps();
                    boolean evaluate = step % params.evalStepInterval() == 0 || last;
                    try (TInt32 indices = TInt32.vectorOf(trainSampler.sample(params.trainBatchSize()))) {
                        session.runner().feed(batch, indices).addTarget(stepWeights).addTarget(stepBiases).run()
                                .close();
                        if (!evaluate) {
                            continue;
                        }
                        try (Result train = session.runner().feed(batch, indices).fetch(trainAccuracy)
                                .fetch(crossEntropy).run()) {
                            lastTrain = scalar(train, 0);
                            lastEntropy = scalar(train, 1);
                        }
                    }
                    String validationText = "n/a";
                    if (validationSampler != null) {
                        int[] sample = validationSampler.sample(params.validationBatchSize());
                        try (TInt32 indices = TInt32.vectorOf(sample);
                                Result validation = session.runner().feed(validationBatch, indices)
                                        .fetch(validationAccuracy).run()) {
                            lastValidation = scalar(validation, 0);
                            lastValidationCount = sample.length;
                            validationText = percent(lastValidation);
                        }
                    }
                    progress.accept(String.format("Step %d: Train accuracy = %s, Cross entropy = %.6f, "
                            + "Validation accuracy = %s (N=%d)", step, percent(lastTrain), lastEntropy,
                            validationText, lastValidationCount));
                }
                double test = Double.NaN;
                if (testAccuracy != null) {
                    try (Result result = session.runner().fetch(testAccuracy).run()) {
                        test = scalar(result, 0);
                    }
                }
                progress.accept(String.format("Final test accuracy = %s (N=%d)",
                        Double.isNaN(test) ? "n/a" : percent(test), data.testing().count()));
                try (Result result = session.runner().fetch(weights).fetch(biases).run()) {
                    float[] w = new float[size * classes];
                    float[] b = new float[classes];
                    ((TFloat32) result.get(0)).copyTo(DataBuffers.of(w, false, false));
                    ((TFloat32) result.get(1)).copyTo(DataBuffers.of(b, false, false));
                    return new TrainedHead(w, b, lastTrain, lastEntropy, lastValidation, lastValidationCount, test,
                            data.testing().count());
                }
            }
        }
    }

    /** Accuracy of the head on one set; the whole set, or the rows named by {@code indices} when given. */
    private static Operand<TFloat32> evaluation(Ops tf, Ops head, TrainingData.Split split, int size,
            Placeholder<TInt32> indices, Operand<TFloat32> weights, Operand<TFloat32> biases) {
        if (split.count() == 0) {
            return null;
        }
        Operand<TFloat32> x = constant(tf, split, size);
        Operand<TInt32> y = tf.constant(split.classes());
        if (indices != null) {
            x = tf.gather(x, indices, tf.constant(0));
            y = tf.gather(y, indices, tf.constant(0));
        }
        return accuracy(tf, SoftmaxHead.logits(head, x, weights, biases), y);
    }

    private static Operand<TFloat32> accuracy(Ops tf, Operand<TFloat32> logits, Operand<TInt32> truth) {
        Operand<TInt32> predicted = tf.math.argMax(logits, tf.constant(1), TInt32.class);
        return tf.math.mean(tf.dtypes.cast(tf.math.equal(predicted, truth), TFloat32.class), tf.constant(0));
    }

    private static Operand<TFloat32> constant(Ops tf, TrainingData.Split split, int size) {
        return tf.constant(Shape.of(split.count(), size), DataBuffers.of(split.vectors(), true, false));
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
