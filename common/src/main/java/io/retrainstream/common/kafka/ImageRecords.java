package io.retrainstream.common.kafka;

import io.retrainstream.common.Labels;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The image event on {@link Topics#IMAGES}, in one place for everything that publishes photos ({@code ./retrain
 * publish}, the trainer's {@code POST /images}): value = the image file's bytes, key = {@code <class>/<file name>},
 * headers {@link Topics#LABEL} and {@link Topics#FILENAME}.
 */
public final class ImageRecords {

    /** The largest image file one record may carry: a record's limit less room for the key, headers and batch. */
    public static final int MAX_IMAGE_BYTES = TopicSetup.MAX_MESSAGE_BYTES - 64 * 1024;

    /** The longest class name accepted from a request (folder names of an image dir are whatever the disk holds). */
    public static final int MAX_LABEL_LENGTH = 100;

    private ImageRecords() {}

    /** The stable image id of a photo of a class: {@code <class>/<file name>}, as {@code ./retrain publish} gives. */
    public static String imageId(String label, String fileName) {
        return label + "/" + fileName;
    }

    /** The image event of {@code image}, a file named {@code fileName} of class {@code label}. */
    public static ProducerRecord<String, byte[]> of(String label, String fileName, byte[] image) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.IMAGES, imageId(label, fileName), image);
        record.headers().add(Topics.LABEL, label.getBytes(StandardCharsets.UTF_8));
        record.headers().add(Topics.FILENAME, fileName.getBytes(StandardCharsets.UTF_8));
        return record;
    }

    /**
     * {@code label} trimmed, when it can name a class: not blank, at most {@value #MAX_LABEL_LENGTH} characters, with
     * a letter or digit (the extractor learns it under {@link Labels#normalize its normalised name}) and no
     * {@code /} (the image id's separator) or control character; otherwise an {@link IllegalArgumentException}
     * saying what a class name may be.
     */
    public static String checkLabel(String label) {
        String trimmed = label == null ? "" : label.strip();
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException("A class name is needed: pass ?label=NAME, e.g. ?label=daisy");
        }
        if (trimmed.length() > MAX_LABEL_LENGTH) {
            throw new IllegalArgumentException("The class name is " + trimmed.length() + " characters long; at most "
                    + MAX_LABEL_LENGTH + " are allowed");
        }
        if (trimmed.chars().anyMatch(c -> c == '/' || c == '\\' || Character.isISOControl(c))) {
            throw new IllegalArgumentException("The class name '" + printable(trimmed)
                    + "' has a slash or a control character; use letters, " + "digits, spaces, '-' or '_'");
        }
        if (Labels.normalize(trimmed).isBlank()) {
            throw new IllegalArgumentException(
                    "The class name '" + trimmed + "' has no letter or digit; a class is named by its letters and "
                            + "digits, as retrain.py names a folder");
        }
        return trimmed;
    }

    /**
     * The last segment of an uploaded file's name with control characters and slashes replaced, or {@code fallback}
     * when nothing is left; the split rule hashes this name, as it hashes a file name of an image dir.
     */
    public static String safeFileName(String fileName, String fallback) {
        String name = fileName == null ? "" : fileName;
        name = name.substring(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
        StringBuilder cleaned = new StringBuilder(name.length());
        name.codePoints().forEach(c -> cleaned.appendCodePoint(Character.isISOControl(c) ? '_' : c));
        String result = cleaned.toString().strip();
        if (result.isEmpty() || result.equals(".") || result.equals("..")) {
            return fallback;
        }
        return result.length() > 200 ? result.substring(result.length() - 200) : result;
    }

    private static String printable(String text) {
        StringBuilder out = new StringBuilder();
        text.codePoints()
                .forEach(c -> out.append(
                        Character.isISOControl(c) ? "\\u" + String.format("%04x", c) : Character.toString(c)));
        return out.toString();
    }
}
