package io.retrainstream.trainer.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Vectors of one width, kept in 8 bits a value with a per-row offset and scale ({@code v ≈ offset + q * scale}, q in
 * 0..255, so a value is off by at most 1/510 of its row's range) in a memory-mapped file outside the Java heap: a
 * million 512-wide rows take 520 MB of file pages the kernel may page out, and none of the heap. Rows are appended and
 * never changed, so a reader of rows below {@link #count()} as it was when it looked needs no lock. The file is
 * deleted as soon as it is open (the trainer rebuilds it from the compacted topic on every start), so a killed trainer
 * leaves nothing behind. One writer at a time (the store's lock).
 */
public final class QuantizedRows implements AutoCloseable {

    /** Bytes of one mapped chunk of the file. */
    private static final int CHUNK_BYTES = 64 << 20;

    /** The offset and the scale (two floats) before each row's bytes. */
    private static final int HEADER_BYTES = 8;

    private static final int LEVELS = 255;

    private final int width;
    private final int rowBytes;
    private final int rowsPerChunk;
    private final FileChannel file;
    private final List<MappedByteBuffer> chunks = new CopyOnWriteArrayList<>();
    private volatile int count;

    /**
     * @param folder where the file is created (and at once deleted)
     * @param width  values per row
     */
    public QuantizedRows(Path folder, int width) {
        if (width < 1) {
            throw new IllegalArgumentException("A row needs 1+ values, not " + width);
        }
        this.width = width;
        this.rowBytes = HEADER_BYTES + width;
        this.rowsPerChunk = Math.max(1, CHUNK_BYTES / rowBytes);
        try {
            Files.createDirectories(folder);
            Path path = Files.createTempFile(folder, "rows-" + width + "-", ".u8");
            this.file = FileChannel.open(
                    path, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.DELETE_ON_CLOSE);
            try {
                Files.delete(path);
            } catch (IOException e) {
                // Not every file system deletes an open file: DELETE_ON_CLOSE removes it when closed
            }
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Cannot create the bottleneck file in " + folder + " (" + e.getMessage()
                            + "): make it writable or set trainer.store-dir to a writable folder",
                    e);
        }
    }

    public int width() {
        return width;
    }

    /** Rows appended so far. */
    public int count() {
        return count;
    }

    /** Bytes of file the rows take. */
    public long bytes() {
        return (long) count * rowBytes;
    }

    /** Appends {@code vector} (of {@link #width()} values); returns its row. */
    public int append(float[] vector) {
        if (vector.length != width) {
            throw new IllegalArgumentException("A row of " + width + " values cannot hold " + vector.length);
        }
        int row = count;
        if (row == Integer.MAX_VALUE) {
            throw new IllegalStateException("The bottleneck file is full at " + row + " rows");
        }
        int chunk = row / rowsPerChunk;
        if (chunk == chunks.size()) {
            chunks.add(map(chunk));
        }
        MappedByteBuffer buffer = chunks.get(chunk);
        int at = (row % rowsPerChunk) * rowBytes;
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float v : vector) {
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("A bottleneck vector holds " + v + ": only finite values train");
            }
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        float scale = (max - min) / LEVELS;
        buffer.putFloat(at, min);
        buffer.putFloat(at + 4, scale);
        for (int k = 0; k < width; k++) {
            int q = scale == 0 ? 0 : Math.round((vector[k] - min) / scale);
            buffer.put(at + HEADER_BYTES + k, (byte) Math.min(LEVELS, Math.max(0, q)));
        }
        count = row + 1;
        return row;
    }

    /** Row {@code row}, decoded. */
    public float[] get(int row) {
        float[] values = new float[width];
        read(row, values, 0);
        return values;
    }

    /** Decodes row {@code row} into {@code into} from {@code offset}. */
    public void read(int row, float[] into, int offset) {
        if (row < 0 || row >= count) {
            throw new IndexOutOfBoundsException("Row " + row + " of " + count);
        }
        MappedByteBuffer buffer = chunks.get(row / rowsPerChunk);
        int at = (row % rowsPerChunk) * rowBytes;
        float min = buffer.getFloat(at);
        float scale = buffer.getFloat(at + 4);
        for (int k = 0; k < width; k++) {
            into[offset + k] = min + (buffer.get(at + HEADER_BYTES + k) & 0xFF) * scale;
        }
    }

    private MappedByteBuffer map(int chunk) {
        try {
            MappedByteBuffer buffer = file.map(
                    FileChannel.MapMode.READ_WRITE,
                    (long) chunk * rowsPerChunk * rowBytes,
                    (long) rowsPerChunk * rowBytes);
            buffer.order(ByteOrder.LITTLE_ENDIAN);
            return buffer;
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Cannot grow the bottleneck file to " + (chunk + 1) * (long) rowsPerChunk * rowBytes / (1 << 20)
                            + " MiB (" + e.getMessage() + "): free disk space in trainer.store-dir",
                    e);
        }
    }

    @Override
    public void close() {
        try {
            file.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
