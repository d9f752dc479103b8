package io.retrainstream.trainer.model;

import io.retrainstream.common.Concurrency;
import io.retrainstream.trainer.data.Candidate;
import io.retrainstream.trainer.data.TrainedHead;
import io.retrainstream.trainer.data.TrainingData;
import io.retrainstream.trainer.data.TrainingMode;
import io.retrainstream.trainer.data.WarmStart;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * {@link TrainingMode#IMPROVED}'s choice of L2 strength: one {@link FullBatchTraining} per strength of
 * {@link #GRID} (a warm start: its own strength, else {@link #WARM_L2}), and the head with the lowest validation cross
 * entropy over all of them (early stopping and the L2 choice in one). The test set plays no part in any choice.
 * The strengths train at the same time, one per core (each session runs its ops on one thread, and they share
 * nothing), unless the training vectors are large; the results are the same either way.
 */
final class L2Search {

    /** L2 strengths the improved mode tries, chosen by validation accuracy. */
    static final float[] GRID = {1e-3f, 3e-3f, 1e-2f, 3e-2f, 1e-1f, 3e-1f, 1f};
    /** The L2 strength of an improved-mode warm start whose head does not say its own: the middle of the grid. */
    static final float WARM_L2 = GRID[GRID.length / 2];
    /** Above this many bytes of training vectors the grid's strengths train one at a time: each holds a copy. */
    private static final long PARALLEL_MAX_BYTES = 64L << 20;

    /** The run's context with one lock around its lines and listener calls: the trainings run at the same time. */
    private final TrainingContext context;

    L2Search(TrainingContext context) {
        Synchronized output = new Synchronized(context.progress(), context.listener());
        this.context =
                new TrainingContext(context.schedule(), output, output, context.cancellation(), context.miniBatches());
    }

    /**
     * The best head over the grid's strengths, each strength's best reported in grid order: a warm start trains its
     * own strength only, and so does a cold start without {@code searchAll} ({@link #WARM_L2}).
     */
    Candidate search(TrainingData data, WarmStart from, boolean searchAll) {
        float[] grid;
        if (from != null) {
            grid = new float[] {from.l2() != null ? from.l2() : WARM_L2};
        } else if (searchAll) {
            grid = GRID;
        } else {
            grid = new float[] {WARM_L2};
            context.progress()
                    .accept(String.format(
                            "Nothing to start from: a quick first model at L2 %.0e alone (a cold run searches %d "
                                    + "strengths)",
                            WARM_L2, GRID.length));
        }
        MiniBatches miniBatches = context.miniBatches();
        boolean miniBatch = miniBatches.applies(data.training().count());
        boolean sampled = false;
        TrainingData searched = data;
        if (miniBatch) {
            context.progress()
                    .accept(String.format(
                            "Mini-batch training: %d training vectors in batches of %d, at most %d epochs per L2 "
                                    + "strength, learning rate %s (trainer.large-sets.mini-batch-from %d)",
                            data.training().count(),
                            Math.min(
                                    context.params().trainBatchSize(),
                                    data.training().count()),
                            miniBatches.epochs(),
                            (float) (context.params().learningRate() * miniBatches.learningRateScale()),
                            miniBatches.fromTraining()));
            if (grid.length > 1 && data.training().count() > miniBatches.searchImages()) {
                searched = data.withTraining(miniBatches.searchImages());
                sampled = true;
                context.progress()
                        .accept(String.format(
                                "L2 search on %d of the %d training vectors, evenly spread "
                                        + "(trainer.large-sets.l2-search-images)",
                                searched.training().count(), data.training().count()));
            }
        }
        List<Candidate> candidates = trainAll(searched, grid, from, miniBatch);
        Candidate best = null;
        for (int i = 0; i < grid.length; i++) {
            Candidate candidate = candidates.get(i);
            context.progress()
                    .accept(String.format(
                            "L2 %.0e: best validation cross entropy %.4f at step %d, " + "accuracy = %s (N=%d)",
                            grid[i],
                            candidate.validationEntropy(),
                            candidate.at().step(),
                            ProgressLines.percent(candidate.at().validationAccuracy()),
                            candidate.at().validationCount()));
            if (best == null || candidate.betterThan(best)) {
                best = candidate;
            }
        }
        if (sampled) {
            float l2 = best.l2();
            context.progress().accept(String.format("L2 %.0e chosen on the sample: training it on every vector", l2));
            best = train(data, l2, from, true);
        }
        context.progress().accept("Chosen on validation: " + best.chosen());
        return best;
    }

    /** Each strength's head, in grid order. */
    private List<Candidate> trainAll(TrainingData data, float[] grid, WarmStart from, boolean miniBatch) {
        long bytes = 4L * data.training().count() * data.bottleneckSize();
        int threads = bytes > PARALLEL_MAX_BYTES
                ? 1
                : Math.min(grid.length, Runtime.getRuntime().availableProcessors());
        List<Candidate> candidates = new ArrayList<>(grid.length);
        if (threads == 1) {
            for (float l2 : grid) {
                candidates.add(train(data, l2, from, miniBatch));
            }
            return candidates;
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads, Concurrency.daemonThreads("training-l2"));
        try {
            List<Future<Candidate>> trainings = new ArrayList<>(grid.length);
            for (float l2 : grid) {
                trainings.add(pool.submit(() -> train(data, l2, from, miniBatch)));
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

    /** One strength's training: in mini-batches when the run's set is large (its L2 search's sample too). */
    private Candidate train(TrainingData data, float l2, WarmStart from, boolean miniBatch) {
        return miniBatch
                ? new MiniBatchTraining(context, l2, context.miniBatches().epochs()).train(data, from)
                : new FullBatchTraining(context, l2).train(data, from);
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
}
