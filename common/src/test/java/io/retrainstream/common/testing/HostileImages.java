package io.retrainstream.common.testing;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * A corpus of broken, unusual and hostile image files, made in memory so no test downloads or ships one: what a
 * service must answer clearly without stopping. The decompression bombs are real files (a 13000 x 13000 JPEG of
 * under a megabyte, a PNG of 13000 x 13000 zero rows) that TensorFlow would decode to half a gigabyte.
 */
public final class HostileImages {

    /** What the services must do with an input: extract and classify it, or refuse it with a reason. */
    public enum Expect {
        /** A usable image: a bottleneck, and 200 from {@code /classify}. */
        USABLE,
        /** Refused: a dead letter with a reason, and 4xx from {@code /classify}. */
        REFUSED,
        /** Either, as long as the answer is clear (an odd format TensorFlow may or may not read). */
        EITHER
    }

    /** One input: a name, its bytes, and what to expect. */
    public record Input(String name, byte[] bytes, Expect expect) {
        @Override
        public String toString() {
            return name + " (" + bytes.length + " bytes)";
        }
    }

    private HostileImages() {}

    /** The whole corpus, from {@code photo} (a normal JPEG photo). */
    public static List<Input> corpus(byte[] photo) {
        BufferedImage picture = read(photo);
        List<Input> inputs = new ArrayList<>();
        inputs.add(new Input("zero bytes", new byte[0], Expect.REFUSED));
        inputs.add(new Input("text", "hello, this is not an image\n".getBytes(StandardCharsets.UTF_8), Expect.REFUSED));
        inputs.add(new Input("truncated JPEG (half)", Arrays.copyOf(photo, photo.length / 2), Expect.REFUSED));
        inputs.add(new Input("JPEG cut in its header", Arrays.copyOf(photo, 100), Expect.REFUSED));
        inputs.add(new Input("header-only JPEG 6000x6000", headerOnlyJpeg(6000, 6000), Expect.REFUSED));
        inputs.add(new Input("bit-flipped JPEG", bitFlipped(photo, 7), Expect.EITHER));
        inputs.add(new Input("PNG", encode(picture, "png"), Expect.USABLE));
        inputs.add(new Input("GIF", encode(picture, "gif"), Expect.USABLE));
        inputs.add(new Input("BMP", encode(picture, "bmp"), Expect.USABLE));
        inputs.add(new Input("grayscale JPEG", encode(gray(picture), "jpeg"), Expect.USABLE));
        inputs.add(new Input("CMYK JPEG", cmykJpeg(picture), Expect.EITHER));
        inputs.add(new Input("RGBA PNG", encode(rgba(picture), "png"), Expect.USABLE));
        inputs.add(new Input(
                "1x1 PNG", encode(new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB), "png"), Expect.USABLE));
        inputs.add(new Input("progressive JPEG", progressiveJpeg(picture), Expect.USABLE));
        inputs.add(
                new Input("JPEG bomb 13000x13000 (under TensorFlow's limit)", jpegBomb(13000, 13000), Expect.REFUSED));
        inputs.add(
                new Input("JPEG bomb 16000x16000 (over TensorFlow's limit)", jpegBomb(16000, 16000), Expect.REFUSED));
        inputs.add(new Input(
                "PNG bomb 13000x13000 (under TensorFlow's limit)", pngBomb(13000, 13000, 13000), Expect.REFUSED));
        inputs.add(new Input(
                "PNG bomb 16000x16000 (over TensorFlow's limit)", pngBomb(16000, 16000, 16000), Expect.REFUSED));
        inputs.add(new Input("JPEG 8000x8000 (64 MP, at the budget)", jpegBomb(8000, 8000), Expect.USABLE));
        inputs.add(new Input("PNG 7000x7000 (49 MP, under the budget)", pngBomb(7000, 7000, 7000), Expect.USABLE));
        inputs.add(new Input("GIF of 300 frames 1000x1000", gifBomb(1000, 1000, 300), Expect.REFUSED));
        inputs.add(new Input(
                "JPEG whose first frame header says 16x16, second 13000x13000", twoFrameJpeg(), Expect.REFUSED));
        inputs.add(new Input("PNG whose IHDR says 1x1 over 13000 rows of data", pngBomb(1, 1, 13000), Expect.EITHER));
        return inputs;
    }

    /**
     * A JPEG of {@code photo} (a normal photo) scaled to {@code width x height} as a camera would write it: with a
     * sensor's fine grain (noise of +-4 levels), so that it holds as much entropy-coded data as a real photo of that
     * size (12 MP: about 2 MB at quality 0.9; a smooth upscale would be 0.8 MB and decode faster).
     */
    public static byte[] largePhoto(byte[] photo, int width, int height) {
        BufferedImage source = read(photo);
        BufferedImage large = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        var graphics = large.createGraphics();
        graphics.setRenderingHint(
                java.awt.RenderingHints.KEY_INTERPOLATION, java.awt.RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        graphics.drawImage(source, 0, 0, width, height, null);
        graphics.dispose();
        int[] row = new int[width];
        Random random = new Random(width * 31L + height + photo.length);
        for (int y = 0; y < height; y++) {
            large.getRGB(0, y, width, 1, row, 0, width);
            for (int x = 0; x < width; x++) {
                int grain = random.nextInt(9) - 4;
                int rgb = row[x];
                row[x] = clamp(((rgb >> 16) & 0xff) + grain) << 16
                        | clamp(((rgb >> 8) & 0xff) + grain) << 8
                        | clamp((rgb & 0xff) + grain);
            }
            large.setRGB(0, y, width, 1, row, 0, width);
        }
        return jpeg(large, 0.9f, false);
    }

    private static int clamp(int value) {
        return Math.max(0, Math.min(255, value));
    }

    static BufferedImage read(byte[] bytes) {
        try {
            BufferedImage image = ImageIO.read(new java.io.ByteArrayInputStream(bytes));
            if (image == null) {
                throw new IllegalArgumentException("not an image ImageIO reads");
            }
            return image;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] encode(BufferedImage image, String format) {
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("ImageIO has no " + format + " writer for this image");
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] jpeg(BufferedImage image, float quality, boolean progressive) {
        return writeJpeg(new IIOImage(image, null, null), param -> {
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            if (progressive) {
                param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
            }
        });
    }

    /** {@code image} written by ImageIO's JPEG writer with the parameters {@code setUp} sets. */
    private static byte[] writeJpeg(IIOImage image, java.util.function.Consumer<ImageWriteParam> setUp) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ByteArrayOutputStream out = new ByteArrayOutputStream();
                MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            setUp.accept(param);
            writer.write(null, image, param);
            stream.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
    }

    private static byte[] progressiveJpeg(BufferedImage image) {
        return jpeg(image, 0.9f, true);
    }

    private static BufferedImage gray(BufferedImage image) {
        BufferedImage gray = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_BYTE_GRAY);
        gray.getGraphics().drawImage(image, 0, 0, null);
        return gray;
    }

    private static BufferedImage rgba(BufferedImage image) {
        BufferedImage rgba = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_ARGB);
        var graphics = rgba.createGraphics();
        graphics.drawImage(image, 0, 0, null);
        graphics.setColor(new Color(255, 0, 0, 80));
        graphics.fillRect(0, 0, image.getWidth() / 2, image.getHeight() / 2);
        graphics.dispose();
        return rgba;
    }

    /** A four-channel (CMYK-like) JPEG, written from a raster as ImageIO does for Adobe files. */
    private static byte[] cmykJpeg(BufferedImage image) {
        int width = image.getWidth();
        int height = image.getHeight();
        WritableRaster raster =
                Raster.createInterleavedRaster(java.awt.image.DataBuffer.TYPE_BYTE, width, height, 4, null);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int rgb = image.getRGB(x, y);
                int r = (rgb >> 16) & 0xff;
                int g = (rgb >> 8) & 0xff;
                int b = rgb & 0xff;
                int k = 255 - Math.max(r, Math.max(g, b));
                raster.setPixel(
                        x, y, new int[] {Math.max(0, 255 - r - k), Math.max(0, 255 - g - k), Math.max(0, 255 - b - k), k
                        });
            }
        }
        return writeJpeg(new IIOImage(raster, null, null), param -> {});
    }

    private static byte[] bitFlipped(byte[] photo, long seed) {
        byte[] flipped = photo.clone();
        Random random = new Random(seed);
        for (int i = 0; i < 40; i++) {
            int at = 600 + random.nextInt(flipped.length - 600);
            flipped[at] ^= (byte) (1 << random.nextInt(8));
        }
        return flipped;
    }

    // ---- hand-made JPEGs: one grey component, every 8x8 block the same --------------------------------------------

    /**
     * A real baseline JPEG of {@code width x height} grey pixels: Huffman tables with one code each (DC difference 0,
     * end of block), so every block costs two bits and 13000 x 13000 pixels fit in 660 KB.
     */
    public static byte[] jpegBomb(int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0xff, (byte) 0xd8});
        writeJpegTables(out);
        writeFrameHeader(out, width, height);
        writeScan(out, width, height);
        out.writeBytes(new byte[] {(byte) 0xff, (byte) 0xd9});
        return out.toByteArray();
    }

    /** A JPEG that ends after its frame header: the header promises what the file does not hold. */
    public static byte[] headerOnlyJpeg(int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0xff, (byte) 0xd8});
        writeJpegTables(out);
        writeFrameHeader(out, width, height);
        return out.toByteArray();
    }

    /** Two frame headers before the scan, a small one first: a reader that stops at the first is fooled. */
    private static byte[] twoFrameJpeg() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0xff, (byte) 0xd8});
        writeJpegTables(out);
        writeFrameHeader(out, 16, 16);
        writeFrameHeader(out, 13000, 13000);
        writeScan(out, 13000, 13000);
        out.writeBytes(new byte[] {(byte) 0xff, (byte) 0xd9});
        return out.toByteArray();
    }

    private static void writeJpegTables(ByteArrayOutputStream out) {
        byte[] dqt = new byte[65];
        Arrays.fill(dqt, (byte) 1);
        dqt[0] = 0;
        segment(out, 0xdb, dqt);
        // DC table 0 and AC table 0: one code of length 1 each (symbol 0: difference 0 / end of block)
        byte[] dht = new byte[17 + 1];
        dht[1] = 1;
        dht[17] = 0;
        dht[0] = 0x00;
        segment(out, 0xc4, dht);
        byte[] ac = dht.clone();
        ac[0] = 0x10;
        segment(out, 0xc4, ac);
    }

    private static void writeFrameHeader(ByteArrayOutputStream out, int width, int height) {
        segment(out, 0xc0, new byte[] {
            8, (byte) (height >> 8), (byte) height, (byte) (width >> 8), (byte) width, 1, 1, 0x11, 0
        });
    }

    private static void writeScan(ByteArrayOutputStream out, int width, int height) {
        segment(out, 0xda, new byte[] {1, 1, 0x00, 0, 63, 0});
        long blocks = (long) ((width + 7) / 8) * ((height + 7) / 8);
        long bytes = (blocks * 2 + 7) / 8;
        out.writeBytes(new byte[(int) bytes]);
    }

    private static void segment(ByteArrayOutputStream out, int marker, byte[] data) {
        int length = data.length + 2;
        out.writeBytes(new byte[] {(byte) 0xff, (byte) marker, (byte) (length >> 8), (byte) length});
        out.writeBytes(data);
    }

    // ---- hand-made PNGs and GIFs --------------------------------------------------------------------------------

    /**
     * A real RGB PNG whose IHDR says {@code width x height} and whose data holds {@code rows} rows of
     * {@code width} black pixels (fewer or more than the header says, for lying headers), deflated at level 9.
     */
    public static byte[] pngBomb(int width, int height, int rows) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13)
                .putInt(width)
                .putInt(height)
                .put((byte) 8)
                .put((byte) 2)
                .put((byte) 0)
                .put((byte) 0)
                .put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        Deflater deflater = new Deflater(9);
        try (DeflaterOutputStream zip = new DeflaterOutputStream(idat, deflater, 1 << 16)) {
            byte[] row = new byte[1 + 3 * width];
            for (int y = 0; y < rows; y++) {
                zip.write(row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deflater.end();
        }
        chunk(out, "IDAT", idat.toByteArray());
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(name);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(name);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    /**
     * A GIF of {@code frames} frames of {@code width x height}, each a few bytes of LZW data (a clear code then the
     * end code: giflib still allocates every frame in full).
     */
    public static byte[] gifBomb(int width, int height, int frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("GIF89a".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(
                new byte[] {(byte) width, (byte) (width >> 8), (byte) height, (byte) (height >> 8), (byte) 0x80, 0, 0});
        out.writeBytes(new byte[] {0, 0, 0, (byte) 255, (byte) 255, (byte) 255});
        for (int f = 0; f < frames; f++) {
            out.writeBytes(new byte[] {
                0x2c, 0, 0, 0, 0, (byte) width, (byte) (width >> 8), (byte) height, (byte) (height >> 8), 0
            });
            // LZW minimum code size 2; one sub-block: clear (4) then end (5) in 3-bit codes
            out.writeBytes(new byte[] {2, 1, 0x2c, 0});
        }
        out.write(0x3b);
        return out.toByteArray();
    }
}
