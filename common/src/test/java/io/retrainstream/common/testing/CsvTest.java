package io.retrainstream.common.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The vector tests are only as good as their CSV reader. */
class CsvTest {

    @Test
    void quotedFieldsKeepCommasQuotesLineBreaksAndSpaces() {
        String text = "\uFEFFname,value\r\n"
                + "\"a, b\",1\r\n"
                + "\"say \"\"hi\"\"\",2\n"
                + "\"two\nlines\",3\n"
                + "\"  padded  \", x \n"
                + "\"日本語 café\",\n"
                + "\n";
        assertThat(Csv.parse(text))
                .containsExactly(
                        List.of("name", "value"),
                        List.of("a, b", "1"),
                        List.of("say \"hi\"", "2"),
                        List.of("two\nlines", "3"),
                        List.of("  padded  ", " x "),
                        List.of("日本語 café", ""));
    }

    @Test
    void noTrailingLineBreakAndEmptyFields() {
        assertThat(Csv.parse("a,,\"\"\n,b")).containsExactly(List.of("a", "", ""), List.of("", "b"));
    }

    @Test
    void brokenQuotingIsRefused() {
        assertThatThrownBy(() -> Csv.parse("\"open,1\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unterminated");
        assertThatThrownBy(() -> Csv.parse("ab\"c\",1\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("quote inside");
    }
}
