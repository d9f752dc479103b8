package io.retrainstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

class ArgsTest {

    private static Args parse(String... argv) throws UsageException {
        return Args.parse(List.of(argv), Set.of("image-dir", "top-k"), Set.of("wait"));
    }

    @Test
    void readsValuesFlagsAndPositionals() throws Exception {
        Args args = parse("a.jpg", "--image-dir", "photos", "--wait", "--top-k=3", "b.jpg");
        assertThat(args.value("image-dir")).contains("photos");
        assertThat(args.flag("wait")).isTrue();
        assertThat(args.intValue("top-k", 5, 1, 100)).isEqualTo(3);
        assertThat(args.positionals()).containsExactly("a.jpg", "b.jpg");
        assertThat(args.help()).isFalse();
    }

    @Test
    void defaultsApplyWhenOptionsAreAbsent() throws Exception {
        Args args = parse();
        assertThat(args.value("image-dir")).isEmpty();
        assertThat(args.value("image-dir", "x")).isEqualTo("x");
        assertThat(args.intValue("top-k", 5, 1, 100)).isEqualTo(5);
        assertThat(args.flag("wait")).isFalse();
    }

    @Test
    void helpIsAlwaysAccepted() throws Exception {
        assertThat(parse("--help").help()).isTrue();
        assertThat(parse("-h").help()).isTrue();
    }

    @Test
    void doubleDashEndsOptions() throws Exception {
        assertThat(parse("--", "--wait", "-x.jpg").positionals()).containsExactly("--wait", "-x.jpg");
    }

    @Test
    void refusesUnknownOptions() {
        assertThatThrownBy(() -> parse("--bogus")).isInstanceOf(UsageException.class)
                .hasMessageContaining("Unknown option '--bogus'");
        assertThatThrownBy(() -> parse("-x")).isInstanceOf(UsageException.class);
    }

    @Test
    void refusesAMissingValue() {
        assertThatThrownBy(() -> parse("--image-dir")).isInstanceOf(UsageException.class)
                .hasMessageContaining("--image-dir needs a value");
    }

    @Test
    void refusesAValueForAFlagAndARepeatedOption() {
        assertThatThrownBy(() -> parse("--wait=yes")).isInstanceOf(UsageException.class);
        assertThatThrownBy(() -> parse("--top-k", "1", "--top-k", "2")).isInstanceOf(UsageException.class);
    }

    @Test
    void checksNumbers() throws Exception {
        assertThatThrownBy(() -> parse("--top-k", "five").intValue("top-k", 5, 1, 100))
                .isInstanceOf(UsageException.class).hasMessageContaining("whole number");
        assertThatThrownBy(() -> parse("--top-k", "0").intValue("top-k", 5, 1, 100))
                .isInstanceOf(UsageException.class).hasMessageContaining("between 1 and 100");
    }

    @Test
    void requiredOptionsAndPositionals() throws Exception {
        assertThatThrownBy(() -> parse().required("image-dir")).isInstanceOf(UsageException.class)
                .hasMessageContaining("--image-dir is required");
        assertThatThrownBy(() -> parse("extra").noPositionals()).isInstanceOf(UsageException.class)
                .hasMessageContaining("'extra'");
    }
}
