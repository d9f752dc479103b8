package io.retrainstream.trainer.model;

import io.retrainstream.common.model.Head;
import io.retrainstream.trainer.data.TrainingData;
import java.util.function.Consumer;

/** {@code retrain.py}'s {@code --print_misclassified_test_images}: each wrong test image and the label it got. */
final class MisclassifiedImages {

    private MisclassifiedImages() {}

    /** Prints the test {@code rows} whose highest score is not their class, as {@code retrain.py} does. */
    static void print(Consumer<String> progress, TrainingData data, int[] rows, float[][] scores) {
        TrainingData.Split testing = data.testing();
        progress.accept("=== MISCLASSIFIED TEST IMAGES ===");
        for (int i = 0; i < rows.length; i++) {
            int predicted = Head.argMax(scores[i]);
            if (predicted != testing.classes()[rows[i]]) {
                progress.accept(String.format(
                        "%70s  %s", testing.ids().get(rows[i]), data.labels().get(predicted)));
            }
        }
    }
}
