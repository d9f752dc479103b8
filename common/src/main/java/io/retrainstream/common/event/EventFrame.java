package io.retrainstream.common.event;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * The wire frame of the binary events: a 4-byte magic ({@code R S <type> <format version>}), a length-prefixed JSON
 * metadata block, then a length-prefixed little-endian float32 array. Floats never travel as JSON numbers.
 */
final class EventFrame {

    static final ObjectMapper JSON =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final byte MAGIC_0 = 'R';
    private static final byte MAGIC_1 = 'S';
    private static final byte FORMAT_VERSION = 1;
    /** Upper bound on the float count, so a corrupt length cannot make a consumer allocate gigabytes. */
    private static final int MAX_FLOATS = 64 * 1024 * 1024;

    private EventFrame() {}

    static byte[] write(byte type, Object metadata, float[] floats) {
        byte[] meta;
        try {
            meta = JSON.writeValueAsBytes(metadata);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot serialise event metadata", e);
        }
        ByteBuffer buffer =
                ByteBuffer.allocate(4 + 4 + meta.length + 4 + 4 * floats.length).order(ByteOrder.LITTLE_ENDIAN);
        buffer.put(MAGIC_0).put(MAGIC_1).put(type).put(FORMAT_VERSION);
        buffer.putInt(meta.length).put(meta);
        buffer.putInt(floats.length);
        buffer.asFloatBuffer().put(floats);
        return buffer.array();
    }

    static <M> Decoded<M> read(byte[] bytes, byte type, Class<M> metadataType) {
        if (bytes == null) {
            throw new MalformedEventException("empty event (null value)");
        }
        View<M> view = view(ByteBuffer.wrap(bytes), type, metadataType);
        float[] floats = new float[view.floats().remaining()];
        view.floats().get(floats);
        return new Decoded<>(view.metadata(), floats);
    }

    /**
     * Reads the frame in {@code bytes} (from its position to its limit, which it leaves as they are) without copying
     * its floats: the view's float buffer reads them where they are, so a consumer may take only the ones it keeps.
     */
    static <M> View<M> view(ByteBuffer bytes, byte type, Class<M> metadataType) {
        if (bytes == null) {
            throw new MalformedEventException("empty event (null value)");
        }
        try {
            ByteBuffer buffer = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
            if (buffer.get() != MAGIC_0 || buffer.get() != MAGIC_1) {
                throw new MalformedEventException("not a retrain-stream event (bad magic bytes)");
            }
            byte actualType = buffer.get();
            if (actualType != type) {
                throw new MalformedEventException(
                        "expected event type '" + (char) type + "', got '" + (char) actualType + "'");
            }
            byte version = buffer.get();
            if (version != FORMAT_VERSION) {
                throw new MalformedEventException("unsupported event format version " + version);
            }
            int metaLength = buffer.getInt();
            if (metaLength < 0 || metaLength > buffer.remaining()) {
                throw new MalformedEventException("metadata length " + metaLength + " exceeds the event");
            }
            M metadata = metadata(buffer, metaLength, metadataType);
            if (metadata == null) {
                throw new MalformedEventException("event metadata is JSON null");
            }
            buffer.position(buffer.position() + metaLength);
            int count = buffer.getInt();
            if (count < 0 || count > MAX_FLOATS || count * 4L != buffer.remaining()) {
                throw new MalformedEventException(
                        "float count " + count + " does not match the " + buffer.remaining() + " bytes left");
            }
            return new View<>(metadata, buffer.asFloatBuffer());
        } catch (BufferUnderflowException e) {
            throw new MalformedEventException("event truncated", e);
        } catch (IOException e) {
            throw new MalformedEventException("unreadable metadata: " + e.getMessage(), e);
        }
    }

    /** The JSON metadata at the buffer's position, read in place when the buffer has an array. */
    private static <M> M metadata(ByteBuffer buffer, int length, Class<M> metadataType) throws IOException {
        if (buffer.hasArray()) {
            return JSON.readValue(buffer.array(), buffer.arrayOffset() + buffer.position(), length, metadataType);
        }
        byte[] meta = new byte[length];
        buffer.get(buffer.position(), meta);
        return JSON.readValue(meta, metadataType);
    }

    /** A frame read in place: its metadata and its floats, not copied. */
    record View<M>(M metadata, FloatBuffer floats) {}

    record Decoded<M>(M metadata, float[] floats) {}
}
