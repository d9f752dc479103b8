package io.retrainstream.classifier.service;

import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.retrainstream.classifier.config.ClassifierConfig;
import io.retrainstream.common.model.View;
import io.retrainstream.common.tf.SavedModelFeatures;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;

/**
 * Loads the configured CNN ({@code retrain.architecture}; with its mirror copy when {@code retrain.views} include the
 * mirror) at start, on a thread of its own so that the classifier is
 * up at once, so that the first published model is served within milliseconds instead of after the CNN's load and
 * warm-up (about 5 s on 2 cores for mobilenet_0.50_224_quantized).
 */
@ApplicationScoped
public class CnnPreload {

    private final ClassifierConfig config;
    private final ModelLoader loader;

    public CnnPreload(ClassifierConfig config, ModelLoader loader) {
        this.config = config;
        this.loader = loader;
    }

    void onStart(@Observes StartupEvent event) {
        config.architecture()
                .filter(name -> !name.isBlank() && !name.startsWith(SavedModelFeatures.NAME_PREFIX))
                .ifPresent(name -> {
                    Thread thread = new Thread(() -> preload(name), "cnn-preload");
                    thread.setDaemon(true);
                    thread.start();
                });
    }

    private void preload(String name) {
        List<View> views;
        try {
            views = View.parse(config.views());
        } catch (IllegalArgumentException e) {
            Log.warnf(
                    "%s (retrain.views, RETRAIN_VIEWS): preloading the CNN without the mirror copy; each model is "
                            + "still served with the views it was trained with",
                    e.getMessage());
            views = View.ORIGINAL_ONLY;
        }
        long start = System.nanoTime();
        try {
            if (loader.preload(name, views)) {
                Log.infof(
                        "Loaded and warmed the CNN %s%s in %d ms, before the first model (retrain.architecture, "
                                + "retrain.views)",
                        name,
                        View.mirrored(views) ? " with its mirror copy" : "",
                        (System.nanoTime() - start) / 1_000_000);
            }
        } catch (RuntimeException | Error e) {
            Log.warnf(
                    "Could not load the CNN %s at start (retrain.architecture): %s. The first model loads its CNN "
                            + "itself and says what is wrong if it cannot",
                    name, e.getMessage());
        }
    }
}
