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
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.tf.FeatureExtractor;
import io.retrainstream.common.tf.FeatureGraph;
import io.retrainstream.common.tf.ImageDecodeException;
import io.retrainstream.common.tf.ImageFeed;
import io.retrainstream.common.tf.ImageFeatures;
import io.retrainstream.common.tf.ImageFormats;
import io.retrainstream.common.tf.SoftmaxHead;
import io.retrainstream.common.tf.WarmUpImage;

/**
 * One published model ready to serve: encoded image bytes in, softmax scores out. For a frozen graph it is a
 * single graph through decode, resize, the CNN and the trained head; for a SavedModel feature-vector module, the
 * module's features then the head. Calls count themselves in and out, so that a model swapped out is closed only
 * after its last in-flight request.
 */
public final class ServingModel {

    /** Runs images to scores, in batches of up to {@link #maxBatch()}. */
    private interface Scorer {
        int maxBatch();

        List<float[]> score(List<byte[]> images);

        void warmUp();

        void close();
    }

    private final ModelPublished model;
    private final Scorer scorer;
    /** In-flight calls, plus one while the model is current; the holder that brings it to zero closes it. */
    private final AtomicInteger references = new AtomicInteger(1);

    /** A model on a frozen {@code retrain.py} graph: one fused graph per batch size. */
    public ServingModel(ModelPublished model, Path graphFile, int maxBatch) {
        this.model = model;
        this.scorer = new FusedGraph(model, graphFile, maxBatch);
    }

    /** A model on the features of a loaded module (e.g. a SavedModel feature vector); takes ownership of it. */
    public ServingModel(ModelPublished model, ImageFeatures features) {
        this.model = model;
        try {
            this.scorer = new HeadOnFeatures(model, features);
        } catch (RuntimeException e) {
            features.close();
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
        return scorer.maxBatch();
    }

    /**
     * Scores of each image, in order, in one run per {@link #maxBatch()} images. Throws
     * {@link ImageDecodeException} when any image cannot be decoded.
     */
    public List<float[]> classify(List<byte[]> images) {
        images.forEach(ImageFormats::require);
        List<float[]> out = new ArrayList<>(images.size());
        for (int start = 0; start < images.size(); start += maxBatch()) {
            out.addAll(scorer.score(images.subList(start, Math.min(images.size(), start + maxBatch()))));
        }
        return out;
    }

    /** Runs every batch size once, so that no request pays for TensorFlow's first-run optimisation. */
    public void warmUp() {
        scorer.warmUp();
    }

    private static void requireSize(ModelPublished model, Architecture architecture) {
        FeatureLayer layer = model.featureLayer();
        if (architecture.size(layer) != model.bottleneckSize()) {
            throw new IllegalArgumentException("Model " + model.version() + " takes " + model.bottleneckSize()
                    + " inputs but the " + layer.id() + " layer of " + architecture.name() + " has "
                    + architecture.size(layer));
        }
    }

    private static List<float[]> rows(TFloat32 values, int count, int width) {
        return Arrays.asList(FeatureExtractor.rows(values, count, width));
    }

    /** Decode, resize, CNN and head as one graph, copied per batch size ({@link FeatureGraph#batchSizes}). */
    private static final class FusedGraph implements Scorer {
        private final Graph graph;
        private final Session session;
        private final FeatureGraph features;
        private final Map<Integer, Operand<TFloat32>> scores = new HashMap<>();
        private final int classes;

        FusedGraph(ModelPublished model, Path graphFile, int maxBatch) {
            Architecture architecture = Architecture.of(model.architecture());
            requireSize(model, architecture);
            classes = model.labels().size();
            graph = new Graph();
            try {
                features = FeatureGraph.build(graph, architecture, graphFile, maxBatch);
                Ops tf = Ops.create(graph);
                for (int batch : features.batchSizes()) {
                    String name = batch == 1 ? SoftmaxHead.FINAL_TENSOR_NAME
                            : SoftmaxHead.FINAL_TENSOR_NAME + "_" + batch;
                    scores.put(batch, SoftmaxHead.addInference(tf.withSubScope("head_" + batch),
                            features.features(model.featureLayer(), batch), model.weights(), model.biases(), name));
                }
                session = new Session(graph);
            } catch (RuntimeException e) {
                graph.close();
                throw e;
            }
        }

        @Override
        public int maxBatch() {
            return features.maxBatch();
        }

        @Override
        public List<float[]> score(List<byte[]> images) {
            List<float[]> out = new ArrayList<>(images.size());
            int start = 0;
            for (int run : features.runs(images.size())) {
                out.addAll(run(images.subList(start, start + run)));
                start += run;
            }
            return out;
        }

        private List<float[]> run(List<byte[]> images) {
            int batch = features.batchFor(images.size());
            try (ImageFeed feed = new ImageFeed(images, batch);
                    Result result = feed.feed(session.runner()).fetch(scores.get(batch)).run()) {
                return rows((TFloat32) result.get(0), images.size(), classes);
            } catch (TFInvalidArgumentException e) {
                throw ImageDecodeException.fromTensorFlow(e);
            }
        }

        @Override
        public void warmUp() {
            byte[] image = WarmUpImage.png();
            for (int batch : features.batchSizes()) {
                score(Collections.nCopies(batch, image));
            }
        }

        @Override
        public void close() {
            session.close();
            graph.close();
        }
    }

    /** A module's features (its own runs), then the head in a small graph of its own. */
    private static final class HeadOnFeatures implements Scorer {
        private final ImageFeatures features;
        private final FeatureLayer layer;
        private final Graph graph;
        private final Session session;
        private final Placeholder<TFloat32> input;
        private final Operand<TFloat32> scores;
        private final int classes;

        HeadOnFeatures(ModelPublished model, ImageFeatures features) {
            requireSize(model, features.architecture());
            this.features = features;
            this.layer = model.featureLayer();
            this.classes = model.labels().size();
            graph = new Graph();
            try {
                Ops tf = Ops.create(graph);
                input = tf.withName("features").placeholder(TFloat32.class,
                        Placeholder.shape(Shape.of(-1, model.bottleneckSize())));
                scores = SoftmaxHead.addInference(tf, input, model.weights(), model.biases(),
                        SoftmaxHead.FINAL_TENSOR_NAME);
                session = new Session(graph);
            } catch (RuntimeException e) {
                graph.close();
                throw e;
            }
        }

        @Override
        public int maxBatch() {
            return features.maxBatch();
        }

        @Override
        public List<float[]> score(List<byte[]> images) {
            List<FeatureExtractor.Features> extracted = features.extract(images);
            int size = extracted.get(0).of(layer).length;
            float[] flat = new float[extracted.size() * size];
            for (int i = 0; i < extracted.size(); i++) {
                System.arraycopy(extracted.get(i).of(layer), 0, flat, i * size, size);
            }
            try (TFloat32 values = TFloat32.tensorOf(Shape.of(extracted.size(), size),
                    DataBuffers.of(flat, true, false));
                    Result result = session.runner().feed(input, values).fetch(scores).run()) {
                return rows((TFloat32) result.get(0), images.size(), classes);
            }
        }

        @Override
        public void warmUp() {
            features.warmUp();
            score(List.of(WarmUpImage.png()));
        }

        @Override
        public void close() {
            session.close();
            graph.close();
            features.close();
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
            scorer.close();
        }
    }
}
