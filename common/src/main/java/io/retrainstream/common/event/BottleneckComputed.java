package io.retrainstream.common.event;

import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.model.Features;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * Published on {@code bottlenecks} by the extractor, one per image event, keyed by image id.
 *
 * @param imageId      stable id of the image (the image event's key), e.g. {@code daisy/123.jpg}
 * @param label        normalised class label
 * @param fileName     original file name; the split rule hashes it
 * @param architecture the feature extractor that computed the vector
 * @param contentHash  SHA-256 (hex) of the image bytes
 * @param imageTime    time of the image event (epoch ms)
 * @param computedAt   time the vector was computed (epoch ms)
 * @param vector       {@code retrain.py}'s bottleneck values
 * @param pooled       the pooled features before the CNN's own classifier (empty when not computed)
 * @param mirror       the pooled features of the image mirrored left to right (empty when not computed)
 */
public record BottleneckComputed(
        String imageId,
        String label,
        String fileName,
        String architecture,
        String contentHash,
        long imageTime,
        long computedAt,
        float[] vector,
        float[] pooled,
        float[] mirror) {

    static final byte TYPE = 'B';

    public BottleneckComputed {
        Objects.requireNonNull(imageId, "imageId");
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(fileName, "fileName");
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(vector, "vector");
        pooled = pooled == null ? new float[0] : pooled;
        mirror = mirror == null ? new float[0] : mirror;
        if (mirror.length > 0 && pooled.length > 0 && mirror.length != pooled.length) {
            throw new IllegalArgumentException("the mirror's " + mirror.length + " pooled features do not match the "
                    + pooled.length + " of the photo");
        }
    }

    /** An event without the mirror view. */
    public BottleneckComputed(
            String imageId,
            String label,
            String fileName,
            String architecture,
            String contentHash,
            long imageTime,
            long computedAt,
            float[] vector,
            float[] pooled) {
        this(imageId, label, fileName, architecture, contentHash, imageTime, computedAt, vector, pooled, null);
    }

    /** Every vector: {@code vector} is the bottleneck; pooled and mirror are empty when the event does not carry them. */
    public Features features() {
        return new Features(vector, pooled, mirror);
    }

    /** The vector of one feature layer; empty when the event does not carry it. */
    public float[] features(FeatureLayer layer) {
        return features().of(layer);
    }

    public byte[] encode() {
        float[] floats = new float[vector.length + pooled.length + mirror.length];
        System.arraycopy(vector, 0, floats, 0, vector.length);
        System.arraycopy(pooled, 0, floats, vector.length, pooled.length);
        System.arraycopy(mirror, 0, floats, vector.length + pooled.length, mirror.length);
        return EventFrame.write(
                TYPE,
                new Metadata(
                        imageId,
                        label,
                        fileName,
                        architecture,
                        contentHash,
                        imageTime,
                        computedAt,
                        pooled.length,
                        mirror.length),
                floats);
    }

    public static BottleneckComputed decode(byte[] bytes) {
        return decode(bytes == null ? null : ByteBuffer.wrap(bytes), EnumSet.allOf(FeatureLayer.class));
    }

    /**
     * Decodes the event in {@code bytes} (from its position to its limit) with the vectors of {@code layers} only: a
     * layer not asked for is left empty and its floats are never copied (a trainer that keeps the 512 pooled features
     * reads a quarter of a MobileNet event's floats). Checks the frame as {@link #decode(byte[])} does.
     */
    public static BottleneckComputed decode(ByteBuffer bytes, Set<FeatureLayer> layers) {
        EventFrame.View<Metadata> view = EventFrame.view(bytes, TYPE, Metadata.class);
        Metadata m = view.metadata();
        FloatBuffer floats = view.floats();
        int total = floats.remaining();
        int vectorSize = vectorSize(m, total);
        int pooledEnd = total - m.mirrorSize();
        return new BottleneckComputed(
                m.imageId(),
                m.label(),
                m.fileName(),
                m.architecture(),
                m.contentHash(),
                m.imageTime(),
                m.computedAt(),
                layers.contains(FeatureLayer.BOTTLENECK) ? floats(floats, 0, vectorSize) : new float[0],
                layers.contains(FeatureLayer.POOLED) ? floats(floats, vectorSize, pooledEnd) : new float[0],
                layers.contains(FeatureLayer.MIRROR) ? floats(floats, pooledEnd, total) : new float[0]);
    }

    /** The bottleneck vector's length, after checking the metadata and the float count fit together. */
    private static int vectorSize(Metadata m, int floats) {
        if (m.imageId() == null || m.label() == null || m.fileName() == null || m.architecture() == null) {
            throw new MalformedEventException("bottleneck event lacks imageId, label, fileName or architecture");
        }
        if (floats == 0) {
            throw new MalformedEventException("bottleneck event for " + m.imageId() + " has an empty vector");
        }
        if (m.mirrorSize() != 0 && m.mirrorSize() != m.pooledSize()) {
            throw new MalformedEventException("bottleneck event for " + m.imageId() + " has " + m.mirrorSize()
                    + " mirror features for " + m.pooledSize() + " pooled features");
        }
        if (m.pooledSize() < 0 || (long) m.pooledSize() + m.mirrorSize() >= floats) {
            throw new MalformedEventException("bottleneck event for " + m.imageId() + " has " + floats
                    + " values, too few for a vector, " + m.pooledSize() + " pooled features and "
                    + m.mirrorSize() + " of the mirror");
        }
        return floats - m.pooledSize() - m.mirrorSize();
    }

    private static float[] floats(FloatBuffer floats, int from, int to) {
        float[] values = new float[to - from];
        floats.get(from, values);
        return values;
    }

    record Metadata(
            String imageId,
            String label,
            String fileName,
            String architecture,
            String contentHash,
            long imageTime,
            long computedAt,
            int pooledSize,
            int mirrorSize) {}
}
