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

/**
 * Owns the {@link FeatureGraph} and its session: encoded images in, bottleneck vectors out, in batches of up to
 * {@code maxBatch} images per {@code Session.run}. Thread-safe; close it once.
 */
public final class FeatureExtractor implements AutoCloseable {

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

    /** Runs every batch size once, so that no real batch pays for TensorFlow's first-run graph optimisation. */
    public void warmUp() {
        byte[] image = WarmUpImage.png();
        for (int batch : features.batchSizes()) {
            runBatch(java.util.Collections.nCopies(batch, image));
        }
    }

    public Architecture architecture() {
        return features.architecture();
    }

    public int maxBatch() {
        return features.maxBatch();
    }

    /**
     * The bottlenecks of {@code images}, in order. Throws {@link ImageDecodeException} when any image cannot be
     * decoded; callers that need to know which one run the images one by one.
     */
    public float[][] extract(List<byte[]> images) {
        List<float[]> out = new ArrayList<>(images.size());
        for (int start = 0; start < images.size(); start += maxBatch()) {
            List<byte[]> chunk = images.subList(start, Math.min(images.size(), start + maxBatch()));
            out.addAll(List.of(runBatch(chunk)));
        }
        return out.toArray(new float[0][]);
    }

    public float[] extract(byte[] image) {
        return runBatch(List.of(image))[0];
    }

    private float[][] runBatch(List<byte[]> images) {
        for (byte[] image : images) {
            ImageFormats.require(image);
        }
        int batch = features.batchFor(images.size());
        int size = architecture().bottleneckSize();
        try (ImageFeed feed = new ImageFeed(images, batch);
                Result result = feed.feed(session.runner()).fetch(features.bottleneck(batch)).run()) {
            TFloat32 values = (TFloat32) result.get(0);
            float[] flat = new float[batch * size];
            values.copyTo(DataBuffers.of(flat, false, false));
            float[][] vectors = new float[images.size()][];
            for (int i = 0; i < images.size(); i++) {
                vectors[i] = new float[size];
                System.arraycopy(flat, i * size, vectors[i], 0, size);
            }
            return vectors;
        } catch (TFInvalidArgumentException e) {
            throw new ImageDecodeException("TensorFlow cannot decode the image: " + firstLine(e.getMessage()), e);
        }
    }

    static String firstLine(String message) {
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
