package io.retrainstream.trainer.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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

import io.retrainstream.common.Concurrency;
import io.retrainstream.common.tf.ParallelRuns;
import io.retrainstream.common.tf.SoftmaxHead;

/**
 * Trains the final layer as a TensorFlow graph run by a {@link Session}, so TensorFlow's GPU natives run it on a
 * GPU. The data stays in the graph as constants. One {@code Session.run} takes several steps (at most
 * {@link #DEFAULT_UNROLL}), chained so each step reads the weights the previous one wrote, and ends with the step's
 * evaluation; a run ends at every evaluation step, intermediate-store step and the last step, so the results are those
 * of one step per run. Each run feeds only the batch indices of its steps (distorted batches: one step per run).
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
    /** The L2 strength of an improved-mode warm start whose head does not say its own: the middle of the grid. */
    public static final float WARM_L2 = L2_GRID[L2_GRID.length / 2];
    private static final float ADAM_BETA1 = 0.9f;
    private static final float ADAM_BETA2 = 0.999f;
    private static final float ADAM_EPSILON = 1e-7f;
    /** In the improved mode only every this many evaluations is logged. */
    private static final int IMPROVED_LOG_EVERY = 20;
    /** Training steps chained in one {@code Session.run} at most (fewer where an evaluation or store ends a run). */
    static final int DEFAULT_UNROLL = 20;

    private final TrainingParams params;
    private final Consumer<String> progress;
    private final TrainingListener listener;
    /** Initial weights instead of the random ones (tests); null for {@code retrain.py}'s truncated normal. */
    private final float[] initialWeights;
    /** Source of distorted training bottlenecks when the parameters turn distortions on; else null. */
    private final DistortedBatches distorted;
    /** Training steps per {@code Session.run} at most; distorted batches always take one step per run. */
    private final int unroll;
    /** Asked before every {@code Session.run} of training whether to stop. */
    private final Cancellation cancellation;

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
        this(params, progress, listener, null, distorted, DEFAULT_UNROLL, Cancellation.NEVER);
    }

    HeadTrainer(TrainingParams params, Consumer<String> progress, TrainingListener listener, float[] initialWeights) {
        this(params, progress, listener, initialWeights, null, DEFAULT_UNROLL, Cancellation.NEVER);
    }

    private HeadTrainer(TrainingParams params, Consumer<String> progress, TrainingListener listener,
            float[] initialWeights, DistortedBatches distorted, int unroll, Cancellation cancellation) {
        if (unroll < 1) {
            throw new IllegalArgumentException("unroll must be positive, got " + unroll);
        }
        if (params.distortions().any() && distorted == null) {
            throw new IllegalArgumentException("Distortions are on but nothing computes distorted bottlenecks");
        }
        this.params = params;
        // Trainings of the improved mode's grid run at the same time: their output goes through one lock.
        Synchronized guard = progress instanceof Synchronized same ? same : new Synchronized(progress, listener);
        this.progress = guard;
        this.listener = guard;
        this.initialWeights = initialWeights;
        this.distorted = params.distortions().any() ? distorted : null;
        this.unroll = unroll;
        this.cancellation = cancellation;
    }

    /** This trainer chaining at most {@code steps} training steps per {@code Session.run}. */
    HeadTrainer unrolled(int steps) {
        return new HeadTrainer(params, progress, listener, initialWeights, distorted, steps, cancellation);
    }

    /**
     * This trainer stopping with a {@link RunCancelledException} once {@code cancellation} says so: it asks before
     * every {@code Session.run} of training (at most {@link #DEFAULT_UNROLL} steps), in each of the improved mode's
     * trainings, and while it waits for distorted batches.
     */
    public HeadTrainer cancelledBy(Cancellation cancellation) {
        return new HeadTrainer(params, progress, listener, initialWeights, distorted, unroll, cancellation);
    }

    private boolean storeIntermediate(int step) {
        return params.intermediateStoreFrequency() > 0 && step > 0 && step % params.intermediateStoreFrequency() == 0;
    }

    public TrainedHead train(TrainingData data) {
        return train(data, null);
    }

    /**
     * Trains starting from {@code warmStart} (null: a cold start), mapped onto {@code data}'s labels by
     * {@link WarmStart#mappedTo}. Retrain mode: it replaces the initial weights and biases. Improved mode: it is
     * unfolded into the new standardised space and trained with its own L2 strength (else {@link #WARM_L2}) only;
     * the warm-start head itself competes as a candidate, evaluated before step 0.
     */
    public TrainedHead train(TrainingData data, WarmStart warmStart) {
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
                    + data.labels().stream().filter(label -> !warmStart.labels().contains(label)).toList()
                    + ", dropped: " + warmStart.labels().stream().filter(label -> !data.labels().contains(label))
                            .toList());
        }
        Random random = new Random(params.seed());
        Candidate kept = params.mode() == TrainingMode.RETRAIN ? trainRetrain(data, random, from)
                : trainImproved(data, from);
        cancellation.check();
        return test(data, kept, random);
    }

    /** Weights and what training measured for them. */
    private record Candidate(float[] weights, float[] biases, TrainedHead.Evaluation at, double validationEntropy,
            List<TrainedHead.Evaluation> curve, String chosen, Float l2) {
    }

    private Candidate trainRetrain(TrainingData data, Random random, WarmStart from) {
        int size = data.bottleneckSize();
        int classes = data.labels().size();
        int steps = params.howManyTrainingSteps();
        BalancedSampler trainSampler = new BalancedSampler(data.training().classes(), classes, random);
        BalancedSampler validationSampler = data.validation().count() == 0 ? null
                : new BalancedSampler(data.validation().classes(), classes, random);
        List<Integer> lengths = chunkLengths(distorted != null ? 1 : unroll);
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            // [steps of the run][batch]: the rows of each step's batch.
            Placeholder<TInt32> batches = tf.withName("batch_indices").placeholder(TInt32.class,
                    Placeholder.shape(Shape.of(-1, -1)));
            Placeholder<TFloat32> distortedX = tf.withName("distorted_bottlenecks").placeholder(TFloat32.class,
                    Placeholder.shape(Shape.of(-1, size)));
            Operand<TFloat32> trainX = distorted != null ? null : constant(tf, data.training(), size);
            Operand<TInt32> trainY = tf.constant(data.training().classes());

            Ops head = tf.withSubScope("final_retrain_ops");
            float[] start = from != null ? from.weights() : initialWeights;
            Operand<TFloat32> init = start != null
                    ? head.constant(Shape.of(size, classes), DataBuffers.of(start, true, false))
                    : head.math.mul(head.random.truncatedNormal(head.constant(new long[] {size, classes}),
                            TFloat32.class, TruncatedNormal.seed(params.seed()),
                            TruncatedNormal.seed2(params.seed() + 1)), head.constant(INIT_STDDEV));
            Variable<TFloat32> weights = head.withName("final_weights").variable(init);
            Variable<TFloat32> biases = head.withName("final_biases").variable(from != null
                    ? head.constant(from.biases()) : head.zeros(head.constant(new long[] {classes}), TFloat32.class));
            Operand<TFloat32> learningRate = tf.constant((float) params.learningRate());
            List<Head> chain = chain(new Head(weights, biases), max(lengths), (j, w, b) -> {
                Operand<TInt32> rows = tf.gather(batches, tf.constant(j), tf.constant(0));
                Operand<TFloat32> x = distorted != null ? distortedX : tf.gather(trainX, rows, tf.constant(0));
                Gradients g = gradients(tf, head, x, tf.gather(trainY, rows, tf.constant(0)), classes, w, b, null);
                return new Head(tf.train.applyGradientDescent(w, learningRate, g.weights()),
                        tf.train.applyGradientDescent(b, learningRate, g.biases()));
            });
            // The loss of a run's last batch after its update, and of a validation batch, per run length.
            Map<Integer, Gradients> trainLoss = new HashMap<>();
            Map<Integer, Gradients> validationLoss = new HashMap<>();
            Placeholder<TInt32> validationBatch = tf.withName("validation_indices").placeholder(TInt32.class,
                    Placeholder.shape(Shape.of(-1)));
            Operand<TFloat32> validationX = data.validation().count() == 0 ? null
                    : tf.gather(constant(tf, data.validation(), size), validationBatch, tf.constant(0));
            Operand<TInt32> validationY = validationX == null ? null
                    : tf.gather(tf.constant(data.validation().classes()), validationBatch, tf.constant(0));
            for (int length : new TreeSet<>(lengths)) {
                Head after = chain.get(length - 1);
                Operand<TFloat32> x = distorted != null ? distortedX
                        : tf.gather(trainX, tf.gather(batches, tf.constant(length - 1), tf.constant(0)),
                                tf.constant(0));
                Operand<TInt32> y = tf.gather(trainY, tf.gather(batches, tf.constant(length - 1), tf.constant(0)),
                        tf.constant(0));
                trainLoss.put(length, gradients(tf, head, x, y, classes, after.weights(), after.biases(), null));
                if (validationX != null) {
                    validationLoss.put(length, gradients(tf, head, validationX, validationY, classes,
                            after.weights(), after.biases(), null));
                }
            }

            try (Session session = new Session(graph, ParallelRuns.oneThreadPerOp());
                    DistortedPrefetch prefetch = distorted == null ? null
                            : new DistortedPrefetch(distorted, trainSampler, params.trainBatchSize(), params.seed(),
                                    cancellation)) {
                session.initialize();
                List<TrainedHead.Evaluation> curve = new ArrayList<>();
                TrainedHead.Evaluation last = null;
                int step = 0;
                for (int length : lengths) {
                    cancellation.check();
                    int end = step + length - 1;
                    int[] rows = new int[length * params.trainBatchSize()];
                    float[] vectors = null;
                    for (int j = 0; j < length; j++) {
                        DistortedPrefetch.Batch fetched = prefetch == null ? null
                                : prefetch.next(step + j + 1 < steps);
                        int[] sample = fetched != null ? fetched.rows() : trainSampler.sample(params.trainBatchSize());
                        System.arraycopy(sample, 0, rows, j * sample.length, sample.length);
                        vectors = fetched == null ? null : fetched.vectors();
                    }
                    boolean evaluate = evaluates(end);
                    int[] validationRows = !evaluate || validationSampler == null ? null
                            : params.validationBatchSize() == -1 ? all(data.validation().count())
                                    : validationSampler.sample(params.validationBatchSize());
                    Head after = chain.get(length - 1);
                    try (TInt32 indices = TInt32.tensorOf(Shape.of(length, rows.length / length),
                            DataBuffers.of(rows, true, false));
                            TFloat32 features = vectors == null ? TFloat32.tensorOf(Shape.of(0, size))
                                    : TFloat32.tensorOf(Shape.of(vectors.length / size, size),
                                            DataBuffers.of(vectors, true, false));
                            TInt32 validationIndices = TInt32.vectorOf(validationRows == null ? new int[0]
                                    : validationRows)) {
                        Session.Runner runner = session.runner().feed(batches, indices)
                                .addTarget(after.weights()).addTarget(after.biases());
                        if (vectors != null) {
                            runner.feed(distortedX, features);
                        }
                        if (evaluate) {
                            runner.fetch(trainLoss.get(length).accuracy()).fetch(trainLoss.get(length).crossEntropy());
                        }
                        if (validationRows != null) {
                            runner.feed(validationBatch, validationIndices)
                                    .fetch(validationLoss.get(length).accuracy())
                                    .fetch(validationLoss.get(length).crossEntropy());
                        }
                        boolean store = storeIntermediate(end);
                        if (store) {
                            runner.fetch(after.weights()).fetch(after.biases());
                        }
                        try (Result result = runner.run()) {
                            int next = 0;
                            if (evaluate) {
                                double trainAccuracy = scalar(result, next++);
                                double entropy = scalar(result, next++);
                                double validation = validationRows == null ? Double.NaN : scalar(result, next++);
                                double validationEntropy = validationRows == null ? Double.NaN
                                        : scalar(result, next++);
                                last = new TrainedHead.Evaluation(end, trainAccuracy, entropy, validation,
                                        validationEntropy, validationRows == null ? 0 : validationRows.length);
                            }
                            if (store) {
                                listener.intermediate("", end, floats(result, next, size * classes),
                                        floats(result, next + 1, classes));
                            }
                        }
                    }
                    if (evaluate) {
                        curve.add(last);
                        listener.evaluated("", last);
                        progress.accept(stepLine(last));
                    }
                    step = end + 1;
                }
                if (prefetch != null) {
                    progress.accept(prefetch.summary());
                }
                try (Result result = session.runner().fetch(weights).fetch(biases).run()) {
                    return new Candidate(floats(result, 0, size * classes), floats(result, 1, classes), last,
                            Double.NaN, curve, "the last step (" + last.step() + ")", null);
                }
            }
        }
    }

    private Candidate trainImproved(TrainingData data, WarmStart from) {
        float[] grid = from == null ? L2_GRID : new float[] {from.l2() != null ? from.l2() : WARM_L2};
        List<Candidate> candidates = trainGrid(data, grid, from);
        Candidate best = null;
        for (int i = 0; i < grid.length; i++) {
            Candidate candidate = candidates.get(i);
            progress.accept(String.format("L2 %.0e: best validation cross entropy %.4f at step %d, accuracy = %s "
                    + "(N=%d)", grid[i], candidate.validationEntropy(), candidate.at().step(),
                    percent(candidate.at().validationAccuracy()), candidate.at().validationCount()));
            if (best == null || better(candidate, best)) {
                best = candidate;
            }
        }
        progress.accept("Chosen on validation: " + best.chosen());
        return best;
    }

    /** Above this many bytes of training vectors the grid's strengths train one at a time: each holds a copy. */
    private static final long PARALLEL_GRID_MAX_BYTES = 64L << 20;

    /**
     * Each L2 strength's head, in grid order. The strengths train at the same time, one per core (each session runs
     * its ops on one thread, and they share nothing), unless the training vectors are large; the results are the
     * same either way.
     */
    private List<Candidate> trainGrid(TrainingData data, float[] grid, WarmStart from) {
        long bytes = 4L * data.training().count() * data.bottleneckSize();
        int threads = bytes > PARALLEL_GRID_MAX_BYTES ? 1
                : Math.min(grid.length, Runtime.getRuntime().availableProcessors());
        List<Candidate> candidates = new ArrayList<>(grid.length);
        if (threads == 1) {
            for (float l2 : grid) {
                candidates.add(trainFullBatch(data, l2, from));
            }
            return candidates;
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads, Concurrency.daemonThreads("training-l2"));
        try {
            List<Future<Candidate>> trainings = new ArrayList<>(grid.length);
            for (float l2 : grid) {
                trainings.add(pool.submit(() -> trainFullBatch(data, l2, from)));
            }
            for (Future<Candidate> training : trainings) {
                candidates.add(training.get());
            }
            return candidates;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while training", e);
        } finally {
            pool.shutdownNow();
        }
    }

    /** The progress lines and listener calls of trainings running at the same time, one at a time. */
    private static final class Synchronized implements Consumer<String>, TrainingListener {
        private final Consumer<String> progress;
        private final TrainingListener listener;

        Synchronized(Consumer<String> progress, TrainingListener listener) {
            this.progress = progress;
            this.listener = listener;
        }

        @Override
        public synchronized void accept(String line) {
            progress.accept(line);
        }

        @Override
        public synchronized void evaluated(String run, TrainedHead.Evaluation evaluation) {
            listener.evaluated(run, evaluation);
        }

        @Override
        public synchronized void intermediate(String run, int step, float[] weights, float[] biases) {
            listener.intermediate(run, step, weights, biases);
        }
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

    private Candidate trainFullBatch(TrainingData data, float l2, WarmStart from) {
        int size = data.bottleneckSize();
        int classes = data.labels().size();
        Standardisation scale = Standardisation.of(data.training(), size);
        String run = String.format(java.util.Locale.ROOT, "l2_%.0e", l2);
        List<Integer> lengths = chunkLengths(unroll);
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Operand<TFloat32> x = scale.apply(tf, constant(tf, data.training(), size));
            Operand<TInt32> y = tf.constant(data.training().classes());
            Ops head = tf.withSubScope("final_retrain_ops");
            Variable<TFloat32> weights = head.withName("final_weights").variable(from != null
                    ? head.constant(Shape.of(size, classes),
                            DataBuffers.of(scale.unfoldWeights(from.weights(), classes), true, false))
                    : head.zeros(head.constant(new long[] {size, classes}), TFloat32.class));
            Variable<TFloat32> biases = head.withName("final_biases").variable(from != null
                    ? head.constant(scale.unfoldBiases(from.weights(), from.biases()))
                    : head.zeros(head.constant(new long[] {classes}), TFloat32.class));
            // Per step of a run: beta1^t and beta2^t of Adam's bias correction.
            Placeholder<TFloat32> beta1Powers = tf.withName("beta1_powers").placeholder(TFloat32.class,
                    Placeholder.shape(Shape.of(-1)));
            Placeholder<TFloat32> beta2Powers = tf.withName("beta2_powers").placeholder(TFloat32.class,
                    Placeholder.shape(Shape.of(-1)));
            Adam weightsAdam = new Adam(tf, new long[] {size, classes});
            Adam biasesAdam = new Adam(tf, new long[] {classes});
            Operand<TFloat32> l2Strength = tf.constant(l2);
            List<Head> chain = chain(new Head(weights, biases), max(lengths), (j, w, b) -> {
                Operand<TFloat32> b1 = tf.gather(beta1Powers, tf.constant(j), tf.constant(0));
                Operand<TFloat32> b2 = tf.gather(beta2Powers, tf.constant(j), tf.constant(0));
                Gradients g = gradients(tf, head, x, y, classes, w, b, l2Strength);
                return new Head(weightsAdam.apply(tf, w, b1, b2, g.weights()),
                        biasesAdam.apply(tf, b, b1, b2, g.biases()));
            });
            Operand<TFloat32> validationX = data.validation().count() == 0 ? null
                    : scale.apply(tf, constant(tf, data.validation(), size));
            Operand<TInt32> validationY = validationX == null ? null : tf.constant(data.validation().classes());
            // The losses after each run length; length 0: of the initial head.
            Map<Integer, Gradients> trainLoss = new HashMap<>();
            Map<Integer, Gradients> validationLoss = new HashMap<>();
            TreeSet<Integer> measured = new TreeSet<>(lengths);
            measured.add(0);
            for (int length : measured) {
                Head after = length == 0 ? new Head(weights, biases) : chain.get(length - 1);
                trainLoss.put(length, gradients(tf, head, x, y, classes, after.weights(), after.biases(), null));
                if (validationX != null) {
                    validationLoss.put(length, gradients(tf, head, validationX, validationY, classes,
                            after.weights(), after.biases(), null));
                }
            }

            try (Session session = new Session(graph, ParallelRuns.oneThreadPerOp())) {
                session.initialize();
                List<TrainedHead.Evaluation> curve = new ArrayList<>();
                Candidate best = null;
                if (from != null) {
                    Session.Runner runner = session.runner().fetch(trainLoss.get(0).accuracy())
                            .fetch(trainLoss.get(0).crossEntropy());
                    if (validationX != null) {
                        runner.fetch(validationLoss.get(0).accuracy()).fetch(validationLoss.get(0).crossEntropy());
                    }
                    try (Result result = runner.run()) {
                        double validationEntropy = validationX == null ? Double.NaN : scalar(result, 3);
                        TrainedHead.Evaluation start = new TrainedHead.Evaluation(-1, scalar(result, 0),
                                scalar(result, 1), validationX == null ? Double.NaN : scalar(result, 2),
                                validationEntropy, data.validation().count());
                        progress.accept(String.format("L2 %.0e warm start: ", l2) + stepLine(start));
                        best = new Candidate(from.weights(), from.biases(), start, validationEntropy, curve,
                                String.format("L2 %.0e, the warm start (before step 0)", l2), l2);
                    }
                }
                int step = 0;
                for (int length : lengths) {
                    cancellation.check();
                    int end = step + length - 1;
                    float[] powers1 = new float[length];
                    float[] powers2 = new float[length];
                    for (int j = 0; j < length; j++) {
                        powers1[j] = (float) Math.pow(ADAM_BETA1, step + j + 1);
                        powers2[j] = (float) Math.pow(ADAM_BETA2, step + j + 1);
                    }
                    boolean evaluate = evaluates(end);
                    boolean store = storeIntermediate(end);
                    Head after = chain.get(length - 1);
                    float[] w;
                    float[] b;
                    TrainedHead.Evaluation evaluation = null;
                    double validationEntropy = Double.NaN;
                    try (TFloat32 b1 = TFloat32.vectorOf(powers1); TFloat32 b2 = TFloat32.vectorOf(powers2)) {
                        Session.Runner runner = session.runner().feed(beta1Powers, b1).feed(beta2Powers, b2)
                                .addTarget(after.weights()).addTarget(after.biases());
                        if (evaluate) {
                            runner.fetch(trainLoss.get(length).accuracy()).fetch(trainLoss.get(length).crossEntropy());
                            if (validationX != null) {
                                runner.fetch(validationLoss.get(length).accuracy())
                                        .fetch(validationLoss.get(length).crossEntropy());
                            }
                        }
                        if (evaluate || store) {
                            runner.fetch(after.weights()).fetch(after.biases());
                        }
                        try (Result result = runner.run()) {
                            int next = 0;
                            if (evaluate) {
                                double trainAccuracy = scalar(result, next++);
                                double entropy = scalar(result, next++);
                                double validation = validationX == null ? Double.NaN : scalar(result, next++);
                                validationEntropy = validationX == null ? Double.NaN : scalar(result, next++);
                                evaluation = new TrainedHead.Evaluation(end, trainAccuracy, entropy, validation,
                                        validationEntropy, data.validation().count());
                            }
                            w = evaluate || store ? floats(result, next, size * classes) : null;
                            b = evaluate || store ? floats(result, next + 1, classes) : null;
                        }
                    }
                    if (store) {
                        listener.intermediate(run, end, scale.foldWeights(w, classes), scale.foldBiases(w, b));
                    }
                    step = end + 1;
                    if (!evaluate) {
                        continue;
                    }
                    curve.add(evaluation);
                    listener.evaluated(run, evaluation);
                    if (curve.size() % IMPROVED_LOG_EVERY == 1) {
                        progress.accept(String.format("L2 %.0e ", l2) + stepLine(evaluation));
                    }
                    Candidate candidate = new Candidate(null, null, evaluation, validationEntropy, curve,
                            String.format("L2 %.0e, step %d", l2, end), l2);
                    if (best == null || better(candidate, best)) {
                        best = new Candidate(scale.foldWeights(w, classes), scale.foldBiases(w, b), evaluation,
                                validationEntropy, curve, candidate.chosen(), l2);
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

        /** {@code W * std} per input row: the inverse of {@link #foldWeights}. */
        float[] unfoldWeights(float[] weights, int classes) {
            float[] unfolded = new float[weights.length];
            for (int d = 0; d < mean.length; d++) {
                for (int c = 0; c < classes; c++) {
                    unfolded[d * classes + c] = weights[d * classes + c] * std[d];
                }
            }
            return unfolded;
        }

        /** {@code b + sum_d mean_d W_dc} for raw weights {@code W}: the inverse of {@link #foldBiases}. */
        float[] unfoldBiases(float[] weights, float[] biases) {
            int classes = biases.length;
            float[] unfolded = biases.clone();
            for (int d = 0; d < mean.length; d++) {
                for (int c = 0; c < classes; c++) {
                    unfolded[c] += mean[d] * weights[d * classes + c];
                }
            }
            return unfolded;
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

    /** Adam's moment slots of one variable; each step's update reads and writes them. */
    private final class Adam {
        private final Variable<TFloat32> m;
        private final Variable<TFloat32> v;

        Adam(Ops tf, long[] shape) {
            m = tf.variable(tf.zeros(tf.constant(shape), TFloat32.class));
            v = tf.variable(tf.zeros(tf.constant(shape), TFloat32.class));
        }

        Operand<TFloat32> apply(Ops tf, Operand<TFloat32> variable, Operand<TFloat32> beta1Power,
                Operand<TFloat32> beta2Power, Operand<TFloat32> gradient) {
            return tf.train.applyAdam(variable, m, v, beta1Power, beta2Power,
                    tf.constant((float) params.learningRate()), tf.constant(ADAM_BETA1), tf.constant(ADAM_BETA2),
                    tf.constant(ADAM_EPSILON), gradient);
        }
    }

    /** A head's weights and biases as the graph holds them after some step. */
    private record Head(Operand<TFloat32> weights, Operand<TFloat32> biases) {
    }

    /** One training step: the update of the head {@code w, b} the previous step wrote. */
    private interface Step {
        Head apply(int index, Operand<TFloat32> w, Operand<TFloat32> b);
    }

    /**
     * {@code length} steps chained in one graph: each update op takes the previous one's output (the variable it
     * wrote) as its variable, so a run targeting step k's ops runs steps 0..k in order. Element k is the head after
     * k + 1 steps.
     */
    private static List<Head> chain(Head start, int length, Step step) {
        List<Head> heads = new ArrayList<>();
        Head head = start;
        for (int j = 0; j < length; j++) {
            head = step.apply(j, head.weights(), head.biases());
            heads.add(head);
        }
        return heads;
    }

    private boolean evaluates(int step) {
        return step % params.evalStepInterval() == 0 || step + 1 == params.howManyTrainingSteps();
    }

    /**
     * How many steps each {@code Session.run} takes: at most {@code maxLength}, ending at every evaluation step,
     * intermediate-store step and the last step.
     */
    List<Integer> chunkLengths(int maxLength) {
        List<Integer> lengths = new ArrayList<>();
        int length = 0;
        for (int step = 0; step < params.howManyTrainingSteps(); step++) {
            length++;
            if (length == maxLength || evaluates(step) || storeIntermediate(step)
                    || step + 1 == params.howManyTrainingSteps()) {
                lengths.add(length);
                length = 0;
            }
        }
        return lengths;
    }

    private static int max(List<Integer> lengths) {
        return lengths.stream().mapToInt(Integer::intValue).max().orElse(1);
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
                try (Session session = new Session(graph, ParallelRuns.oneThreadPerOp()); Result result = session.runner().fetch(softmax).run()) {
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
                kept.chosen(), rows, scores, kept.l2());
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
