package io.retrainstream.extractor.service;

/**
 * An image record as it came off {@code images}, before any check.
 *
 * @param key       record key (the image id), may be null
 * @param value     record value (the image bytes), may be null
 * @param label     {@code label} header, may be null
 * @param fileName  {@code filename} header, may be null
 * @param timestamp record time (epoch ms)
 */
public record RawImage(String key, byte[] value, String label, String fileName, long timestamp) {}
