package io.retrainstream.common.tf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.retrainstream.common.testing.HostileImages;
import io.retrainstream.common.testing.SharedData;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Image sizes read from headers alone, and the pixel budget that refuses images before any decode. */
class ImageHeaderTest {

    private static final byte[] PHOTO =
            SharedData.read(SharedData.flowerPhotos("daisy", 1).get(0));

    @Test
    void readsTheSizeOfEveryFormatFromItsHeader() {
        var picture = HostileImages.largePhoto(PHOTO, 321, 203);
        var image = new java.awt.image.BufferedImage(321, 203, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (String format : List.of("png", "gif", "bmp")) {
            ImageHeader header = ImageHeader.read(HostileImages.encode(image, format));
            assertThat(header.format()).isEqualTo(format);
            assertThat(List.of(header.width(), header.height())).as(format).containsExactly(321, 203);
        }
        ImageHeader jpeg = ImageHeader.read(picture);
        assertThat(List.of(jpeg.format(), jpeg.width(), jpeg.height(), jpeg.multiScan()))
                .containsExactly("jpeg", 321, 203, false);
        ImageHeader bomb = ImageHeader.read(HostileImages.jpegBomb(13000, 12000));
        assertThat(List.of(bomb.width(), bomb.height())).containsExactly(13000, 12000);
        ImageHeader png = ImageHeader.read(HostileImages.pngBomb(16000, 15000, 1));
        assertThat(png.pixels()).isEqualTo(16000L * 15000);
    }

    @Test
    void aJpegDecodesAtTheSmallestScaleThatStillCoversTheInput() {
        ImageHeader phone = ImageHeader.read(HostileImages.jpegBomb(4000, 3000));
        assertThat(phone.decodeRatio(224)).isEqualTo(8);
        assertThat(phone.decodedPixels(224)).isEqualTo(500L * 375);
        assertThat(phone.decodeRatio(299)).isEqualTo(8);
        assertThat(ImageHeader.read(HostileImages.jpegBomb(1000, 800)).decodeRatio(224))
                .isEqualTo(2);
        assertThat(ImageHeader.read(HostileImages.jpegBomb(320, 240)).decodeRatio(224))
                .isEqualTo(1);
        assertThat(ImageHeader.read(HostileImages.pngBomb(4000, 3000, 1)).decodeRatio(224))
                .isEqualTo(1);
    }

    @Test
    void imagesOverTheBudgetAreRefusedNamingSizeAndLimit() {
        ImageLimits limits = ImageLimits.DEFAULT;
        assertThatThrownBy(() -> limits.check(HostileImages.jpegBomb(13000, 13000), 224))
                .isInstanceOf(ImageTooLargeException.class)
                .hasMessageContaining("13000 x 13000")
                .hasMessageContaining("169.0 megapixels")
                .hasMessageContaining("limit of 64.0 megapixels")
                .hasMessageContaining("retrain.max-image-pixels");
        assertThatThrownBy(() -> limits.check(HostileImages.pngBomb(13000, 13000, 1), 224))
                .isInstanceOf(ImageTooLargeException.class);
        assertThat(limits.check(HostileImages.jpegBomb(8000, 8000), 224).pixels())
                .isEqualTo(64_000_000L);
        assertThat(limits.check(HostileImages.pngBomb(7000, 7000, 1), 224).decodeBytes(224))
                .isEqualTo(3L * 7000 * 7000);
        assertThatThrownBy(() -> new ImageLimits(1000).check(PHOTO, 224)).isInstanceOf(ImageTooLargeException.class);
    }

    @Test
    void headersThatHideTheirSizeDoNotPass() {
        // A GIF's frames are all decoded, whatever its screen says
        assertThatThrownBy(() -> ImageLimits.DEFAULT.check(HostileImages.gifBomb(1000, 1000, 300), 224))
                .isInstanceOf(ImageTooLargeException.class)
                .hasMessageContaining("screen and frames");
        // A second, larger frame header behind a small one
        HostileImages.Input twoFrames = HostileImages.corpus(PHOTO).stream()
                .filter(input -> input.name().startsWith("JPEG whose first frame header"))
                .findFirst()
                .orElseThrow();
        assertThatThrownBy(() -> ImageLimits.DEFAULT.check(twoFrames.bytes(), 224))
                .isInstanceOf(ImageTooLargeException.class)
                .hasMessageContaining("13000 x 13000");
    }

    @Test
    void anyCorruptionOfAHeaderGivesADecodeErrorNeverAnotherException() {
        Random random = new Random(11);
        List<byte[]> seeds = List.of(
                PHOTO,
                HostileImages.pngBomb(50, 40, 40),
                HostileImages.gifBomb(30, 20, 3),
                HostileImages.encode(new java.awt.image.BufferedImage(9, 7, 1), "bmp"),
                HostileImages.jpegBomb(300, 200));
        for (byte[] seed : seeds) {
            for (int trial = 0; trial < 2000; trial++) {
                byte[] bytes = trial % 2 == 0
                        ? Arrays.copyOf(seed, 2 + random.nextInt(Math.min(seed.length, 700)))
                        : seed.clone();
                for (int flips = 0; flips < 1 + random.nextInt(6); flips++) {
                    int at = 2 + random.nextInt(Math.min(bytes.length - 2, 400) + 1) - 1;
                    if (at >= 2 && at < bytes.length) {
                        bytes[at] = (byte) random.nextInt(256);
                    }
                }
                try {
                    ImageHeader header = ImageLimits.DEFAULT.check(bytes, 224);
                    assertThat(header.width()).isPositive();
                    assertThat(header.height()).isPositive();
                } catch (ImageDecodeException expected) {
                    assertThat(expected.getMessage()).isNotBlank();
                }
            }
        }
    }
}
