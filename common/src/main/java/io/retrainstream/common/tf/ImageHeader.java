package io.retrainstream.common.tf;

/**
 * What an encoded image will cost to decode, read from its headers alone: no pixel is decoded and nothing is
 * allocated for them. Reads the structures TensorFlow's decoders size their buffers from: the JPEG frame header (SOF)
 * and first scan header, the PNG IHDR, the GIF logical screen and every frame's image descriptor, the BMP info header.
 *
 * <p>Lengths in the file are checked against the bytes there are, so a header cannot make this read out of bounds;
 * where a file declares a size more than once (a JPEG with several frame headers, a GIF's screen and its frames) the
 * largest counts, so that a small first header cannot hide a large image behind it.
 *
 * @param format        {@code jpeg}, {@code png}, {@code gif} or {@code bmp}
 * @param width         the image's width in pixels (for a GIF, the widest extent of its screen and frames)
 * @param height        the image's height in pixels
 * @param pixels        the pixels the decoder produces or buffers: width x height, or for a GIF the screen plus every
 *                      frame (the decoder reads them all)
 * @param multiScan     a progressive or multi-scan JPEG, which the decoder buffers whole at full size whatever the
 *                      output scale
 * @param coefficientBytes for a multi-scan JPEG, the bytes of its buffered DCT coefficients; 0 otherwise
 */
public record ImageHeader(String format, int width, int height, long pixels, boolean multiScan, long coefficientBytes) {

    /** Scales at which TensorFlow's {@code DecodeJpeg} can decode ({@code ratio}), largest first. */
    static final int[] JPEG_RATIOS = {8, 4, 2, 1};

    /** Bytes per decoded pixel: the decoders write 3 channels of 8 bits. */
    static final int BYTES_PER_PIXEL = 3;

    /** The header of {@code bytes}; throws {@link ImageDecodeException} naming what is wrong or missing. */
    public static ImageHeader read(byte[] bytes) {
        String format = ImageFormats.require(bytes);
        ImageHeader header =
                switch (format) {
                    case "jpeg" -> jpeg(bytes);
                    case "png" -> png(bytes);
                    case "gif" -> gif(bytes);
                    default -> bmp(bytes);
                };
        if (header.width <= 0 || header.height <= 0) {
            throw new ImageDecodeException(
                    "the " + format.toUpperCase() + " header gives no size (" + header.width + " x " + header.height
                            + ")",
                    null);
        }
        return header;
    }

    /**
     * The scale TensorFlow decodes this image at when the CNN takes {@code minSide} pixels: for a JPEG the largest of
     * 8, 4, 2 at which both sides stay at least {@code minSide} (libjpeg rounds scaled sides up), else 1. The graph
     * computes the same rule from the same header ({@code FeatureGraph.decode}).
     */
    public int decodeRatio(int minSide) {
        return ratio(format, width, height, minSide);
    }

    static int ratio(String format, long width, long height, int minSide) {
        if (!"jpeg".equals(format)) {
            return 1;
        }
        long shorter = Math.min(width, height);
        for (int ratio : JPEG_RATIOS) {
            if (ceilDiv(shorter, ratio) >= minSide) {
                return ratio;
            }
        }
        return 1;
    }

    /** The decoded image's pixels at {@link #decodeRatio}. */
    public long decodedPixels(int minSide) {
        int ratio = decodeRatio(minSide);
        return ceilDiv(width, ratio) * ceilDiv(height, ratio);
    }

    /**
     * Memory the decoder needs for this image when the CNN takes {@code minSide} pixels: its output (3 bytes a pixel at
     * the decode scale), plus a multi-scan JPEG's coefficient buffer, plus a GIF's frames (a byte a pixel each).
     */
    public long decodeBytes(int minSide) {
        long output = BYTES_PER_PIXEL * decodedPixels(minSide);
        if ("gif".equals(format)) {
            return output + (pixels - (long) width * height);
        }
        return output + coefficientBytes;
    }

    // ---- JPEG ----------------------------------------------------------------------------------------------------

    /**
     * Walks the marker segments up to the first scan, as libjpeg's {@code jpeg_read_header} does: every frame header
     * (SOF) in them and the first scan header (SOS). Application segments (EXIF thumbnails) are skipped whole, so a
     * frame header inside one is not mistaken for the image's.
     */
    private static ImageHeader jpeg(byte[] b) {
        int pos = 2;
        int width = 0;
        int height = 0;
        boolean progressive = false;
        int components = 0;
        int[] horizontal = new int[0];
        int[] vertical = new int[0];
        int scanComponents = -1;
        boolean truncated = false;
        while (pos < b.length) {
            // libjpeg skips stray bytes before a marker (with a warning): so does this
            while (pos < b.length && (b[pos] & 0xff) != 0xff) {
                pos++;
            }
            while (pos < b.length && (b[pos] & 0xff) == 0xff) {
                pos++;
            }
            if (pos >= b.length) {
                break;
            }
            int marker = b[pos++] & 0xff;
            if (marker == 0xd8 || marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
                continue;
            }
            if (marker == 0xd9) {
                break;
            }
            if (pos + 2 > b.length) {
                break;
            }
            int length = u16be(b, pos);
            if (length < 2 || pos + length > b.length) {
                truncated = true;
                break;
            }
            int data = pos + 2;
            if (isFrameHeader(marker)) {
                if (length < 8) {
                    throw jpegError("a frame header (SOF) is too short");
                }
                int h = u16be(b, data + 1);
                int w = u16be(b, data + 3);
                int n = b[data + 5] & 0xff;
                if (length < 8 + 3 * n) {
                    throw jpegError("a frame header (SOF) is shorter than its components");
                }
                if ((long) w * h >= (long) width * height) {
                    width = w;
                    height = h;
                    components = n;
                    horizontal = new int[n];
                    vertical = new int[n];
                    for (int c = 0; c < n; c++) {
                        int sampling = b[data + 6 + 3 * c + 1] & 0xff;
                        horizontal[c] = Math.max(1, sampling >> 4);
                        vertical[c] = Math.max(1, sampling & 0x0f);
                    }
                }
                progressive |= marker == 0xc2 || marker == 0xc6 || marker == 0xca || marker == 0xce;
            } else if (marker == 0xda) {
                scanComponents = length > 2 ? b[data] & 0xff : 0;
                break;
            }
            pos += length;
        }
        if (width == 0 && height == 0 && components == 0) {
            throw jpegError(
                    truncated
                            ? "the file ends before its frame header (SOF): it is cut short"
                            : "no frame header (SOF) before the image data");
        }
        boolean multiScan = progressive || (scanComponents >= 0 && scanComponents < components);
        long coefficients = 0;
        if (multiScan) {
            int maxH = 1;
            int maxV = 1;
            for (int c = 0; c < components; c++) {
                maxH = Math.max(maxH, horizontal[c]);
                maxV = Math.max(maxV, vertical[c]);
            }
            for (int c = 0; c < components; c++) {
                long blocksWide = ceilDiv(ceilDiv((long) width * horizontal[c], maxH), 8);
                long blocksHigh = ceilDiv(ceilDiv((long) height * vertical[c], maxV), 8);
                coefficients += blocksWide * blocksHigh * 64 * 2;
            }
        }
        return new ImageHeader("jpeg", width, height, (long) width * height, multiScan, coefficients);
    }

    /** SOF0-3, 5-7, 9-11, 13-15; not DHT (C4), JPG (C8) or DAC (CC). */
    private static boolean isFrameHeader(int marker) {
        return marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
    }

    private static ImageDecodeException jpegError(String what) {
        return new ImageDecodeException("not a readable JPEG: " + what, null);
    }

    // ---- PNG -----------------------------------------------------------------------------------------------------

    /** The IHDR chunk, which the format requires first and libpng sizes everything from. */
    private static ImageHeader png(byte[] b) {
        if (b.length < 24 || b[12] != 'I' || b[13] != 'H' || b[14] != 'D' || b[15] != 'R') {
            throw new ImageDecodeException("not a readable PNG: no IHDR chunk first", null);
        }
        long width = u32be(b, 16);
        long height = u32be(b, 20);
        if (width > Integer.MAX_VALUE || height > Integer.MAX_VALUE) {
            throw new ImageDecodeException("not a readable PNG: IHDR gives " + width + " x " + height, null);
        }
        return new ImageHeader("png", (int) width, (int) height, width * height, false, 0);
    }

    // ---- GIF -----------------------------------------------------------------------------------------------------

    /**
     * The logical screen and every image descriptor: the decoder reads all frames into memory (a byte a pixel each)
     * even when only the first is used, so a GIF costs its screen plus all its frames.
     */
    private static ImageHeader gif(byte[] b) {
        if (b.length < 13) {
            throw new ImageDecodeException("not a readable GIF: the screen descriptor is cut short", null);
        }
        int width = u16le(b, 6);
        int height = u16le(b, 8);
        int pos = 13 + colorTable(b[10]);
        long framePixels = 0;
        int frames = 0;
        while (pos < b.length) {
            int block = b[pos++] & 0xff;
            if (block == 0x3b) {
                break;
            } else if (block == 0x21) {
                pos = skipSubBlocks(b, pos + 1);
            } else if (block == 0x2c) {
                if (pos + 9 > b.length) {
                    break;
                }
                int left = u16le(b, pos);
                int top = u16le(b, pos + 2);
                int w = u16le(b, pos + 4);
                int h = u16le(b, pos + 6);
                width = Math.max(width, left + w);
                height = Math.max(height, top + h);
                framePixels += (long) w * h;
                frames++;
                pos += 9 + colorTable(b[pos + 8]);
                pos = skipSubBlocks(b, pos + 1);
            } else {
                break;
            }
        }
        if (frames == 0) {
            throw new ImageDecodeException("not a readable GIF: it has no image", null);
        }
        return new ImageHeader("gif", width, height, (long) width * height + framePixels, false, 0);
    }

    private static int colorTable(byte flags) {
        return (flags & 0x80) != 0 ? 3 * (1 << ((flags & 0x07) + 1)) : 0;
    }

    private static int skipSubBlocks(byte[] b, int pos) {
        while (pos < b.length) {
            int size = b[pos] & 0xff;
            pos += 1 + size;
            if (size == 0) {
                break;
            }
        }
        return pos;
    }

    // ---- BMP -----------------------------------------------------------------------------------------------------

    /** The DIB header: 12-byte core headers give 16-bit sizes, the others 32-bit (a negative height is top-down). */
    private static ImageHeader bmp(byte[] b) {
        if (b.length < 26) {
            throw new ImageDecodeException("not a readable BMP: the header is cut short", null);
        }
        long headerSize = u32le(b, 14);
        long width;
        long height;
        if (headerSize == 12) {
            width = u16le(b, 18);
            height = u16le(b, 20);
        } else {
            width = Math.abs((long) (int) u32le(b, 18));
            height = Math.abs((long) (int) u32le(b, 22));
        }
        if (width > Integer.MAX_VALUE || height > Integer.MAX_VALUE) {
            throw new ImageDecodeException("not a readable BMP: the header gives " + width + " x " + height, null);
        }
        return new ImageHeader("bmp", (int) width, (int) height, width * height, false, 0);
    }

    // ---- bytes ---------------------------------------------------------------------------------------------------

    private static long ceilDiv(long value, long divisor) {
        return (value + divisor - 1) / divisor;
    }

    private static int u16be(byte[] b, int pos) {
        return ((b[pos] & 0xff) << 8) | (b[pos + 1] & 0xff);
    }

    private static int u16le(byte[] b, int pos) {
        return (b[pos] & 0xff) | ((b[pos + 1] & 0xff) << 8);
    }

    private static long u32be(byte[] b, int pos) {
        return ((long) u16be(b, pos) << 16) | u16be(b, pos + 2);
    }

    private static long u32le(byte[] b, int pos) {
        return u16le(b, pos) | ((long) u16le(b, pos + 2) << 16);
    }
}
