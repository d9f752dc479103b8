package io.retrainstream.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.retrainstream.common.DataSet;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainingParamsTest {

    private static final TrainingParams DEFAULTS = TrainingParams.retrainPy(1);

    @Test
    void defaultsAreRetrainPys() {
        assertThat(DEFAULTS.asMap())
                .containsEntry("how_many_training_steps", 4000)
                .containsEntry("learning_rate", 0.01)
                .containsEntry("testing_percentage", 10.0)
                .containsEntry("validation_percentage", 10.0)
                .containsEntry("eval_step_interval", 10)
                .containsEntry("train_batch_size", 100)
                .containsEntry("test_batch_size", -1)
                .containsEntry("validation_batch_size", 100)
                .containsEntry("print_misclassified_test_images", false)
                .containsEntry("final_tensor_name", "final_result");
    }

    @Test
    void overridesBySnakeCaseNameFromJsonValuesOrText() {
        TrainingParams params = DEFAULTS.withOverrides(Map.of(
                "how_many_training_steps",
                500,
                "learning_rate",
                "0.05",
                "print_misclassified_test_images",
                true,
                "mode",
                "improved",
                "test_batch_size",
                "-1",
                "random_seed",
                12345678901L));
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
                .hasMessageContaining("how_many_training_steps must be from 1 to 1000000, got -3");
        assertThatThrownBy(() -> DEFAULTS.withOverrides(Map.of("how_many_training_steps", 2.5)))
                .hasMessageContaining("how_many_training_steps must be a whole number, got '2.5'");
        assertThatThrownBy(() -> DEFAULTS.withOverrides(Map.of("learning_rate", "fast")))
                .hasMessageContaining("learning_rate must be a number, got 'fast'");
        assertThatThrownBy(() -> DEFAULTS.withOverrides(Map.of("testing_percentage", 60, "validation_percentage", 50)))
                .hasMessageContaining("validation_percentage (50.0) and testing_percentage (60.0)");
        assertThatThrownBy(() -> DEFAULTS.withOverrides(Map.of("validation_batch_size", 0)))
                .hasMessageContaining("validation_batch_size must be -1 (the whole set) or from 1 to 10000, got 0");
        assertThatThrownBy(() -> DEFAULTS.withOverrides(Map.of("print_misclassified_test_images", "yes")))
                .hasMessageContaining("print_misclassified_test_images must be true or false, got 'yes'");
        assertThatThrownBy(() -> DEFAULTS.withOverrides(Map.of("final_tensor_name", "bad name:0")))
                .hasMessageContaining("final_tensor_name must be a TensorFlow op name, got 'bad name:0'");
        assertThatThrownBy(() -> DEFAULTS.withOverrides(Map.of("mode", "magic")))
                .hasMessageContaining("mode must be one of [retrain, improved], got 'magic'");
    }

    @Test
    void refusesValuesOutOfTheirBoundsNamingOptionAndBound() {
        Map<String, String> refused = new java.util.LinkedHashMap<>();
        refused.put(
                "how_many_training_steps=1000001", "how_many_training_steps must be from 1 to 1000000, got 1000001");
        refused.put("how_many_training_steps=0", "how_many_training_steps must be from 1 to 1000000, got 0");
        refused.put("how_many_training_steps=1e12", "how_many_training_steps is out of range, got '1e12'");
        refused.put("learning_rate=0", "learning_rate must be above 0 and at most 10.0, got 0.0");
        refused.put("learning_rate=11", "learning_rate must be above 0 and at most 10.0, got 11.0");
        refused.put("learning_rate=NaN", "learning_rate must be above 0 and at most 10.0, got NaN");
        refused.put("train_batch_size=10001", "train_batch_size must be from 1 to 10000, got 10001");
        refused.put("train_batch_size=-1", "train_batch_size must be from 1 to 10000, got -1");
        refused.put(
                "test_batch_size=10001", "test_batch_size must be -1 (the whole set) or from 1 to 10000, got 10001");
        refused.put("eval_step_interval=0", "eval_step_interval must be from 1 to 1000000, got 0");
        refused.put("testing_percentage=101", "testing_percentage must be from 0 to 100, got 101.0");
        refused.put("validation_percentage=NaN", "validation_percentage must be from 0 to 100, got NaN");
        refused.put("random_crop=101", "random_crop must be from 0 to 100, got 101");
        refused.put("random_scale=1000", "random_scale must be from 0 to 100, got 1000");
        refused.put(
                "intermediate_store_frequency=1000001",
                "intermediate_store_frequency must be 0 (none) or from 1 to 1000000, got 1000001");
        for (Map.Entry<String, String> entry : refused.entrySet()) {
            String[] option = entry.getKey().split("=");
            assertThatThrownBy(() -> DEFAULTS.withOverrides(Map.of(option[0], option[1])))
                    .as(entry.getKey())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage(entry.getValue());
        }
        assertThatThrownBy(() -> DEFAULTS.withOverrides(
                        Map.of("intermediate_store_frequency", 1, "intermediate_output_graphs_dir", "graphs")))
                .hasMessage("intermediate_store_frequency 1 would store 4000 intermediate graphs in 4000 steps; at "
                        + "most 100: use at least 40");
        TrainingParams edges = DEFAULTS.withOverrides(Map.of(
                "how_many_training_steps",
                1_000_000,
                "learning_rate",
                10,
                "train_batch_size",
                10_000,
                "random_crop",
                100,
                "random_scale",
                100,
                "random_brightness",
                100,
                "intermediate_store_frequency",
                10_000,
                "intermediate_output_graphs_dir",
                "graphs"));
        assertThat(edges.howManyTrainingSteps()).isEqualTo(1_000_000);
        assertThat(edges.distortions().randomCrop()).isEqualTo(100);
    }

    @Test
    void distortionsByRetrainPyNamesInRetrainModeOnly() {
        assertThat(DEFAULTS.distortions().any()).isFalse();
        assertThat(DEFAULTS.asMap())
                .containsEntry("flip_left_right", false)
                .containsEntry("random_crop", 0)
                .containsEntry("random_scale", 0)
                .containsEntry("random_brightness", 0);
        TrainingParams params = DEFAULTS.withOverrides(
                Map.of("flip_left_right", "true", "random_crop", 10, "random_scale", "5", "random_brightness", 20));
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
            assertThat(set).isEqualTo(hash < 20 ? DataSet.VALIDATION : hash < 50 ? DataSet.TESTING : DataSet.TRAINING);
            if (set != DEFAULTS.splitRule().assign(file)) {
                moved++;
            }
        }
        assertThat(moved).isGreaterThan(0);
    }
}
