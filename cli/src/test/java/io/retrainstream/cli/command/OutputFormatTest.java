package io.retrainstream.cli.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.retrainstream.cli.ProgressBar;
import io.retrainstream.cli.stack.ServiceHttp;
import org.junit.jupiter.api.Test;

class OutputFormatTest {

    @Test
    void printsLikeLabelImage() throws Exception {
        var reply = ServiceHttp.JSON.readTree(
                """
                {"modelVersion":3,"architecture":"mobilenet_0.25_128","predictions":[
                  {"label":"daisy","score":0.990712},{"label":"sunflowers","score":0.0052},
                  {"label":"tulips","score":1.0E-7}]}
                """);
        assertThat(LabelImageFormat.format("photos/daisy/1.jpg", reply))
                .containsExactly(
                        "photos/daisy/1.jpg (model version 3, mobilenet_0.25_128):",
                        "daisy (score = 0.99071)",
                        "sunflowers (score = 0.00520)",
                        "tulips (score = 0.00000)");
    }

    @Test
    void finalAccuracyLikeRetrainPy() {
        assertThat(TrainingRuns.accuracyLine(0.8589, 78)).isEqualTo("Final test accuracy = 85.9% (N=78)");
        assertThat(TrainingRuns.accuracyLine(1.0, 5)).isEqualTo("Final test accuracy = 100.0% (N=5)");
        assertThat(TrainingRuns.accuracyLine(85.9, null)).isEqualTo("Final test accuracy = 85.9%");
    }

    @Test
    void progressBar() {
        assertThat(ProgressBar.render(420, 750, "images", 123.4, "img/s"))
                .isEqualTo("[################..............] 420/750 images   56%  123 img/s");
        assertThat(ProgressBar.render(0, 10, "images", -1, "img/s"))
                .isEqualTo("[..............................] 0/10 images    0%");
        assertThat(ProgressBar.render(10, 10, "images", -1, "img/s"))
                .startsWith("[" + "#".repeat(30) + "]")
                .contains("100%");
    }
}
