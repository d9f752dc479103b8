package io.retrainstream.classifier.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
import io.retrainstream.common.tf.WarmUpImage;

/**
 * One published model ready to serve: a single graph from encoded image bytes through decode, resize, the CNN and
 * the trained head to softmax scores. Calls count themselves in and out, so that a model swapped out is closed only
 * after its last in-flight request.
 */
public final class ServingModel {

    private final ModelPublished model;
    private final Graph graph;
    private final Session session;
    private final FeatureGraph features;
    /** Softmax scores {@code [batch, classes]} per batch size the graph was built for. */
    private final Map<Integer, Operand<TFloat32>> scores = new HashMap<>();
    /** In-flight calls, plus one while the model is current; the holder that brings it to zero closes it. */
    private final AtomicInteger references = new AtomicInteger(1);

    public ServingModel(ModelPublished model, Path graphFile, int maxBatch) {
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
            features = FeatureGraph.build(graph, architecture, graphFile, maxBatch);
            Ops tf = Ops.create(graph);
            for (int batch : features.batchSizes()) {
                String name = batch == 1 ? SoftmaxHead.FINAL_TENSOR_NAME : SoftmaxHead.FINAL_TENSOR_NAME + "_" + batch;
                scores.put(batch, SoftmaxHead.addInference(tf.withSubScope("head_" + batch),
                        features.features(layer, batch), model.weights(), model.biases(), name));
            }
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
        return classify(List.of(image)).get(0);
    }

    /** The largest batch one run takes. */
    public int maxBatch() {
        return features.maxBatch();
    }

    /**
     * Scores of each image, in order, in one {@code Session.run} per {@link #maxBatch()} images. Throws
     * {@link ImageDecodeException} when any image cannot be decoded.
     */
    public List<float[]> classify(List<byte[]> images) {
        List<float[]> out = new ArrayList<>(images.size());
        for (int start = 0; start < images.size(); start += maxBatch()) {
            out.addAll(runBatch(images.subList(start, Math.min(images.size(), start + maxBatch()))));
        }
        return out;
    }

    private List<float[]> runBatch(List<byte[]> images) {
        images.forEach(ImageFormats::require);
        int batch = features.batchFor(images.size());
        int classes = model.labels().size();
        try (ImageFeed feed = new ImageFeed(images, batch);
                Result result = feed.feed(session.runner()).fetch(scores.get(batch)).run()) {
            float[] flat = new float[batch * classes];
            ((TFloat32) result.get(0)).copyTo(DataBuffers.of(flat, false, false));
            List<float[]> rows = new ArrayList<>(images.size());
            for (int i = 0; i < images.size(); i++) {
                rows.add(Arrays.copyOfRange(flat, i * classes, (i + 1) * classes));
            }
            return rows;
        } catch (TFInvalidArgumentException e) {
            String message = e.getMessage() == null ? "unknown error" : e.getMessage().lines().findFirst().orElse("");
            throw new ImageDecodeException("TensorFlow cannot decode the image: " + message.trim(), e);
        }
    }

    /** Runs every batch size once, so that no request pays for TensorFlow's first-run optimisation. */
    public void warmUp() {
        byte[] image = WarmUpImage.png();
        for (int batch : features.batchSizes()) {
            runBatch(Collections.nCopies(batch, image));
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
