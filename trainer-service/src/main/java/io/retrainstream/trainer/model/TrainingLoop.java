package io.retrainstream.trainer.model;

import io.retrainstream.common.tf.ParallelRuns;
import io.retrainstream.trainer.data.TrainedHead;
import io.retrainstream.trainer.model.HeadLayers.Loss;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Owns one training's {@link Graph} and {@link Session} and closes both on every path. A graph builder adds its ops
 * through {@link #tf()}; {@link #start()} opens the session and initialises the variables; {@link #forEachRun} runs
 * the training in runs of the given lengths, asking the {@link Cancellation} before each {@code Session.run}.
 */
final class TrainingLoop implements AutoCloseable {

    /** One {@code Session.run} of training: steps {@code first..first + length - 1}. */
    interface Run {
        void run(int first, int length);
    }

    private final Graph graph;
    private final Cancellation cancellation;
    private Session session;

    TrainingLoop(Cancellation cancellation) {
        this.graph = new Graph();
        this.cancellation = cancellation;
    }

    Ops tf() {
        return Ops.create(graph);
    }

    /** Opens the session (each op on one thread: trainings run side by side) and initialises the variables. */
    void start() {
        if (session != null) {
            throw new IllegalStateException("The training session is already open");
        }
        session = new Session(graph, ParallelRuns.oneThreadPerOp());
        session.initialize();
    }

    Session.Runner runner() {
        if (session == null) {
            throw new IllegalStateException("The training session is not open");
        }
        return session.runner();
    }

    /** Runs {@code run} for each length in order; a {@link RunCancelledException} once the run is cancelled. */
    void forEachRun(List<Integer> lengths, Run run) {
        int step = 0;
        for (int length : lengths) {
            cancellation.check();
            run.run(step, length);
            step += length;
        }
    }

    @Override
    public void close() {
        try {
            if (session != null) {
                session.close();
            }
        } finally {
            graph.close();
        }
    }

    /** Fetches the accuracy and cross entropy of {@code train} and, unless null, of {@code validation}. */
    static Session.Runner fetchLosses(Session.Runner runner, Loss train, Loss validation) {
        runner.fetch(train.accuracy()).fetch(train.crossEntropy());
        return validation == null ? runner : runner.fetch(validation.accuracy()).fetch(validation.crossEntropy());
    }

    /** The evaluation at {@code step} from the outputs {@link #fetchLosses} added at {@code index}. */
    static TrainedHead.Evaluation evaluation(
            Result result, int index, int step, boolean validated, int validationCount) {
        return new TrainedHead.Evaluation(
                step,
                scalar(result, index),
                scalar(result, index + 1),
                validated ? scalar(result, index + 2) : Double.NaN,
                validated ? scalar(result, index + 3) : Double.NaN,
                validationCount);
    }

    static float[] floats(Result result, int index, int count) {
        float[] values = new float[count];
        ((TFloat32) result.get(index)).copyTo(DataBuffers.of(values, false, false));
        return values;
    }

    static double scalar(Result result, int index) {
        return ((TFloat32) result.get(index)).getFloat();
    }
}
