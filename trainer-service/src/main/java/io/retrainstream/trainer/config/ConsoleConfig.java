package io.retrainstream.trainer.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** {@code retrain.console.*}: the web console the trainer serves at {@code /console/} and its photo uploads. */
@ConfigMapping(prefix = "retrain.console")
public interface ConsoleConfig {

    /**
     * The classifier the console's page calls from the browser ({@code /classify}, {@code /model}); {@code ./retrain
     * up} and the compose files set it to the classifier they start. It must be reachable from the browser.
     */
    @WithDefault("http://localhost:8080")
    String classifierUrl();

    /** Most photos one {@code POST /images} request may carry. */
    @WithDefault("200")
    int maxUploadImages();

    /**
     * Most pixels an uploaded photo may have, read from its header ({@code retrain.max-image-pixels}, as the extractor
     * and the classifier).
     */
    @WithDefault("64000000")
    long maxImagePixels();
}
