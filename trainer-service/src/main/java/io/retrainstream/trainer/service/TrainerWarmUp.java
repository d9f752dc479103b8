package io.retrainstream.trainer.service;

import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.retrainstream.common.DataSet;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.trainer.data.LabelledBottleneck;
import io.retrainstream.trainer.data.TrainingData;
import io.retrainstream.trainer.data.TrainingMode;
import io.retrainstream.trainer.model.HeadTrainer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Trains one small head on made-up vectors at start, on the training thread before any run: the first run in a JVM
 * otherwise pays for TensorFlow's first sessions and the JIT (3.1 s of training for 100 steps on 2 cores, against
 * 0.5 to 0.9 s for the runs after it), and that first model is the one every image of the first classes waits for.
 */
@ApplicationScoped
public class TrainerWarmUp {

    /** Steps of the warm-up run: enough to compile the training and evaluation paths. */
    static final int STEPS = 20;
    /** Made-up images per class and set, and their vectors' length. */
    private static final int IMAGES = 12;

    private static final int SIZE = 32;

    private final RunExecutor runs;
    private final RunOptions options;

    public TrainerWarmUp(RunExecutor runs, RunOptions options) {
        this.runs = runs;
        this.options = options;
    }

    void onStart(@Observes StartupEvent event) {
        runs.submit(this::warmUp);
    }

    /** Trains the made-up head in the configured mode; a failure is logged, as the first real run would show it. */
    void warmUp() {
        long start = System.nanoTime();
        try {
            RunOptions.Parsed parsed = options.parse(Map.of(RunOptions.STEPS, STEPS));
            if (parsed.params().distortions().any()) {
                return; // its runs ask the extractor for distorted vectors: nothing to warm up on made-up ones
            }
            FeatureLayer layer =
                    parsed.params().mode() == TrainingMode.IMPROVED ? FeatureLayer.POOLED : FeatureLayer.BOTTLENECK;
            new HeadTrainer(parsed.params(), line -> {})
                    .withMiniBatches(parsed.miniBatches())
                    .train(data(layer));
            Log.infof(
                    "Warmed up training in %d ms (a %d-step run on made-up vectors), so that the first run is as quick"
                            + " as the others",
                    (System.nanoTime() - start) / 1_000_000, STEPS);
        } catch (RuntimeException | Error e) {
            Log.warnf("The training warm-up failed (%s); the first run will show whether training works", e);
        }
    }

    /** Two well-apart classes of made-up pooled and bottleneck vectors in every set. */
    private static TrainingData data(FeatureLayer layer) {
        Random random = new Random(1);
        List<LabelledBottleneck> images = new ArrayList<>();
        List<String> labels = List.of("a", "b");
        for (DataSet set : List.of(DataSet.TRAINING, DataSet.VALIDATION, DataSet.TESTING)) {
            for (int c = 0; c < labels.size(); c++) {
                for (int i = 0; i < IMAGES; i++) {
                    float[] vector = new float[SIZE];
                    for (int d = 0; d < SIZE; d++) {
                        vector[d] = (float) (random.nextGaussian() + (d % labels.size() == c ? 2 : 0));
                    }
                    String id = labels.get(c) + "/" + set + i;
                    images.add(new LabelledBottleneck(
                            id, labels.get(c), set + "-" + i + ".jpg", id, set, vector, vector, 0L));
                }
            }
        }
        return TrainingData.of(labels, images, null, layer);
    }
}
