package io.retrainstream.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** The image event every publisher makes, and the checks on what a request names. */
class ImageRecordsTest {

    @Test
    void anImageEventIsKeyedByClassAndFileWithBothHeaders() {
        byte[] image = {(byte) 0xff, (byte) 0xd8, 1, 2};
        ProducerRecord<String, byte[]> record = ImageRecords.of("Wild Roses", "a b.jpg", image);
        assertThat(record.topic()).isEqualTo(Topics.IMAGES);
        assertThat(record.key()).isEqualTo("Wild Roses/a b.jpg");
        assertThat(record.value()).isSameAs(image);
        assertThat(new String(record.headers().lastHeader(Topics.LABEL).value(), StandardCharsets.UTF_8))
                .isEqualTo("Wild Roses");
        assertThat(new String(record.headers().lastHeader(Topics.FILENAME).value(), StandardCharsets.UTF_8))
                .isEqualTo("a b.jpg");
    }

    @Test
    void aClassNameNeedsALetterOrDigitAndNoSlashOrControlCharacter() {
        assertThat(ImageRecords.checkLabel("  daisy ")).isEqualTo("daisy");
        assertThat(ImageRecords.checkLabel("Wild Roses-2")).isEqualTo("Wild Roses-2");
        assertThat(ImageRecords.checkLabel("x".repeat(100))).hasSize(100);
        assertThatThrownBy(() -> ImageRecords.checkLabel(null)).hasMessageContaining("A class name is needed");
        assertThatThrownBy(() -> ImageRecords.checkLabel(" \t")).hasMessageContaining("A class name is needed");
        assertThatThrownBy(() -> ImageRecords.checkLabel("-- !")).hasMessageContaining("no letter or digit");
        assertThatThrownBy(() -> ImageRecords.checkLabel("a/b")).hasMessageContaining("a slash");
        assertThatThrownBy(() -> ImageRecords.checkLabel("a\\b")).hasMessageContaining("a slash");
        assertThatThrownBy(() -> ImageRecords.checkLabel("a\u0000b")).hasMessageContaining("\\u0000");
        assertThatThrownBy(() -> ImageRecords.checkLabel("x".repeat(101))).hasMessageContaining("at most 100");
    }

    @Test
    void anUploadedFileNameKeepsItsLastSegmentOnly() {
        assertThat(ImageRecords.safeFileName("daisy.jpg", "f.jpg")).isEqualTo("daisy.jpg");
        assertThat(ImageRecords.safeFileName("../../etc/passwd", "f.jpg")).isEqualTo("passwd");
        assertThat(ImageRecords.safeFileName("C:\\photos\\rose.png", "f.jpg")).isEqualTo("rose.png");
        assertThat(ImageRecords.safeFileName("a\nb.jpg", "f.jpg")).isEqualTo("a_b.jpg");
        for (String empty : new String[] {null, "", "  ", "..", ".", "dir/"}) {
            assertThat(ImageRecords.safeFileName(empty, "upload-1.jpg")).isEqualTo("upload-1.jpg");
        }
        assertThat(ImageRecords.safeFileName("x".repeat(300) + ".jpg", "f.jpg"))
                .hasSize(200)
                .endsWith(".jpg");
    }
}
