package io.retrainstream.trainer.model;

import static io.retrainstream.trainer.model.TrainingLoop.evaluation;
import static io.retrainstream.trainer.model.TrainingLoop.fetchLosses;
import static io.retrainstream.trainer.model.TrainingLoop.floats;

import io.retrainstream.trainer.data.Candidate;
import io.retrainstream.trainer.data.TrainedHead;
import io.retrainstream.trainer.data.TrainingData;
import io.retrainstream.trainer.data.TrainingMode;
import io.retrainstream.trainer.data.TrainingParams;
import io.retrainstream.trainer.data.WarmStart;
import io.retrainstream.trainer.model.HeadLayers.Head;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.types.TFloat32;

/**
 * One L2 strength's training of {@link TrainingMode#IMPROVED} over an {@link ImprovedGraph}: evaluated on the whole
 * validation set every {@code eval_step_interval} steps, it keeps the weights of the step with the lowest validation
 * cross entropy (the warm start's own head competing, evaluated before step 0), folded back to the raw features. One
 * instance trains once.
 */
final class FullBatchTraining {

    /** Only every this many evaluations is logged. */
    private static final int LOG_EVERY = 20;

    /**
     * From this many training vectors on, a strength stops early: large sets reach their best validation loss long
     * before the last step, and each step costs as much as the set is large. Smaller sets (flowers-small's 600) train
     * every step, as they always have.
     */
    static final int EARLY_STOP_MIN_TRAINING = 5_000;

    /** A large set's strength stops once this many evaluations in a row have not improved on its best. */
    static final int PATIENCE_EVALUATIONS = 30;

    /** An evaluation improves when its validation cross entropy is this fraction below the best one. */
    private static final double MIN_IMPROVEMENT = 1e-3;

    private final TrainingParams params;
    private final StepSchedule schedule;
    private final TrainingContext context;
    private final float l2;
    /** The training's name in listener calls and summaries, e.g. {@code l2_1e-02}. */
    private final String run;

    private final List<TrainedHead.Evaluation> curve = new ArrayList<>();
    private Candidate best;
    /** The lowest validation cross entropy that counted as an improvement, and evaluations since. */
    private double reference = Double.POSITIVE_INFINITY;

    private int sinceImprovement;
    private boolean stopped;

    FullBatchTraining(TrainingContext context, float l2) {
        this.params = context.params();
        this.schedule = context.schedule();
        this.context = context;
        this.l2 = l2;
        this.run = String.format(Locale.ROOT, "l2_%.0e", l2);
    }

    /** Trains from {@code from} (null: zeros) and returns the best head it saw. */
    Candidate train(TrainingData data, WarmStart from) {
        int size = data.bottleneckSize();
        int classes = data.labels().size();
        Standardisation scale = Standardisation.of(data.training(), size);
        List<Integer> lengths = schedule.runLengths();
        try (TrainingLoop loop = new TrainingLoop(context.cancellation())) {
            ImprovedGraph graph = new ImprovedGraph(
                    loop.tf(),
                    data,
                    scale,
                    (float) params.learningRate(),
                    l2,
                    from == null ? null : scale.unfoldWeights(from.weights(), classes),
                    from == null ? null : scale.unfoldBiases(from.weights(), from.biases()),
                    lengths);
            loop.start();
            if (from != null) {
                evaluateWarmStart(loop, graph, data, from);
            }
            loop.forEachRun(lengths, (first, length) -> run(loop, graph, data, scale, first, length));
            return best;
        }
    }

    private void evaluateWarmStart(TrainingLoop loop, ImprovedGraph graph, TrainingData data, WarmStart from) {
        boolean validated = !graph.validationLoss.isEmpty();
        Session.Runner runner = fetchLosses(loop.runner(), graph.trainLoss.get(0), graph.validationLoss.get(0));
        try (Result result = runner.run()) {
            TrainedHead.Evaluation start =
                    evaluation(result, 0, -1, validated, data.validation().count());
            double validationEntropy = start.validationCrossEntropy();
            context.progress().accept(String.format("L2 %.0e warm start: ", l2) + ProgressLines.step(start));
            best = new Candidate(
                    from.weights(),
                    from.biases(),
                    start,
                    validationEntropy,
                    curve,
                    String.format("L2 %.0e, the warm start (before step 0)", l2),
                    l2);
        }
    }

    /** One {@code Session.run} of {@code length} Adam steps from step {@code first}, with its evaluation and store. */
    private void run(
            TrainingLoop loop, ImprovedGraph graph, TrainingData data, Standardisation scale, int first, int length) {
        if (stopped) {
            return;
        }
        int classes = data.labels().size();
        int size = data.bottleneckSize();
        boolean validated = !graph.validationLoss.isEmpty();
        int end = first + length - 1;
        float[] powers1 = new float[length];
        float[] powers2 = new float[length];
        for (int j = 0; j < length; j++) {
            powers1[j] = (float) Math.pow(ImprovedGraph.ADAM_BETA1, first + j + 1);
            powers2[j] = (float) Math.pow(ImprovedGraph.ADAM_BETA2, first + j + 1);
        }
        boolean evaluate = schedule.evaluates(end);
        boolean store = schedule.storesIntermediate(end);
        Head after = graph.chain.get(length - 1);
        float[] w;
        float[] b;
        TrainedHead.Evaluation evaluation = null;
        double validationEntropy = Double.NaN;
        try (TFloat32 b1 = TFloat32.vectorOf(powers1);
                TFloat32 b2 = TFloat32.vectorOf(powers2)) {
            Session.Runner runner = loop.runner()
                    .feed(graph.beta1Powers, b1)
                    .feed(graph.beta2Powers, b2)
                    .addTarget(after.weights())
                    .addTarget(after.biases());
            if (evaluate) {
                fetchLosses(runner, graph.trainLoss.get(length), graph.validationLoss.get(length));
            }
            if (evaluate || store) {
                runner.fetch(after.weights()).fetch(after.biases());
            }
            try (Result result = runner.run()) {
                int next = 0;
                if (evaluate) {
                    evaluation = evaluation(
                            result, 0, end, validated, data.validation().count());
                    validationEntropy = evaluation.validationCrossEntropy();
                    next += validated ? 4 : 2;
                }
                w = evaluate || store ? floats(result, next, size * classes) : null;
                b = evaluate || store ? floats(result, next + 1, classes) : null;
            }
        }
        if (store) {
            context.listener().intermediate(run, end, scale.foldWeights(w, classes), scale.foldBiases(w, b));
        }
        if (!evaluate) {
            return;
        }
        curve.add(evaluation);
        context.listener().evaluated(run, evaluation);
        if (curve.size() % LOG_EVERY == 1) {
            context.progress().accept(String.format("L2 %.0e ", l2) + ProgressLines.step(evaluation));
        }
        stopEarly(data, validationEntropy, end);
        Candidate candidate = new Candidate(
                null, null, evaluation, validationEntropy, curve, String.format("L2 %.0e, step %d", l2, end), l2);
        if (best == null || candidate.betterThan(best)) {
            best = new Candidate(
                    scale.foldWeights(w, classes),
                    scale.foldBiases(w, b),
                    evaluation,
                    validationEntropy,
                    curve,
                    candidate.chosen(),
                    l2);
        }
    }

    /** Large sets only: stops once {@link #PATIENCE_EVALUATIONS} evaluations have not improved on the best. */
    private void stopEarly(TrainingData data, double validationEntropy, int step) {
        if (data.training().count() < EARLY_STOP_MIN_TRAINING || Double.isNaN(validationEntropy)) {
            return;
        }
        if (validationEntropy < reference * (1 - MIN_IMPROVEMENT)) {
            reference = validationEntropy;
            sinceImprovement = 0;
        } else if (++sinceImprovement >= PATIENCE_EVALUATIONS) {
            stopped = true;
            context.progress()
                    .accept(String.format(
                            "L2 %.0e: stopped early at step %d, its validation cross entropy %.4f no better in %d "
                                    + "evaluations",
                            l2, step, validationEntropy, PATIENCE_EVALUATIONS));
        }
    }
}
