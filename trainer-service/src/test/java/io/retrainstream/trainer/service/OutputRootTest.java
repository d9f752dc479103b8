package io.retrainstream.trainer.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Paths a request names are confined under the trainer's output root. */
class OutputRootTest {

    @TempDir
    Path dir;

    @Test
    void requestedPathsStayUnderTheOutputRoot(@TempDir Path outside) throws Exception {
        Path root = dir.resolve("root");
        OutputRoot outputs = new OutputRoot(root);
        assertThat(outputs.confined(
                        Map.of("output_graph", "models/graph.pb", "mode", "retrain", "saved_model_dir", "")))
                .containsEntry(
                        "output_graph",
                        root.toRealPath().resolve("models/graph.pb").toString())
                .containsEntry("saved_model_dir", "")
                .containsEntry("mode", "retrain");
        assertThatThrownBy(() -> outputs.confined(
                        Map.of("output_graph", outside.resolve("graph.pb").toString())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("output_graph must be a path relative to the trainer's output root");
        assertThatThrownBy(() -> outputs.confined(Map.of("summaries_dir", "logs/../../etc")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("summaries_dir must stay under the trainer's output root: '..' is not allowed");
        Files.createSymbolicLink(root.resolve("escape"), outside);
        Files.createDirectories(root.resolve("inside"));
        Files.createSymbolicLink(root.resolve("alias"), root.resolve("inside"));
        assertThatThrownBy(() -> outputs.confined(Map.of("saved_model_dir", "escape/models")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("saved_model_dir must stay under the trainer's output root: 'escape' is a symbolic link "
                        + "that leads out of it, got 'escape/models'");
        assertThat(outputs.confined(Map.of("output_labels", "alias/labels.txt")))
                .as("a link that stays inside")
                .containsEntry(
                        "output_labels",
                        root.toRealPath().resolve("alias/labels.txt").toString());
    }
}
