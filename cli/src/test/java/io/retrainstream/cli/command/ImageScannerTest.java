package io.retrainstream.cli.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.retrainstream.cli.CliException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageScannerTest {

    @TempDir
    Path dir;

    private void file(String relative) throws Exception {
        Path path = dir.resolve(relative);
        Files.createDirectories(path.getParent());
        Files.write(path, new byte[] {1, 2, 3});
    }

    @Test
    void eachSubFolderIsAClassOfTheImagesDirectlyInIt() throws Exception {
        file("roses/b.JPG");
        file("roses/a.jpeg");
        file("roses/notes.txt");
        file("roses/nested/deep.jpg");
        file("daisy/1.png");
        file("daisy/2.Gif");
        file("daisy/3.bmp");
        file("daisy/README");
        file("top-level.jpg");
        file(".hidden/x.jpg");
        Files.createDirectories(dir.resolve("empty"));

        List<ImageScanner.ClassFolder> classes = ImageScanner.scan(dir);

        assertThat(classes).extracting(ImageScanner.ClassFolder::name).containsExactly("daisy", "empty", "roses");
        assertThat(classes.get(0).images())
                .extracting(p -> p.getFileName().toString())
                .containsExactly("1.png", "2.Gif", "3.bmp");
        assertThat(classes.get(1).images()).isEmpty();
        assertThat(classes.get(2).images())
                .extracting(p -> p.getFileName().toString())
                .containsExactly("a.jpeg", "b.JPG");
        assertThat(ImageScanner.imageId(classes.get(2), classes.get(2).images().get(1)))
                .isEqualTo("roses/b.JPG");
    }

    @Test
    void contentTypeFollowsTheExtension() {
        assertThat(ImageScanner.contentType(Path.of("a.JPG"))).isEqualTo("image/jpeg");
        assertThat(ImageScanner.contentType(Path.of("a.jpeg"))).isEqualTo("image/jpeg");
        assertThat(ImageScanner.contentType(Path.of("a.png"))).isEqualTo("image/png");
        assertThat(ImageScanner.contentType(Path.of("a.gif"))).isEqualTo("image/gif");
        assertThat(ImageScanner.contentType(Path.of("a.BMP"))).isEqualTo("image/bmp");
        assertThat(ImageScanner.contentType(Path.of("a"))).isEqualTo("application/octet-stream");
    }

    @Test
    void publishRefusesADirWithoutClassFoldersOrImages() throws Exception {
        assertThatThrownBy(() -> PublishCommand.scanImageDir(dir.resolve("missing")))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("does not exist");
        file("loose.jpg");
        assertThatThrownBy(() -> PublishCommand.scanImageDir(dir))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("no class folders");
        file("daisy/notes.txt");
        assertThatThrownBy(() -> PublishCommand.scanImageDir(dir))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("hold no images");
    }
}
