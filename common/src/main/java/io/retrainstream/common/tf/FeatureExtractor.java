package io.retrainstream.common.tf;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TFInvalidArgumentException;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.FeatureLayer;

/**
 * Owns the {@link FeatureGraph} and its session: encoded images in, bottleneck vectors out, in batches of up to
 * {@code maxBatch} images per {@code Session.run}. Thread-safe; close it once.
 */
public final class FeatureExtractor implements ImageFeatures {

    private final Graph graph;
    private final Session session;
    private final FeatureGraph features;

    public FeatureExtractor(Architecture architecture, Path graphFile, int maxBatch) {
        graph = new Graph();
        try {
            features = FeatureGraph.build(graph, architecture, graphFile, maxBatch);
            session = new Session(graph);
        } catch (RuntimeException e) {
            graph.close();
            throw e;
        }
    }

    @Override
    public java.util.Set<String> devices() {
        try (ImageFeed feed = new ImageFeed(List.of(WarmUpImage.png()), 1)) {
            return Devices.used(feed.feed(session.runner()).fetch(features.bottleneck(1)));
        }
    }

    /** Runs every batch size once, so that no real batch pays for TensorFlow's first-run graph optimisation. */
    @Override
    public void warmUp() {
        byte[] image = WarmUpImage.png();
        for (int batch : features.batchSizes()) {
            runBatch(java.util.Collections.nCopies(batch, image));
        }
    }

    @Override
    public Architecture architecture() {
        return features.architecture();
    }

    @Override
    public int maxBatch() {
        return features.maxBatch();
    }

    /** Both feature layers of one image: {@code retrain.py}'s bottleneck and the pooled features. */
    public record Features(float[] bottleneck, float[] pooled) {
        /** The vector of one layer. */
        public float[] of(FeatureLayer layer) {
            return layer == FeatureLayer.POOLED ? pooled : bottleneck;
        }
    }

    /**
     * The features of {@code images}, in order. Throws {@link ImageDecodeException} when any image cannot be
     * decoded; callers that need to know which one run the images one by one.
     */
    @Override
    public List<Features> extract(List<byte[]> images) {
        List<Features> out = new ArrayList<>(images.size());
        int start = 0;
        for (int run : features.runs(images.size())) {
            out.addAll(runBatch(images.subList(start, start + run)));
            start += run;
        }
        return out;
    }

    @Override
    public Features extract(byte[] image) {
        return runBatch(List.of(image)).get(0);
    }

    @Override
    public List<float[]> extract(List<byte[]> images, FeatureLayer layer) {
        List<float[]> out = new ArrayList<>(images.size());
        int start = 0;
        for (int run : features.runs(images.size())) {
            List<byte[]> batchImages = images.subList(start, start + run);
            batchImages.forEach(ImageFormats::require);
            int batch = features.batchFor(run);
            try (ImageFeed feed = new ImageFeed(batchImages, batch);
                    Result result = feed.feed(session.runner()).fetch(features.features(layer, batch)).run()) {
                out.addAll(java.util.Arrays.asList(rows((TFloat32) result.get(0), run, architecture().size(layer))));
            } catch (TFInvalidArgumentException e) {
                throw ImageDecodeException.fromTensorFlow(e);
            }
            start += run;
        }
        return out;
    }

    private List<Features> runBatch(List<byte[]> images) {
        for (byte[] image : images) {
            ImageFormats.require(image);
        }
        int batch = features.batchFor(images.size());
        try (ImageFeed feed = new ImageFeed(images, batch);
                Result result = feed.feed(session.runner()).fetch(features.bottleneck(batch))
                        .fetch(features.pooled(batch)).run()) {
            float[][] bottlenecks = rows((TFloat32) result.get(0), images.size(), architecture().bottleneckSize());
            float[][] pooled = rows((TFloat32) result.get(1), images.size(), architecture().pooledSize());
            List<Features> out = new ArrayList<>(images.size());
            for (int i = 0; i < images.size(); i++) {
                out.add(new Features(bottlenecks[i], pooled[i]));
            }
            return out;
        } catch (TFInvalidArgumentException e) {
            throw ImageDecodeException.fromTensorFlow(e);
        }
    }

    /** The first {@code count} rows of a {@code [batch, size]} tensor. */
    public static float[][] rows(TFloat32 values, int count, int size) {
        float[] flat = new float[(int) values.size()];
        values.copyTo(DataBuffers.of(flat, false, false));
        float[][] rows = new float[count][];
        for (int i = 0; i < count; i++) {
            rows[i] = java.util.Arrays.copyOfRange(flat, i * size, (i + 1) * size);
        }
        return rows;
    }

    /** The first line of a TensorFlow error message, which names the problem; the rest is a node trace. */
    public static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int newline = message.indexOf('\n');
        return (newline >= 0 ? message.substring(0, newline) : message).trim();
    }

    @Override
    public void close() {
        session.close();
        graph.close();
    }
}
