package io.retrainstream.common.tf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Feature vectors as compact binary, the reply of {@code POST /distorted-bottlenecks}: int32 rows, int32 size
 * (little-endian), then {@code rows * size} little-endian float32, row-major.
 */
public final class FeatureRows {

    /** Content type of the encoding. */
    public static final String MEDIA_TYPE = "application/octet-stream";

    private FeatureRows() {}

    /** Encodes {@code rows}, each of {@code size} values. */
    public static byte[] encode(float[][] rows, int size) {
        ByteBuffer buffer = ByteBuffer.allocate(8 + 4 * rows.length * size).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(rows.length).putInt(size);
        for (float[] row : rows) {
            if (row.length != size) {
                throw new IllegalArgumentException("A row of " + row.length + " values among rows of " + size);
            }
            for (float value : row) {
                buffer.putFloat(value);
            }
        }
        return buffer.array();
    }

    /** Decodes to one row-major array {@code [rows * size]}; checks the length against the header. */
    public static float[] decode(byte[] bytes, int expectedRows, int expectedSize) {
        if (bytes.length < 8) {
            throw new IllegalArgumentException("Feature rows need an 8-byte header, got " + bytes.length + " bytes");
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int rows = buffer.getInt();
        int size = buffer.getInt();
        if (rows != expectedRows || size != expectedSize) {
            throw new IllegalArgumentException(
                    "Expected " + expectedRows + " rows of " + expectedSize + ", got " + rows + " of " + size);
        }
        if (bytes.length != 8 + 4L * rows * size) {
            throw new IllegalArgumentException("Feature rows of " + rows + " x " + size + " need "
                    + (8 + 4L * rows * size) + " bytes, got " + bytes.length);
        }
        float[] values = new float[rows * size];
        buffer.asFloatBuffer().get(values);
        return values;
    }
}
