package io.retrainstream.trainer.benchmark;

import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.model.Features;
import io.retrainstream.common.model.ModelFiles;
import io.retrainstream.common.testing.SharedData;
import io.retrainstream.common.tf.DistortedFeatureExtractor;
import io.retrainstream.common.tf.Distortions;
import io.retrainstream.common.tf.FeatureExtractor;
import io.retrainstream.common.tf.ParallelRuns;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The views of a photo the cross-validation compares, each the pooled features of one deterministic transform of the
 * photo through the project's extractor graph ({@link FeatureGraph}): the photo as the services see it
 * ({@link FeatureExtractor}, the extractor's own path), and crops and mirrors drawn as fixed
 * {@link Distortions.Draw}s through {@link DistortedFeatureExtractor} (the graph the distortions use: decode, resize
 * to {@code P x P}, crop {@code S x S}, mirror, scale, CNN). The features of every photo are computed once per
 * architecture and view and cached on disk under {@code ~/.cache/retrain-stream/cv-features/<name>-<hash>/}, with the
 * extraction's images/s as measured when they were computed.
 */
enum CvViews {
    /** The photo as every service sees it: the whole image resized to {@code S x S}. */
    ORIGINAL,
    /** Its left-right mirror. */
    MIRROR,
    /** Inception's preprocessing: the central 87.5% of each side, resized to {@code S x S}. */
    CENTRE,
    /** The mirror of {@link #CENTRE}. */
    CENTRE_MIRROR,
    /** The top-left 87.5% of each side. */
    TOP_LEFT,
    /** The top-right 87.5% of each side. */
    TOP_RIGHT,
    /** The bottom-left 87.5% of each side. */
    BOTTOM_LEFT,
    /** The bottom-right 87.5% of each side. */
    BOTTOM_RIGHT;

    /** Inception's {@code central_fraction}: a crop keeps this much of each side. */
    static final double CROP_FRACTION = 0.875;

    private static final int MAX_BATCH = 32;
    private static final int MAGIC = 0x43564631; // "CVF1"

    String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The draw of this view for an input of {@code size}: resizing the whole photo to {@code P = round(S / 0.875)}
     * and cutting {@code S x S} out of it is cutting 87.5% of each side and resizing it to {@code S}.
     */
    Distortions.Draw draw(int size) {
        int precrop = (int) Math.round(size / CROP_FRACTION);
        int far = precrop - size;
        int middle = far / 2;
        return switch (this) {
            case ORIGINAL -> Distortions.Draw.identity(size);
            case MIRROR -> new Distortions.Draw(size, 0, 0, true, 1f);
            case CENTRE -> new Distortions.Draw(precrop, middle, middle, false, 1f);
            case CENTRE_MIRROR -> new Distortions.Draw(precrop, middle, middle, true, 1f);
            case TOP_LEFT -> new Distortions.Draw(precrop, 0, 0, false, 1f);
            case TOP_RIGHT -> new Distortions.Draw(precrop, 0, far, false, 1f);
            case BOTTOM_LEFT -> new Distortions.Draw(precrop, far, 0, false, 1f);
            case BOTTOM_RIGHT -> new Distortions.Draw(precrop, far, far, false, 1f);
        };
    }

    /** One view of every photo: pooled vectors in photo order, and how fast they were extracted. */
    record Computed(CvViews view, float[][] pooled, double imagesPerSecond, String measured) {}

    /** The view's features of {@code photos} (ids {@code label/file}), from the cache or computed and cached. */
    Computed of(Architecture architecture, List<String> ids, List<Path> photos) {
        Path graph = ModelFiles.locateGraph(architecture, java.util.Optional.of(SharedData.models()));
        Path file = cacheFolder(architecture, graph).resolve(id() + ".pooled");
        if (Files.isRegularFile(file)) {
            Computed cached = read(this, file, ids);
            if (cached != null) {
                return cached;
            }
        }
        long start = System.nanoTime();
        float[][] pooled =
                this == ORIGINAL ? original(architecture, graph, photos) : drawn(architecture, graph, photos);
        double seconds = (System.nanoTime() - start) / 1e9;
        Computed computed = new Computed(this, pooled, photos.size() / seconds, load());
        write(file, ids, computed);
        return computed;
    }

    /** The machine's load average when a figure was measured, e.g. {@code load 3.10}. */
    static String load() {
        try {
            return "load " + Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "load unknown";
        }
    }

    /** The cache folder of one architecture's graph file (by its hash). */
    static Path cacheFolder(Architecture architecture, Path graph) {
        return cacheRoot()
                .resolve(architecture.name() + "-" + ModelFiles.sha256(graph).substring(0, 12));
    }

    private static Path cacheRoot() {
        String configured = System.getProperty("cv.cache", "");
        return configured.isBlank()
                ? Path.of(System.getProperty("user.home"), ".cache", "retrain-stream", "cv-features")
                : Path.of(configured);
    }

    /** The extractor service's path: batches of {@link #MAX_BATCH}, one run per core. */
    private static float[][] original(Architecture architecture, Path graph, List<Path> photos) {
        try (FeatureExtractor extractor =
                new FeatureExtractor(architecture, graph, MAX_BATCH, ParallelRuns.perCore())) {
            extractor.warmUp();
            List<float[]> rows =
                    extractor.extract(photos.stream().map(SharedData::read).toList(), FeatureLayer.POOLED);
            return rows.toArray(float[][]::new);
        }
    }

    /** The distortion graph with this view's fixed draw, batches of {@link #MAX_BATCH} on one thread per core. */
    private float[][] drawn(Architecture architecture, Path graph, List<Path> photos) {
        Distortions.Draw draw = draw(architecture.inputSize());
        int threads = Runtime.getRuntime().availableProcessors();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (DistortedFeatureExtractor extractor = new DistortedFeatureExtractor(architecture, graph, MAX_BATCH)) {
            extractor.warmUp();
            List<Future<List<Features>>> batches = new ArrayList<>();
            for (int from = 0; from < photos.size(); from += MAX_BATCH) {
                List<Path> batch = photos.subList(from, Math.min(photos.size(), from + MAX_BATCH));
                batches.add(pool.submit(() -> extractor.extract(
                        batch.stream().map(SharedData::read).toList(),
                        java.util.Collections.nCopies(batch.size(), draw))));
            }
            List<float[]> rows = new ArrayList<>();
            for (Future<List<Features>> batch : batches) {
                batch.get().forEach(features -> rows.add(features.pooled()));
            }
            return rows.toArray(float[][]::new);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("Extracting view " + id() + " failed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** The cached rows of {@code view}, or null when the file is missing or holds other photos (recompute then). */
    static Computed read(CvViews view, Path file, List<String> ids) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            if (in.readInt() != MAGIC) {
                return null;
            }
            double imagesPerSecond = in.readDouble();
            String measured = in.readUTF();
            int count = in.readInt();
            if (count != ids.size()) {
                return null;
            }
            float[][] pooled = new float[count][];
            for (int i = 0; i < count; i++) {
                if (!in.readUTF().equals(ids.get(i))) {
                    return null;
                }
                float[] row = new float[in.readInt()];
                for (int d = 0; d < row.length; d++) {
                    row[d] = in.readFloat();
                }
                pooled[i] = row;
            }
            return new Computed(view, pooled, imagesPerSecond, measured + ", cached");
        } catch (IOException e) {
            return null;
        }
    }

    static void write(Path file, List<String> ids, Computed computed) {
        try {
            Files.createDirectories(file.getParent());
            Path temp =
                    Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(temp)))) {
                out.writeInt(MAGIC);
                out.writeDouble(computed.imagesPerSecond());
                out.writeUTF(computed.measured());
                out.writeInt(ids.size());
                for (int i = 0; i < ids.size(); i++) {
                    out.writeUTF(ids.get(i));
                    float[] row = computed.pooled()[i];
                    out.writeInt(row.length);
                    for (float value : row) {
                        out.writeFloat(value);
                    }
                }
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not cache the features in " + file + "; check the folder", e);
        }
    }
}
