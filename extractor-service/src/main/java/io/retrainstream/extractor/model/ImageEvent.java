package io.retrainstream.extractor.model;

/**
 * An image event read from {@code images}, checked and normalised.
 *
 * @param imageId     the record key
 * @param label       the normalised label
 * @param fileName    the file name the split rule hashes
 * @param image       the encoded image bytes
 * @param contentHash SHA-256 of the bytes, hex
 * @param timestamp   the record's time (epoch ms)
 */
public record ImageEvent(
        String imageId, String label, String fileName, byte[] image, String contentHash, long timestamp) {}
