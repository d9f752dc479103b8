package io.retrainstream.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScalarSummaryWriterTest {

    @Test
    void writesAnEventFile(@TempDir Path dir) throws Exception {
        try (ScalarSummaryWriter writer = new ScalarSummaryWriter(dir.resolve("train"))) {
            writer.write(0, 0.5, 0.7);
        }
        try (Stream<Path> files = Files.list(dir.resolve("train"))) {
            assertThat(files.map(file -> file.getFileName().toString()))
                    .singleElement()
                    .asString()
                    .startsWith("events.out.tfevents.")
                    .endsWith(".v2");
        }
    }

    @Test
    void aWriterThatCannotOpenItsFolderThrows(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-folder"), "x");
        assertThatThrownBy(() -> new ScalarSummaryWriter(file.resolve("train"))).isInstanceOf(RuntimeException.class);
        // The failure path closes the session and graph (not observable here); later writers are unaffected.
        try (ScalarSummaryWriter writer = new ScalarSummaryWriter(dir.resolve("ok"))) {
            writer.write(1, 1.0, 0.1);
        }
        assertThat(dir.resolve("ok")).isDirectory();
    }
}
