package io.retrainstream.trainer.data;

import io.retrainstream.common.DataSet;
import io.retrainstream.common.model.Features;

/**
 * One image's bottleneck as the trainer keeps it.
 *
 * @param imageId     stable image id
 * @param label       normalised class label
 * @param fileName    the file name the split hashes
 * @param contentHash SHA-256 of the image bytes
 * @param dataSet     training, validation or testing
 * @param vector      {@code retrain.py}'s bottleneck
 * @param pooled      the pooled features (empty when the extractor did not send them)
 * @param imageTime   time of the image event (epoch ms)
 * @param mirror      the pooled features of the image mirrored left to right (empty when not computed or not kept)
 */
public record LabelledBottleneck(
        String imageId,
        String label,
        String fileName,
        String contentHash,
        DataSet dataSet,
        float[] vector,
        float[] pooled,
        long imageTime,
        float[] mirror) {

    private static final float[] NONE = new float[0];

    public LabelledBottleneck {
        mirror = mirror == null ? NONE : mirror;
    }

    /** An image without the mirror view. */
    public LabelledBottleneck(
            String imageId,
            String label,
            String fileName,
            String contentHash,
            DataSet dataSet,
            float[] vector,
            float[] pooled,
            long imageTime) {
        this(imageId, label, fileName, contentHash, dataSet, vector, pooled, imageTime, NONE);
    }

    /** Its vectors, as every service passes them (the mirror's when kept). */
    public Features features() {
        return new Features(vector, pooled, mirror);
    }
}
