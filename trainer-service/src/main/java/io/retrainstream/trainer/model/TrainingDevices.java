package io.retrainstream.trainer.model;

import io.retrainstream.common.tf.Devices;
import io.retrainstream.common.tf.ParallelRuns;
import java.util.Set;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Where TensorFlow places the head's training ops here: CPU, or a GPU with the {@code gpu} profile's natives. */
public final class TrainingDevices {

    private TrainingDevices() {}

    /**
     * Runs a small matrix product, the op training is made of, and returns the devices it ran on. As the trainer's
     * first session it also sets TensorFlow's process-wide op threads: one per op, as training runs.
     */
    public static Set<String> probe() {
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Operand<TFloat32> x = tf.constant(new float[][] {{1, 2}, {3, 4}});
            Operand<TFloat32> product = tf.linalg.matMul(x, x);
            try (Session session = new Session(graph, ParallelRuns.oneThreadPerOp())) {
                return Devices.used(session.runner().fetch(product));
            }
        }
    }
}
