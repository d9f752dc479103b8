package io.retrainstream.trainer.model;

import java.nio.file.Path;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.summary.SummaryWriter;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * TensorBoard event files in one folder, written by TensorFlow's own summary ops ({@code CreateSummaryFileWriter},
 * {@code WriteScalarSummary}): scalars {@code accuracy} and {@code cross_entropy} per step, as {@code retrain.py}'s
 * {@code train/} and {@code validation/} writers hold them.
 */
public final class ScalarSummaryWriter implements AutoCloseable {

    public static final String ACCURACY = "accuracy";
    public static final String CROSS_ENTROPY = "cross_entropy";
    private static final int MAX_QUEUE = 10;
    private static final int FLUSH_MILLIS = 1000;

    private final Graph graph;
    private final Session session;
    private final Placeholder<TInt64> step;
    private final Placeholder<TFloat32> accuracy;
    private final Placeholder<TFloat32> crossEntropy;
    private final Op writeAccuracy;
    private final Op writeCrossEntropy;
    private final Op flush;
    private final Op closeWriter;

    /** Opens the event file writer in {@code dir}; on any failure it closes its session and graph, then throws. */
    public ScalarSummaryWriter(Path dir) {
        graph = new Graph();
        Session opened = null;
        try {
            Ops tf = Ops.create(graph);
            String path = dir.toAbsolutePath().toString();
            SummaryWriter writer = tf.summary.summaryWriter(SummaryWriter.sharedName(path));
            Op create = tf.summary.createSummaryFileWriter(
                    writer, tf.constant(path), tf.constant(MAX_QUEUE), tf.constant(FLUSH_MILLIS), tf.constant(".v2"));
            step = tf.placeholder(TInt64.class);
            accuracy = tf.placeholder(TFloat32.class);
            crossEntropy = tf.placeholder(TFloat32.class);
            writeAccuracy = tf.summary.writeScalarSummary(writer, step, tf.constant(ACCURACY), accuracy);
            writeCrossEntropy = tf.summary.writeScalarSummary(writer, step, tf.constant(CROSS_ENTROPY), crossEntropy);
            flush = tf.summary.flushSummaryWriter(writer);
            closeWriter = tf.summary.closeSummaryWriter(writer);
            opened = new Session(graph);
            opened.runner().addTarget(create).run().close();
        } catch (RuntimeException | Error e) {
            if (opened != null) {
                opened.close();
            }
            graph.close();
            throw e;
        }
        session = opened;
    }

    /** Writes both scalars of one step. */
    public void write(long stepNumber, double accuracyValue, double crossEntropyValue) {
        try (TInt64 s = TInt64.scalarOf(stepNumber);
                TFloat32 a = TFloat32.scalarOf((float) accuracyValue);
                TFloat32 c = TFloat32.scalarOf((float) crossEntropyValue)) {
            session.runner()
                    .feed(step, s)
                    .feed(accuracy, a)
                    .feed(crossEntropy, c)
                    .addTarget(writeAccuracy)
                    .addTarget(writeCrossEntropy)
                    .run()
                    .close();
        }
    }

    @Override
    public void close() {
        try {
            session.runner().addTarget(flush).run().close();
            session.runner().addTarget(closeWriter).run().close();
        } finally {
            session.close();
            graph.close();
        }
    }
}
