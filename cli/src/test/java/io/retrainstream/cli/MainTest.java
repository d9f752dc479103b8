package io.retrainstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.retrainstream.cli.stack.Workspace;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {

    @TempDir
    Path root;

    @Test
    void noArgumentsPrintsUsageAndFails() {
        TestConsole console = new TestConsole(root);
        assertThat(Main.run(new String[0], console.context)).isEqualTo(2);
        assertThat(console.err())
                .contains("Usage: ./retrain COMMAND")
                .contains("publish")
                .contains("demo");
    }

    @Test
    void helpSucceeds() {
        TestConsole console = new TestConsole(root);
        assertThat(Main.run(new String[] {"--help"}, console.context)).isZero();
        assertThat(console.out()).contains("architectures");
        TestConsole command = new TestConsole(root);
        assertThat(Main.run(new String[] {"publish", "--help"}, command.context))
                .isZero();
        assertThat(command.out())
                .contains("Usage: ./retrain publish --image-dir DIR")
                .contains("--max-image-pixels=N")
                .contains("64000000")
                .contains("Example:");
    }

    @Test
    void helpCommandShowsACommandsHelp() {
        TestConsole help = new TestConsole(root);
        assertThat(Main.run(new String[] {"help", "train"}, help.context)).isZero();
        TestConsole option = new TestConsole(root);
        assertThat(Main.run(new String[] {"train", "--help"}, option.context)).isZero();
        assertThat(help.out())
                .isEqualTo(option.out())
                .startsWith("Usage: ./retrain train [--wait]")
                .contains("retrain.py's options for this run")
                .contains("--how_many_training_steps=N")
                .contains("--flip_left_right")
                .contains("--trainer=URL")
                .contains("--wait");
        TestConsole overall = new TestConsole(root);
        assertThat(Main.run(new String[] {"help"}, overall.context)).isZero();
        assertThat(overall.out())
                .contains("Usage: ./retrain COMMAND")
                .contains("completion")
                .contains("show a command's help: ./retrain help COMMAND");
        TestConsole unknown = new TestConsole(root);
        assertThat(Main.run(new String[] {"help", "bogus"}, unknown.context)).isEqualTo(2);
        assertThat(unknown.err()).contains("bogus");
    }

    @Test
    void completionPrintsABashScriptForEveryCommandAndOption() {
        TestConsole console = new TestConsole(root);
        assertThat(Main.run(new String[] {"completion"}, console.context)).isZero();
        assertThat(console.out())
                .startsWith("#!/usr/bin/env bash")
                .contains("complete -F _complete_retrain")
                .contains("publish")
                .contains("architectures")
                .contains("rollback")
                .contains("--image-dir")
                .contains("--how_many_training_steps")
                .contains("--kafka-port")
                .contains("--no-continuous");
    }

    @Test
    void architecturesListsTheCatalogueWithSizesAndWhereEachGraphIs() {
        Path models = io.retrainstream.common.testing.SharedData.models();
        TestConsole console = new TestConsole(root);
        assertThat(Main.run(new String[] {"architectures", "--model-dir", models.toString()}, console.context))
                .isZero();
        String out = console.out();
        assertThat(out).contains("GRAPH SIZE").contains("CACHED");
        assertThat(out.lines().filter(line -> line.startsWith("inception_v3")))
                .singleElement()
                .asString()
                .contains("299x299")
                .contains("2048")
                .contains(
                        "missing: http://download.tensorflow.org/models/" + "image/imagenet/inception-2015-12-05.tgz");
        assertThat(out.lines().filter(line -> line.startsWith("mobilenet_0.25_128 ")))
                .singleElement()
                .asString()
                .contains("128x128")
                .contains("1001")
                .contains(" MB")
                .contains(
                        models.resolve("mobilenet_v1_0.25_128/frozen_graph.pb").toString());
        assertThat(out.lines().filter(line -> line.startsWith("mobilenet_"))).hasSize(32);
    }

    @Test
    void unknownCommandOrOptionFailsWithUsage() {
        TestConsole console = new TestConsole(root);
        assertThat(Main.run(new String[] {"retrain"}, console.context)).isEqualTo(2);
        assertThat(console.err()).contains("Unknown command 'retrain'");
        TestConsole option = new TestConsole(root);
        assertThat(Main.run(new String[] {"train", "--fast"}, option.context)).isEqualTo(2);
        assertThat(option.err())
                .contains("retrain train: Unknown option: '--fast'")
                .contains("Usage: ./retrain train");
    }

    @Test
    void missingRequiredOptionIsAUsageError() {
        TestConsole console = new TestConsole(root);
        assertThat(Main.run(new String[] {"publish"}, console.context)).isEqualTo(2);
        assertThat(console.err())
                .contains("retrain publish: Missing required option: '--image-dir=DIR'")
                .contains("Usage: ./retrain publish");
        TestConsole classify = new TestConsole(root);
        assertThat(Main.run(new String[] {"classify"}, classify.context)).isEqualTo(2);
    }

    @Test
    void userErrorsSayWhatToDo() {
        TestConsole console = new TestConsole(root);
        assertThat(Main.run(new String[] {"up", "--architecture", "inception_v4"}, console.context))
                .isEqualTo(1);
        assertThat(console.err())
                .contains("Unknown architecture 'inception_v4'")
                .contains("mobilenet_0.25_128");
        TestConsole ports = new TestConsole(root);
        assertThat(Main.run(new String[] {"up", "--trainer-port", "9092"}, ports.context))
                .isEqualTo(2);
        assertThat(ports.err()).contains("ports must all differ");
    }

    @Test
    void statusAndDownWithNothingRunning() {
        TestConsole status = new TestConsole(root);
        assertThat(Main.run(new String[] {"status"}, status.context)).isEqualTo(1);
        assertThat(status.out()).contains("Nothing is running");
        TestConsole down = new TestConsole(root);
        assertThat(Main.run(new String[] {"down"}, down.context)).isZero();
        assertThat(down.out()).contains("Nothing is running");
    }

    @Test
    void relativePathsResolveAgainstTheCallersFolder() {
        Workspace workspace = new Workspace(root, root.resolve("somewhere"));
        assertThat(workspace.userPath("photos")).isEqualTo(root.resolve("somewhere/photos"));
        assertThat(workspace.userPath("/abs/photos")).isEqualTo(Path.of("/abs/photos"));
        assertThat(workspace.stateFile()).isEqualTo(root.resolve(".retrain/state.json"));
        assertThat(workspace.logFile("kafka")).isEqualTo(root.resolve(".retrain/logs/kafka.log"));
    }
}
