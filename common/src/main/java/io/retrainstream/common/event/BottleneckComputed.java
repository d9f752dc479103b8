package io.retrainstream.common.event;

import java.util.Objects;

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
 * @param vector       the bottleneck values
 */
public record BottleneckComputed(String imageId, String label, String fileName, String architecture,
        String contentHash, long imageTime, long computedAt, float[] vector) {

    static final byte TYPE = 'B';

    public BottleneckComputed {
        Objects.requireNonNull(imageId, "imageId");
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(fileName, "fileName");
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(vector, "vector");
    }

    public byte[] encode() {
        return EventFrame.write(TYPE,
                new Metadata(imageId, label, fileName, architecture, contentHash, imageTime, computedAt), vector);
    }

    public static BottleneckComputed decode(byte[] bytes) {
        EventFrame.Decoded<Metadata> decoded = EventFrame.read(bytes, TYPE, Metadata.class);
        Metadata m = decoded.metadata();
        if (m.imageId() == null || m.label() == null || m.fileName() == null || m.architecture() == null) {
            throw new MalformedEventException("bottleneck event lacks imageId, label, fileName or architecture");
        }
        if (decoded.floats().length == 0) {
            throw new MalformedEventException("bottleneck event for " + m.imageId() + " has an empty vector");
        }
        return new BottleneckComputed(m.imageId(), m.label(), m.fileName(), m.architecture(), m.contentHash(),
                m.imageTime(), m.computedAt(), decoded.floats());
    }

    record Metadata(String imageId, String label, String fileName, String architecture, String contentHash,
            long imageTime, long computedAt) {
    }
}
