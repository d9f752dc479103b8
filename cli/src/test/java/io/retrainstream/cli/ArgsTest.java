package io.retrainstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.retrainstream.cli.command.TrainCommand;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/** How picocli reads ./retrain's command lines: the parsing rules the commands rely on. */
class ArgsTest {

    @TempDir
    Path root;

    private ParseResult parse(String... argv) {
        return Main.commandLine(new TestConsole(root).context).parseArgs(argv).subcommand();
    }

    private static Object value(ParseResult command, String option) {
        return command.commandSpec().findOption(option).getValue();
    }

    @Test
    void readsValuesFlagsAndPositionals() {
        ParseResult classify = parse("classify", "a.jpg", "--classifier", "http://c", "--top-k=3", "b.jpg");
        assertThat(classify.matchedOptionValue("--classifier", "")).isEqualTo("http://c");
        assertThat(classify.matchedOptionValue("--top-k", 5)).isEqualTo(3);
        assertThat(classify.matchedPositionalValue(0, java.util.List.of())).containsExactly("a.jpg", "b.jpg");
        assertThat(parse("down", "--purge").matchedOptionValue("--purge", false))
                .isTrue();
        assertThat(parse("classify", "a.jpg").isUsageHelpRequested()).isFalse();
    }

    @Test
    void defaultsApplyWhenOptionsAreAbsent() {
        ParseResult up = parse("up");
        assertThat(value(up, "--kafka-port")).isEqualTo(9092);
        assertThat(value(up, "--trainer-port")).isEqualTo(8082);
        assertThat(value(up, "--classifier-port")).isEqualTo(8080);
        assertThat(value(up, "--architecture")).isEqualTo("mobilenet_0.25_128");
        assertThat(value(up, "--model-dir")).isNull();
        assertThat(value(up, "--no-continuous")).isEqualTo(false);
    }

    @Test
    void helpIsAlwaysAccepted() {
        assertThat(parse("train", "--help").isUsageHelpRequested()).isTrue();
        assertThat(parse("status", "-h").isUsageHelpRequested()).isTrue();
    }

    @Test
    void doubleDashEndsOptions() {
        assertThat(parse("classify", "--", "--wait", "-x.jpg").matchedPositionalValue(0, java.util.List.of()))
                .containsExactly("--wait", "-x.jpg");
    }

    @Test
    void refusesUnknownOptionsAndArguments() {
        assertThatThrownBy(() -> parse("train", "--bogus"))
                .isInstanceOf(CommandLine.UnmatchedArgumentException.class)
                .hasMessageContaining("Unknown option: '--bogus'");
        assertThatThrownBy(() -> parse("status", "-x")).isInstanceOf(CommandLine.ParameterException.class);
        assertThatThrownBy(() -> parse("status", "extra"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("'extra'");
    }

    @Test
    void refusesAMissingValue() {
        assertThatThrownBy(() -> parse("publish", "--image-dir"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--image-dir");
    }

    @Test
    void refusesAValueForAFlagAndARepeatedOption() {
        assertThatThrownBy(() -> parse("train", "--wait=yes")).isInstanceOf(CommandLine.ParameterException.class);
        assertThatThrownBy(() -> parse("classify", "a.jpg", "--top-k", "1", "--top-k", "2"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("only once");
    }

    @Test
    void checksNumbers() {
        assertThatThrownBy(() -> parse("classify", "a.jpg", "--top-k", "five"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("'five' is not a whole number");
        TestConsole console = new TestConsole(root);
        assertThat(Main.run(new String[] {"classify", "a.jpg", "--top-k", "0"}, console.context))
                .isEqualTo(2);
        assertThat(console.err()).contains("--top-k must be between 1 and 1000, not 0");
    }

    @Test
    void requiredOptionsAndPositionals() {
        assertThatThrownBy(() -> parse("publish"))
                .isInstanceOf(CommandLine.MissingParameterException.class)
                .hasMessageContaining("--image-dir");
        assertThatThrownBy(() -> parse("classify"))
                .isInstanceOf(CommandLine.MissingParameterException.class)
                .hasMessageContaining("IMAGE");
    }

    @Test
    void trainKnowsEveryRunOptionOfRetrainPy() {
        ParseResult train = parse("train", "--how_many_training_steps", "500", "--flip_left_right", "--mode=retrain");
        assertThat(new String(TrainCommand.body(train.commandSpec()), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("{\"how_many_training_steps\":\"500\",\"mode\":\"retrain\",\"flip_left_right\":true}");
        for (TrainCommand.RunOption option : TrainCommand.RUN_OPTIONS) {
            assertThat(train.commandSpec().findOption("--" + option.name()))
                    .as(option.name())
                    .isNotNull();
        }
    }
}
