package io.retrainstream.extractor.service;

import io.quarkus.logging.Log;
import io.retrainstream.extractor.config.ExtractorConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The bytes of the images the extractor has used, content-addressed by SHA-256 in one folder, so that training can
 * ask for distorted copies later. Bounded by total bytes and by count: the oldest images go first. Files are written
 * to a temporary name and renamed into place, so a crash never leaves a half image under a final name. Several
 * extractor instances may share the folder: each serves the images the others kept, and each bounds what it wrote or
 * read (so the folder holds at most the instances' bounds added up).
 */
@ApplicationScoped
public class ImageStore {

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final Path folder;
    private final long maxBytes;
    private final int maxFiles;
    /** Sizes by hash, oldest first. */
    private final LinkedHashMap<String, Long> sizes = new LinkedHashMap<>();

    private long bytes;

    @Inject
    public ImageStore(ExtractorConfig config) {
        this(
                config.extractor().imageStore(),
                config.extractor().imageStoreMaxBytes(),
                config.extractor().imageStoreMaxFiles());
    }

    ImageStore(Path folder, long maxBytes, int maxFiles) {
        this.folder = folder.toAbsolutePath().normalize();
        this.maxBytes = maxBytes;
        this.maxFiles = maxFiles;
        try {
            Files.createDirectories(this.folder);
            try (Stream<Path> files = Files.list(this.folder)) {
                files.filter(file ->
                                SHA256.matcher(file.getFileName().toString()).matches())
                        .sorted(Comparator.comparing(ImageStore::modified))
                        .forEach(file -> remember(file.getFileName().toString(), size(file)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot open the image store " + this.folder + ": " + e.getMessage(), e);
        }
        evict();
        Log.infof("Image store %s holds %d images (%d bytes)", this.folder, sizes.size(), bytes);
    }

    /** Keeps {@code image} under its SHA-256 {@code hash}; a failure to write is logged, not thrown. */
    public synchronized void put(String hash, byte[] image) {
        if (!SHA256.matcher(hash).matches() || sizes.containsKey(hash)) {
            return;
        }
        try {
            Path file = folder.resolve(hash);
            if (Files.exists(file)) {
                remember(hash, Files.size(file));
                return;
            }
            Path temporary = Files.createTempFile(folder, ".incoming-", ".tmp");
            Files.write(temporary, image);
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            remember(hash, image.length);
            evict();
        } catch (IOException e) {
            Log.warnf("Cannot keep image %s in %s: %s", hash, folder, e.getMessage());
        }
    }

    /**
     * The image of this SHA-256, when kept: by this instance, or by another extractor instance that shares the folder
     * (several extractors of one consumer group may share one store, so that any of them serves distortions).
     */
    public synchronized Optional<byte[]> get(String hash) {
        if (!SHA256.matcher(hash).matches()) {
            return Optional.empty();
        }
        try {
            byte[] image = Files.readAllBytes(folder.resolve(hash));
            if (!sizes.containsKey(hash)) {
                remember(hash, image.length);
                evict();
            }
            return Optional.of(image);
        } catch (NoSuchFileException e) {
            forget(hash);
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read image " + hash + " from " + folder + ": " + e.getMessage(), e);
        }
    }

    public synchronized int size() {
        return sizes.size();
    }

    private void remember(String hash, long size) {
        sizes.put(hash, size);
        bytes += size;
    }

    private void forget(String hash) {
        Long size = sizes.remove(hash);
        bytes -= size == null ? 0 : size;
    }

    private void evict() {
        Iterator<Map.Entry<String, Long>> oldest = sizes.entrySet().iterator();
        while ((bytes > maxBytes || sizes.size() > maxFiles) && oldest.hasNext()) {
            Map.Entry<String, Long> entry = oldest.next();
            try {
                Files.deleteIfExists(folder.resolve(entry.getKey()));
            } catch (IOException e) {
                Log.warnf("Cannot delete image %s from %s: %s", entry.getKey(), folder, e.getMessage());
            }
            bytes -= entry.getValue();
            oldest.remove();
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    private static java.nio.file.attribute.FileTime modified(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            return java.nio.file.attribute.FileTime.fromMillis(0);
        }
    }
}
