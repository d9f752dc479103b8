package io.retrainstream.classifier.model;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TFInvalidArgumentException;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.tf.FeatureGraph;
import io.retrainstream.common.tf.ImageDecodeException;
import io.retrainstream.common.tf.ImageFeed;
import io.retrainstream.common.tf.ImageFormats;
import io.retrainstream.common.tf.SoftmaxHead;

/**
 * One published model ready to serve: a single graph from encoded image bytes through decode, resize, the CNN and
 * the trained head to softmax scores. Calls count themselves in and out, so that a model swapped out is closed only
 * after its last in-flight request.
 */
public final class ServingModel {

    private final ModelPublished model;
    private final Graph graph;
    private final Session session;
    private final Operand<TFloat32> scores;
    /** In-flight calls, plus one while the model is current; the holder that brings it to zero closes it. */
    private final AtomicInteger references = new AtomicInteger(1);

    public ServingModel(ModelPublished model, Path graphFile) {
        Architecture architecture = Architecture.of(model.architecture());
        FeatureLayer layer = model.featureLayer();
        if (architecture.size(layer) != model.bottleneckSize()) {
            throw new IllegalArgumentException("Model " + model.version() + " takes " + model.bottleneckSize()
                    + " inputs but the " + layer.id() + " layer of " + architecture.name() + " has "
                    + architecture.size(layer));
        }
        this.model = model;
        graph = new Graph();
        try {
            FeatureGraph features = FeatureGraph.build(graph, architecture, graphFile, 1);
            scores = SoftmaxHead.addInference(Ops.create(graph), features.features(layer, 1), model.weights(),
                    model.biases(), SoftmaxHead.FINAL_TENSOR_NAME);
            session = new Session(graph);
        } catch (RuntimeException e) {
            graph.close();
            throw e;
        }
    }

    public ModelPublished model() {
        return model;
    }

    public List<String> labels() {
        return model.labels();
    }

    /** Softmax scores per class, in class-index order. */
    public float[] classify(byte[] image) {
        ImageFormats.require(image);
        try (ImageFeed feed = new ImageFeed(List.of(image), 1);
                Result result = feed.feed(session.runner()).fetch(scores).run()) {
            float[] values = new float[model.labels().size()];
            ((TFloat32) result.get(0)).copyTo(DataBuffers.of(values, false, false));
            return values;
        } catch (TFInvalidArgumentException e) {
            String message = e.getMessage() == null ? "unknown error" : e.getMessage().lines().findFirst().orElse("");
            throw new ImageDecodeException("TensorFlow cannot decode the image: " + message.trim(), e);
        }
    }

    /** Counts a call in; false when the model is already being retired. */
    boolean acquire() {
        while (true) {
            int count = references.get();
            if (count == 0) {
                return false;
            }
            if (references.compareAndSet(count, count + 1)) {
                return true;
            }
        }
    }

    /** Counts a call (or the holder's own reference) out, closing the model after the last one. */
    void release() {
        if (references.decrementAndGet() == 0) {
            session.close();
            graph.close();
        }
    }
}
