package io.retrainstream.extractor.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.util.Optional;

/** Settings of the extractor: which CNN to run and how. */
@ConfigMapping(prefix = "retrain")
public interface ExtractorConfig {

    /** The {@code retrain.py} architecture name, e.g. {@code mobilenet_0.50_224_quantized}. */
    @WithDefault("mobilenet_0.25_128")
    String architecture();

    /**
     * A TensorFlow SavedModel image feature-vector module (folder with {@code saved_model.pb}) to use instead of
     * {@code architecture}: its serving signature's output is the bottleneck.
     */
    Optional<Path> savedModel();

    /**
     * The most pixels an image may have (read from its header before any decode; a GIF's frames count too). Larger
     * images go to {@code images.dlq} with the size and this limit. The default admits 50-megapixel phone photos.
     */
    @WithDefault("64000000")
    long maxImagePixels();

    /**
     * The views of each photo the CNN computes: {@code original} (the photo alone, the cheap path) or
     * {@code original,mirror}, which also computes the pooled features of the photo mirrored left to right (a second
     * CNN image per photo) so that the trainer can learn from both and the classifier answer their mean. Every
     * service of a stack reads the same setting ({@code RETRAIN_VIEWS}).
     */
    @WithDefault("original")
    String views();

    /** A folder in {@code retrain.py}'s download layout to read the graph from; otherwise the user's model cache. */
    Optional<Path> modelDir();

    /** The model cache: downloaded archives are unpacked here and looked up after {@code model-dir}. */
    Optional<Path> modelCache();

    /** Download a graph that is in neither {@code model-dir} nor the cache from its public URL into the cache. */
    @WithDefault("true")
    boolean download();

    /** Extraction settings. */
    Extractor extractor();

    interface Extractor {
        /** Most images run through the CNN in one {@code Session.run}. */
        @WithDefault("4")
        int maxBatch();

        /**
         * CNN runs at once, each op on one thread; 0 means one per core. 1 runs one batch at a time with each op over
         * all cores (TensorFlow's default), which loses more to other processes on the same cores.
         */
        @WithDefault("0")
        int parallelRuns();

        /**
         * Most bytes of bottlenecks kept in memory by image content hash, so a re-sent image is not recomputed (the
         * least recently used go first; 128 MiB is about 22,000 images of mobilenet_0.50's 1001 + 512 floats).
         */
        @WithDefault("134217728")
        long cacheBytes();

        /** Folder of the image store: the bytes of every usable image seen, by SHA-256, for distortions. */
        @WithDefault("${user.home}/.cache/retrain-stream/images")
        Path imageStore();

        /** Most bytes the image store keeps; the oldest images are deleted beyond it. */
        @WithDefault("1073741824")
        long imageStoreMaxBytes();

        /** Most images the image store keeps; the oldest are deleted beyond it. */
        @WithDefault("100000")
        int imageStoreMaxFiles();

        /** Threads computing distorted bottlenecks, each running one CNN batch at a time. */
        @WithDefault("2")
        int distortWorkers();
    }
}
