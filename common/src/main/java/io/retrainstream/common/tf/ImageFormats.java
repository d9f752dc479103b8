package io.retrainstream.common.tf;

import java.util.Optional;

/** Recognises the encodings TensorFlow's {@code DecodeImage} reads, from their first bytes. */
public final class ImageFormats {

    private ImageFormats() {}

    /** The format name, or empty when the bytes start like none of JPEG, PNG, GIF or BMP. */
    public static Optional<String> sniff(byte[] bytes) {
        if (bytes == null || bytes.length < 4) {
            return Optional.empty();
        }
        int b0 = bytes[0] & 0xff;
        int b1 = bytes[1] & 0xff;
        if (b0 == 0xff && b1 == 0xd8) {
            return Optional.of("jpeg");
        }
        if (b0 == 0x89 && b1 == 'P' && bytes[2] == 'N' && bytes[3] == 'G') {
            return Optional.of("png");
        }
        if (b0 == 'G' && b1 == 'I' && bytes[2] == 'F' && bytes[3] == '8') {
            return Optional.of("gif");
        }
        if (b0 == 'B' && b1 == 'M') {
            return Optional.of("bmp");
        }
        return Optional.empty();
    }

    /** Throws {@link ImageDecodeException} unless the bytes look like a supported image. */
    public static String require(byte[] bytes) {
        return sniff(bytes)
                .orElseThrow(() -> new ImageDecodeException(
                        bytes == null || bytes.length == 0
                                ? "empty image"
                                : "not a JPEG, PNG, GIF or BMP image (first bytes " + hex(bytes) + ")",
                        null));
    }

    private static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(4, bytes.length); i++) {
            sb.append(String.format("%02x", bytes[i] & 0xff));
        }
        return sb.toString();
    }
}
