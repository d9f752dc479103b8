package io.retrainstream.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.retrainstream.common.DataSet;

class TrainingParamsTest {

    private static final TrainingParams DEFAULTS = TrainingParams.retrainPy(1);

    @Test
    void defaultsAreRetrainPys() {
        assertThat(DEFAULTS.asMap()).containsEntry("how_many_training_steps", 4000)
                .containsEntry("learning_rate", 0.01).containsEntry("testing_percentage", 10.0)
                .containsEntry("validation_percentage", 10.0).containsEntry("eval_step_interval", 10)
                .containsEntry("train_batch_size", 100).containsEntry("test_batch_size", -1)
                .containsEntry("validation_batch_size", 100).containsEntry("print_misclassified_test_images", false)
                .containsEntry("final_tensor_name", "final_result");
    }

    @Test
    void overridesBySnakeCaseNameFromJsonValuesOrText() {
        TrainingParams params = DEFAULTS.withOverrides(Map.of("how_many_training_steps", 500, "learning_rate",
                "0.05", "print_misclassified_test_images", true, "mode", "improved", "test_batch_size", "-1",
                "random_seed", 12345678901L));
        assertThat(params.howManyTrainingSteps()).isEqualTo(500);
        assertThat(params.learningRate()).isEqualTo(0.05);
        assertThat(params.printMisclassifiedTestImages()).isTrue();
        assertThat(params.mode()).isEqualTo(TrainingMode.IMPROVED);
        assertThat(params.seed()).isEqualTo(12345678901L);
        assertThat(params.trainBatchSize()).isEqualTo(100);
    }

    @Test
    void refusesUnknownNamesAndBadValuesNamingThem() {
        assertThatThrownBy(() -> DEFAULTS.withOverrides(Map.of("how_many_steps", 5)))
                .hasMessageContaining("Unknown training option 'how_many_steps'");
        assertThatThrownBy(() -> DEFAULTS.withOverrides(Map.of("how_many_training_steps", -3)))
                .hasMessageContaining("how_many_training_steps must be positive, got -3");
        assertThatThrownBy(() -> DEFAULTS.withOverrides(Map.of("how_many_training_steps", 2.5)))
                .hasMessageContaining("how_many_training_steps must be a whole number, got '2.5'");
        assertThatThrownBy(() -> DEFAULTS.withOverrides(Map.of("learning_rate", "fast")))
                .hasMessageContaining("learning_rate must be a number, got 'fast'");
        assertThatThrownBy(() -> DEFAULTS.withOverrides(Map.of("testing_percentage", 60, "validation_percentage", 50)))
                .hasMessageContaining("validation_percentage (50.0) and testing_percentage (60.0)");
        assertThatThrownBy(() -> DEFAULTS.withOverrides(Map.of("validation_batch_size", 0)))
                .hasMessageContaining("validation_batch_size must be positive or -1");
        assertThatThrownBy(() -> DEFAULTS.withOverrides(Map.of("print_misclassified_test_images", "yes")))
                .hasMessageContaining("print_misclassified_test_images must be true or false, got 'yes'");
        assertThatThrownBy(() -> DEFAULTS.withOverrides(Map.of("final_tensor_name", "bad name:0")))
                .hasMessageContaining("final_tensor_name must be a TensorFlow op name, got 'bad name:0'");
        assertThatThrownBy(() -> DEFAULTS.withOverrides(Map.of("mode", "magic")))
                .hasMessageContaining("mode must be one of [retrain, improved], got 'magic'");
    }

    @Test
    void distortionsByRetrainPyNamesInRetrainModeOnly() {
        assertThat(DEFAULTS.distortions().any()).isFalse();
        assertThat(DEFAULTS.asMap()).containsEntry("flip_left_right", false).containsEntry("random_crop", 0)
                .containsEntry("random_scale", 0).containsEntry("random_brightness", 0);
        TrainingParams params = DEFAULTS.withOverrides(Map.of("flip_left_right", "true", "random_crop", 10,
                "random_scale", "5", "random_brightness", 20));
        assertThat(params.distortions()).isEqualTo(new io.retrainstream.common.tf.Distortions(true, 10, 5, 20));
        assertThatThrownBy(() -> DEFAULTS.withOverrides(Map.of("random_crop", -1)))
                .hasMessageContaining("random_crop must be 0 or a positive percentage, got -1");
        assertThatThrownBy(() -> DEFAULTS.withOverrides(Map.of("random_brightness", 150)))
                .hasMessageContaining("random_brightness must be a percentage from 0 to 100, got 150");
        assertThatThrownBy(() -> DEFAULTS.withOverrides(Map.of("random_scale", 2.5)))
                .hasMessageContaining("random_scale must be a whole number");
        assertThatThrownBy(() -> DEFAULTS.withOverrides(Map.of("flip_left_right", true, "mode", "improved")))
                .hasMessageContaining("need mode 'retrain'");
    }

    @Test
    void changedPercentagesResplitByTheSameRule() {
        TrainingParams params = DEFAULTS.withOverrides(Map.of("testing_percentage", 30, "validation_percentage", 20));
        int moved = 0;
        for (int i = 0; i < 200; i++) {
            String file = "photo_" + i + ".jpg";
            DataSet set = params.splitRule().assign(file);
            double hash = io.retrainstream.common.SplitRule.percentageHash(file);
            assertThat(set).isEqualTo(hash < 20 ? DataSet.VALIDATION : hash < 50 ? DataSet.TESTING
                    : DataSet.TRAINING);
            if (set != DEFAULTS.splitRule().assign(file)) {
                moved++;
            }
        }
        assertThat(moved).isGreaterThan(0);
    }
}
