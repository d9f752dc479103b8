package io.retrainstream.common.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.model.View;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The binary events: round trips keep every field and every float bit, and every kind of broken input ends in
 * {@link MalformedEventException} (consumers log and skip those) and never in any other exception.
 */
class EventCodecTest {

    private static final float[] AWKWARD_FLOATS = {
        0f,
        -0f,
        1f,
        -1.5f,
        Float.MIN_VALUE,
        Float.MAX_VALUE,
        -Float.MAX_VALUE,
        Float.MIN_NORMAL,
        1e-40f,
        Float.POSITIVE_INFINITY,
        Float.NEGATIVE_INFINITY,
        Float.NaN,
        3.4028235e38f,
        0.1f,
        (float) Math.PI
    };

    private static BottleneckComputed bottleneck() {
        float[] vector = new float[1001];
        Random random = new Random(42);
        for (int i = 0; i < vector.length; i++) {
            vector[i] = (float) random.nextGaussian();
        }
        System.arraycopy(AWKWARD_FLOATS, 0, vector, 0, AWKWARD_FLOATS.length);
        return new BottleneckComputed(
                "daisy/日本語 photo, 1.jpg",
                "sun flowers",
                "日本語 photo, 1.jpg",
                "mobilenet_0.25_128",
                "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                1_700_000_000_123L,
                1_700_000_000_456L,
                vector,
                java.util.Arrays.copyOf(AWKWARD_FLOATS, 256));
    }

    private static ModelPublished model() {
        List<String> labels = List.of("daisy", "dandelion", "roses", "sunflowers", "tulips");
        int size = 1001;
        float[] weights = new float[size * labels.size()];
        Random random = new Random(7);
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) random.nextGaussian() * 0.01f;
        }
        System.arraycopy(AWKWARD_FLOATS, 0, weights, 100, AWKWARD_FLOATS.length);
        float[] biases = {0.1f, -0.2f, Float.MIN_VALUE, -0f, 1e30f};
        ModelMetrics metrics = new ModelMetrics(
                1_700_000_000_000L,
                4000,
                0.01,
                600,
                0.97,
                0.9,
                100,
                0.885,
                75,
                123_456L,
                "sha256:abc",
                0.01,
                1_699_999_999_000L,
                new long[] {1_699_999_998_000L, 1_699_999_999_000L});
        return new ModelPublished(
                17, "mobilenet_0.25_128", "pooled", labels, size, weights, biases, metrics, 1_700_000_001_000L);
    }

    /** Bit-exact comparison: NaN, -0 and subnormals must survive. */
    private static void assertSameBits(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            assertThat(Float.floatToRawIntBits(actual[i]))
                    .as("float %d", i)
                    .isEqualTo(Float.floatToRawIntBits(expected[i]));
        }
    }

    /** A frame written by hand: magic, type, version, metadata length + bytes, float count + floats. */
    private static byte[] frame(char type, int version, byte[] metadata, int declaredCount, float[] floats) {
        ByteBuffer buffer = ByteBuffer.allocate(4 + 4 + metadata.length + 4 + 4 * floats.length)
                .order(ByteOrder.LITTLE_ENDIAN);
        buffer.put((byte) 'R').put((byte) 'S').put((byte) type).put((byte) version);
        buffer.putInt(metadata.length).put(metadata);
        buffer.putInt(declaredCount);
        for (float f : floats) {
            buffer.putFloat(f);
        }
        return buffer.array();
    }

    private static byte[] frame(char type, String json, float[] floats) {
        return frame(type, 1, json.getBytes(StandardCharsets.UTF_8), floats.length, floats);
    }

    private static void assertMalformed(Function<byte[], ?> decoder, byte[] bytes, String... messageParts) {
        Throwable thrown = catchThrowable(() -> decoder.apply(bytes));
        assertThat(thrown)
                .as("decoding %s", bytes == null ? "null" : bytes.length + " bytes")
                .isInstanceOf(MalformedEventException.class);
        assertThat(thrown.getMessage()).isNotBlank();
        for (String part : messageParts) {
            assertThat(thrown).hasMessageContaining(part);
        }
    }

    /** Malformed for both bottleneck decoders: from a byte array and in place from a buffer. */
    private static void assertBottleneckMalformed(byte[] bytes, String... messageParts) {
        assertMalformed(BottleneckComputed::decode, bytes, messageParts);
        assertMalformed(EventCodecTest::decodeInPlace, bytes, messageParts);
    }

    private static void assertBothMalformed(byte[] bytes, String... messageParts) {
        assertBottleneckMalformed(bytes, messageParts);
        assertMalformed(ModelPublished::decode, bytes, messageParts);
    }

    /** The trainer's way: the event's bytes in the middle of a larger buffer, both layers asked for. */
    private static BottleneckComputed decodeInPlace(byte[] bytes) {
        if (bytes == null) {
            return BottleneckComputed.decode(null, EnumSet.allOf(FeatureLayer.class));
        }
        ByteBuffer larger = ByteBuffer.allocate(bytes.length + 10);
        larger.position(7);
        larger.put(bytes);
        ByteBuffer value = larger.position(7).limit(7 + bytes.length);
        return BottleneckComputed.decode(value, EnumSet.allOf(FeatureLayer.class));
    }

    // ---- round trips ----------------------------------------------------------------------------------------

    @Test
    void bottleneckRoundTripKeepsEveryField() {
        BottleneckComputed event = bottleneck();
        BottleneckComputed decoded = BottleneckComputed.decode(event.encode());
        assertThat(decoded.imageId()).isEqualTo(event.imageId());
        assertThat(decoded.label()).isEqualTo(event.label());
        assertThat(decoded.fileName()).isEqualTo(event.fileName());
        assertThat(decoded.architecture()).isEqualTo(event.architecture());
        assertThat(decoded.contentHash()).isEqualTo(event.contentHash());
        assertThat(decoded.imageTime()).isEqualTo(event.imageTime());
        assertThat(decoded.computedAt()).isEqualTo(event.computedAt());
        assertSameBits(decoded.vector(), event.vector());
        assertSameBits(decoded.pooled(), event.pooled());
        // and encoding is deterministic
        assertThat(decoded.encode()).isEqualTo(event.encode());
    }

    @Test
    void decodingInPlaceReadsOnlyTheLayersAskedForAndLeavesTheBufferAsItWas() {
        BottleneckComputed event = bottleneck();
        byte[] bytes = event.encode();
        ByteBuffer larger = ByteBuffer.allocate(bytes.length + 9);
        larger.position(5).put(bytes);
        ByteBuffer value = larger.position(5).limit(5 + bytes.length);

        BottleneckComputed pooledOnly = BottleneckComputed.decode(value, EnumSet.of(FeatureLayer.POOLED));
        assertThat(value.position()).isEqualTo(5);
        assertThat(value.limit()).isEqualTo(5 + bytes.length);
        assertThat(pooledOnly.vector()).isEmpty();
        assertSameBits(pooledOnly.pooled(), event.pooled());
        assertThat(pooledOnly.imageId()).isEqualTo(event.imageId());
        assertThat(pooledOnly.contentHash()).isEqualTo(event.contentHash());
        assertThat(pooledOnly.imageTime()).isEqualTo(event.imageTime());

        BottleneckComputed both = decodeInPlace(bytes);
        assertSameBits(both.vector(), event.vector());
        assertSameBits(both.pooled(), event.pooled());
        assertThat(both.encode()).isEqualTo(bytes);
        BottleneckComputed vectorOnly =
                BottleneckComputed.decode(ByteBuffer.wrap(bytes), EnumSet.of(FeatureLayer.BOTTLENECK));
        assertSameBits(vectorOnly.vector(), event.vector());
        assertThat(vectorOnly.pooled()).isEmpty();
    }

    @Test
    void theMirrorViewRoundTripsAfterThePooledFeaturesAndDecodesOnlyWhenAskedFor() {
        BottleneckComputed plain = bottleneck();
        float[] mirror = new float[plain.pooled().length];
        for (int i = 0; i < mirror.length; i++) {
            mirror[i] = -i - 0.5f;
        }
        BottleneckComputed event = new BottleneckComputed(
                plain.imageId(),
                plain.label(),
                plain.fileName(),
                plain.architecture(),
                plain.contentHash(),
                plain.imageTime(),
                plain.computedAt(),
                plain.vector(),
                plain.pooled(),
                mirror);
        byte[] bytes = event.encode();
        BottleneckComputed decoded = BottleneckComputed.decode(bytes);
        assertSameBits(decoded.vector(), event.vector());
        assertSameBits(decoded.pooled(), event.pooled());
        assertSameBits(decoded.mirror(), mirror);
        assertThat(decoded.features().hasMirror()).isTrue();
        assertThat(decoded.encode()).isEqualTo(bytes);

        BottleneckComputed pooledOnly =
                BottleneckComputed.decode(ByteBuffer.wrap(bytes), EnumSet.of(FeatureLayer.POOLED));
        assertSameBits(pooledOnly.pooled(), event.pooled());
        assertThat(pooledOnly.mirror()).isEmpty();
        BottleneckComputed views =
                BottleneckComputed.decode(ByteBuffer.wrap(bytes), EnumSet.of(FeatureLayer.POOLED, FeatureLayer.MIRROR));
        assertSameBits(views.mirror(), mirror);
        assertThat(views.vector()).isEmpty();
        assertSameBits(
                BottleneckComputed.decode(ByteBuffer.wrap(bytes), EnumSet.of(FeatureLayer.MIRROR))
                        .mirror(),
                mirror);
        // an event without the view is as before
        assertThat(BottleneckComputed.decode(plain.encode()).mirror()).isEmpty();
    }

    @Test
    void aMirrorThatDoesNotMatchThePooledFeaturesIsMalformed() {
        String json = "{\"imageId\":\"i\",\"label\":\"l\",\"fileName\":\"f\",\"architecture\":\"a\","
                + "\"pooledSize\":2,\"mirrorSize\":%d}";
        float[] floats = {1, 2, 3, 4, 5};
        assertThat(BottleneckComputed.decode(frame('B', String.format(json, 2), floats))
                        .mirror())
                .containsExactly(4, 5);
        assertBottleneckMalformed(frame('B', String.format(json, 1), floats), "1 mirror features for 2 pooled");
        assertBottleneckMalformed(
                frame('B', String.format(json, 2), new float[] {1, 2, 3, 4}), "too few for a vector, 2 pooled");
        assertThatThrownBy(() -> new BottleneckComputed(
                        "a", "b", "c.jpg", "m", null, 0, 0, new float[] {1}, new float[2], new float[3]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mirror's 3 pooled features do not match the 2");
    }

    @Test
    void bottleneckWithoutContentHashRoundTrips() {
        BottleneckComputed event =
                new BottleneckComputed("a", "b", "c.jpg", "mobilenet_0.25_128", null, 0, 0, new float[] {1f}, null);
        BottleneckComputed decoded = BottleneckComputed.decode(event.encode());
        assertThat(decoded.contentHash()).isNull();
        assertSameBits(decoded.vector(), event.vector());
    }

    @Test
    void modelRoundTripKeepsEveryField() {
        ModelPublished event = model();
        ModelPublished decoded = ModelPublished.decode(event.encode());
        assertThat(decoded.version()).isEqualTo(17);
        assertThat(decoded.architecture()).isEqualTo(event.architecture());
        assertThat(decoded.feature()).isEqualTo("pooled");
        assertThat(decoded.labels()).containsExactlyElementsOf(event.labels());
        assertThat(decoded.bottleneckSize()).isEqualTo(event.bottleneckSize());
        assertThat(decoded.metrics()).usingRecursiveComparison().isEqualTo(event.metrics());
        assertThat(decoded.publishedAt()).isEqualTo(event.publishedAt());
        assertSameBits(decoded.weights(), event.weights());
        assertSameBits(decoded.biases(), event.biases());
        assertThat(decoded.key()).isEqualTo("000000000017");
        assertThat(decoded.encode()).isEqualTo(event.encode());
    }

    @Test
    void modelWithoutMetricsRoundTrips() {
        ModelPublished event = new ModelPublished(
                1,
                "mobilenet_0.25_128",
                null,
                List.of("a", "b"),
                2,
                new float[] {1, 2, 3, 4},
                new float[] {5, 6},
                null,
                0);
        ModelPublished decoded = ModelPublished.decode(event.encode());
        assertThat(decoded.metrics()).isNull();
        assertSameBits(decoded.weights(), event.weights());
        assertSameBits(decoded.biases(), event.biases());
    }

    @Test
    void aModelsViewsRoundTripAndAnOlderModelReadsThePhotoAlone() {
        ModelPublished m = model();
        assertThat(m.views()).containsExactly("original");
        ModelPublished mirrored = new ModelPublished(
                m.version(),
                m.architecture(),
                m.feature(),
                m.labels(),
                m.bottleneckSize(),
                m.weights(),
                m.biases(),
                m.metrics(),
                m.publishedAt(),
                List.of("mirror", "original"));
        assertThat(mirrored.views()).containsExactly("original", "mirror");
        ModelPublished decoded = ModelPublished.decode(mirrored.encode());
        assertThat(decoded.views()).containsExactly("original", "mirror");
        assertThat(decoded.head().views()).containsExactly(View.ORIGINAL, View.MIRROR);
        assertThat(decoded.head().mirrored()).isTrue();
        assertThat(ModelPublished.decode(m.encode()).head().mirrored()).isFalse();

        // written before views existed: no "views" in the metadata
        String json = "{\"version\":3,\"architecture\":\"a\",\"feature\":\"pooled\",\"labels\":[\"x\",\"y\"],"
                + "\"bottleneckSize\":1,\"publishedAt\":9%s}";
        float[] floats = {1, 2, 3, 4};
        assertThat(ModelPublished.decode(frame('M', String.format(json, ""), floats))
                        .views())
                .containsExactly("original");
        assertThat(ModelPublished.decode(
                                frame('M', String.format(json, ",\"views\":[\"original\",\"mirror\"]"), floats))
                        .viewList())
                .containsExactly(View.ORIGINAL, View.MIRROR);
        assertMalformed(
                ModelPublished::decode,
                frame('M', String.format(json, ",\"views\":[\"upside-down\"]"), floats),
                "model 3",
                "Unknown view 'upside-down'");
        assertMalformed(
                ModelPublished::decode,
                frame('M', String.format(json, ",\"views\":[\"mirror\"]"), floats),
                "leave out the photo itself");
        assertMalformed(
                ModelPublished::decode,
                frame(
                        'M',
                        String.format(json, ",\"views\":[\"original\",\"mirror\"]")
                                .replace("pooled", "bottleneck"),
                        floats),
                "only a head on the pooled layer has views");
    }

    @Test
    void modelKeysSortLikeVersions() {
        ModelPublished m = model();
        List<String> keys = new ArrayList<>();
        for (long version : new long[] {1, 2, 10, 100, 99_999}) {
            keys.add(new ModelPublished(
                            version,
                            m.architecture(),
                            m.feature(),
                            m.labels(),
                            m.bottleneckSize(),
                            m.weights(),
                            m.biases(),
                            m.metrics(),
                            m.publishedAt())
                    .key());
        }
        assertThat(keys).isSorted();
    }

    @Test
    void handWrittenFrameDecodes() {
        // pins the wire format: other implementations (or older versions of this one) write exactly this
        String json = "{\"imageId\":\"i\",\"label\":\"l\",\"fileName\":\"f.jpg\",\"architecture\":\"a\","
                + "\"contentHash\":\"h\",\"imageTime\":5,\"computedAt\":6,\"someFutureField\":[1,2]}";
        BottleneckComputed decoded = BottleneckComputed.decode(frame('B', json, new float[] {1.5f, -2f}));
        assertThat(decoded.imageId()).isEqualTo("i");
        assertThat(decoded.imageTime()).isEqualTo(5);
        assertThat(decoded.computedAt()).isEqualTo(6);
        assertThat(decoded.vector()).containsExactly(1.5f, -2f);
    }

    @Test
    void encodingsAreFramedAsDocumented() {
        byte[] bytes = bottleneck().encode();
        assertThat(Arrays.copyOf(bytes, 4)).containsExactly('R', 'S', 'B', 1);
        assertThat(Arrays.copyOf(model().encode(), 4)).containsExactly('R', 'S', 'M', 1);
    }

    // ---- malformed input --------------------------------------------------------------------------------------

    @Test
    void nullAndEmptyAreMalformed() {
        assertBothMalformed(null, "null");
        assertBothMalformed(new byte[0]);
        assertBothMalformed(new byte[] {'R'});
        assertBothMalformed(new byte[] {'R', 'S'});
    }

    @Test
    void randomBytesAreMalformed() {
        Random random = new Random(1234);
        for (int i = 0; i < 200; i++) {
            byte[] bytes = new byte[random.nextInt(64)];
            random.nextBytes(bytes);
            assertBothMalformed(bytes);
        }
        assertBothMalformed("hello, this is not an event".getBytes(StandardCharsets.UTF_8), "magic");
        assertBothMalformed("{\"imageId\":\"x\"}".getBytes(StandardCharsets.UTF_8), "magic");
    }

    @Test
    void wrongTypeIsMalformed() {
        assertMalformed(ModelPublished::decode, bottleneck().encode(), "expected event type 'M'", "got 'B'");
        assertBottleneckMalformed(model().encode(), "expected event type 'B'", "got 'M'");
        byte[] bytes = bottleneck().encode();
        bytes[2] = 'X';
        assertBothMalformed(bytes, "'X'");
    }

    @Test
    void unknownFormatVersionIsMalformed() {
        byte[] bytes = bottleneck().encode();
        bytes[3] = 2;
        assertBottleneckMalformed(bytes, "version 2");
    }

    @Test
    void everyTruncationIsMalformed() {
        for (byte[] valid : List.of(bottleneck().encode(), model().encode())) {
            for (int length = 0; length < valid.length; length++) {
                assertBothMalformed(Arrays.copyOf(valid, length));
            }
        }
    }

    @Test
    void trailingBytesAreMalformed() {
        byte[] valid = bottleneck().encode();
        assertBottleneckMalformed(Arrays.copyOf(valid, valid.length + 3), "float count");
        assertBottleneckMalformed(Arrays.copyOf(valid, valid.length + 4), "float count");
    }

    @Test
    void floatCountMismatchIsMalformed() {
        String json = "{\"imageId\":\"i\",\"label\":\"l\",\"fileName\":\"f\",\"architecture\":\"a\"}";
        byte[] meta = json.getBytes(StandardCharsets.UTF_8);
        float[] floats = {1, 2, 3};
        assertBottleneckMalformed(frame('B', 1, meta, 4, floats), "float count 4", "12 bytes");
        assertBottleneckMalformed(frame('B', 1, meta, 2, floats), "float count 2");
        assertBottleneckMalformed(frame('B', 1, meta, -1, floats), "float count -1");
        assertBottleneckMalformed(frame('B', 1, meta, Integer.MAX_VALUE, floats));
        assertBottleneckMalformed(frame('B', 1, meta, Integer.MIN_VALUE, floats));
        assertBottleneckMalformed(frame('B', json, new float[0]), "empty vector");
    }

    @Test
    void metadataLengthOutOfRangeIsMalformed() {
        byte[] valid = bottleneck().encode();
        for (int length : new int[] {-1, Integer.MIN_VALUE, valid.length, Integer.MAX_VALUE}) {
            byte[] bytes = valid.clone();
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(4, length);
            assertBottleneckMalformed(bytes);
        }
    }

    @Test
    void unreadableMetadataIsMalformed() {
        float[] one = {1f};
        assertBottleneckMalformed(frame('B', "", one), "metadata");
        assertBottleneckMalformed(frame('B', "{\"imageId\":", one), "metadata");
        assertBottleneckMalformed(frame('B', "[1,2,3]", one), "metadata");
        assertBottleneckMalformed(frame('B', "\"a string\"", one), "metadata");
        assertMalformed(
                BottleneckComputed::decode, frame('B', "{\"imageId\":\"i\",\"imageTime\":\"soon\"}", one), "metadata");
        assertMalformed(
                BottleneckComputed::decode,
                frame('B', 1, new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'}, 1, one));
        assertMalformed(
                ModelPublished::decode,
                frame('M', "{\"architecture\":\"a\",\"labels\":\"daisy\"," + "\"bottleneckSize\":1}", new float[] {
                    1, 2, 3, 4
                }),
                "metadata");
        assertMalformed(
                ModelPublished::decode,
                frame(
                        'M',
                        "{\"architecture\":\"a\",\"labels\":[\"a\",\"b\"],"
                                + "\"bottleneckSize\":1,\"metrics\":\"good\"}",
                        new float[] {1, 2, 3, 4}),
                "metadata");
    }

    @Test
    void nullMetadataIsMalformed() {
        assertBottleneckMalformed(frame('B', "null", new float[] {1f}), "metadata");
        assertMalformed(ModelPublished::decode, frame('M', "null", new float[] {1f}), "metadata");
    }

    @Test
    void bottleneckMetadataMissingRequiredFieldsIsMalformed() {
        String[] required = {"imageId", "label", "fileName", "architecture"};
        for (String missing : required) {
            StringBuilder json = new StringBuilder("{");
            for (String field : required) {
                if (!field.equals(missing)) {
                    json.append('"').append(field).append("\":\"x\",");
                }
            }
            json.append("\"imageTime\":1}");
            assertMalformed(
                    BottleneckComputed::decode, frame('B', json.toString(), new float[] {1f}), "lacks", missing);
            String withNull = json.toString().replace("{", "{\"" + missing + "\":null,");
            assertBottleneckMalformed(frame('B', withNull, new float[] {1f}), "lacks");
        }
        assertBottleneckMalformed(frame('B', "{}", new float[] {1f}), "lacks");
    }

    @Test
    void modelMetadataMissingRequiredFieldsIsMalformed() {
        float[] four = {1, 2, 3, 4};
        assertMalformed(
                ModelPublished::decode,
                frame('M', "{\"labels\":[\"a\",\"b\"],\"bottleneckSize\":1}", four),
                "architecture");
        assertMalformed(
                ModelPublished::decode, frame('M', "{\"architecture\":\"a\",\"bottleneckSize\":1}", four), "labels");
        assertMalformed(
                ModelPublished::decode,
                frame('M', "{\"architecture\":\"a\",\"labels\":[\"a\"],\"bottleneckSize\":2}", new float[3]),
                "at least 2");
        assertMalformed(
                ModelPublished::decode,
                frame('M', "{\"architecture\":\"a\",\"labels\":[\"a\",\"b\"]}", new float[2]),
                "size");
        assertMalformed(
                ModelPublished::decode,
                frame('M', "{\"architecture\":\"a\",\"labels\":[\"a\",\"b\"],\"bottleneckSize\":-3}", new float[2]),
                "size");
        assertMalformed(ModelPublished::decode, frame('M', "{}", four));
    }

    @Test
    void modelLabelsThatAreNullAreMalformed() {
        assertMalformed(
                ModelPublished::decode,
                frame('M', "{\"architecture\":\"a\",\"labels\":[\"a\",null],\"bottleneckSize\":1}", new float[] {
                    1, 2, 3, 4
                }),
                "label");
    }

    @Test
    void modelWhoseFloatsDoNotFitLabelsTimesSizeIsMalformed() {
        String json = "{\"version\":3,\"architecture\":\"a\",\"labels\":[\"a\",\"b\"],\"bottleneckSize\":3}";
        // 3 x 2 weights + 2 biases = 8
        assertThat(ModelPublished.decode(frame('M', json, new float[8])).weights())
                .hasSize(6);
        assertMalformed(
                ModelPublished::decode, frame('M', json, new float[7]), "model 3", "7 floats", "expected 8", "3 x 2");
        assertMalformed(ModelPublished::decode, frame('M', json, new float[9]), "9 floats", "expected 8");
        assertMalformed(ModelPublished::decode, frame('M', json, new float[6]), "6 floats", "expected 8");
        // a size so large that size x classes overflows an int
        String huge = "{\"version\":4,\"architecture\":\"a\",\"labels\":[\"a\",\"b\",\"c\"],"
                + "\"bottleneckSize\":2147483647}";
        assertMalformed(ModelPublished::decode, frame('M', huge, new float[8]), "expected");
    }

    @Test
    void constructorsRefuseInconsistentModels() {
        assertThatThrownBy(() ->
                        new ModelPublished(1, "a", null, List.of("a", "b"), 2, new float[3], new float[2], null, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("do not fit");
        assertThatThrownBy(() -> new BottleneckComputed(null, "l", "f", "a", null, 0, 0, new float[1], null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("imageId");
    }

    // ---- fuzzing ----------------------------------------------------------------------------------------------

    @Test
    void mutatedEncodingsDecodeOrAreMalformed() {
        Random random = new Random(20_240_601L);
        ModelPublished smallModel = new ModelPublished(
                5,
                "mobilenet_0.25_128",
                null,
                List.of("daisy", "roses", "tulips"),
                4,
                new float[12],
                new float[] {1, 2, 3},
                new ModelMetrics(1, 2, 0.01, 3, 0.5, 0.5, 4, 0.5, 5, 6, "fp"),
                7);
        BottleneckComputed smallBottleneck = new BottleneckComputed(
                "roses/a.jpg",
                "roses",
                "a.jpg",
                "mobilenet_0.25_128",
                "abc",
                1,
                2,
                new float[] {0.5f, -1f, 2f},
                new float[] {4f});
        List<byte[]> seeds = List.of(
                smallBottleneck.encode(), smallModel.encode(), bottleneck().encode());
        int decoded = 0;
        int malformed = 0;
        for (int i = 0; i < 2_000; i++) {
            byte[] mutated = mutate(seeds.get(random.nextInt(seeds.size())), random);
            for (Function<byte[], ?> decoder :
                    List.<Function<byte[], ?>>of(BottleneckComputed::decode, ModelPublished::decode)) {
                try {
                    Object event = decoder.apply(mutated);
                    assertThat(event).isNotNull();
                    decoded++;
                } catch (MalformedEventException e) {
                    assertThat(e.getMessage()).isNotBlank();
                    malformed++;
                } catch (RuntimeException | Error e) {
                    throw new AssertionError(
                            "mutation " + i + " (" + mutated.length + " bytes, starting " + hex(mutated) + ") threw "
                                    + e,
                            e);
                }
            }
        }
        // the mutations are neither all harmless nor all fatal
        assertThat(decoded).isPositive();
        assertThat(malformed).isPositive();
    }

    private static byte[] mutate(byte[] valid, Random random) {
        byte[] bytes = valid.clone();
        int mutations = 1 + random.nextInt(4);
        for (int m = 0; m < mutations; m++) {
            if (bytes.length == 0) {
                return bytes;
            }
            // favour the header and the metadata, where the parsing happens
            int position =
                    random.nextBoolean() ? random.nextInt(Math.min(bytes.length, 200)) : random.nextInt(bytes.length);
            switch (random.nextInt(7)) {
                case 0 -> bytes[position] = (byte) random.nextInt(256);
                case 1 -> bytes[position] ^= (byte) (1 << random.nextInt(8));
                case 2 -> bytes = Arrays.copyOf(bytes, position);
                case 3 -> { // delete a byte
                    byte[] shorter = new byte[bytes.length - 1];
                    System.arraycopy(bytes, 0, shorter, 0, position);
                    System.arraycopy(bytes, position + 1, shorter, position, bytes.length - position - 1);
                    bytes = shorter;
                }
                case 4 -> { // insert a byte
                    byte[] longer = new byte[bytes.length + 1];
                    System.arraycopy(bytes, 0, longer, 0, position);
                    longer[position] = (byte) random.nextInt(256);
                    System.arraycopy(bytes, position, longer, position + 1, bytes.length - position);
                    bytes = longer;
                }
                case 5 -> { // overwrite a length field with something plausible or absurd
                    if (bytes.length >= 8) {
                        int value = random.nextBoolean() ? random.nextInt() : random.nextInt(bytes.length + 8) - 4;
                        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(4, value);
                    }
                }
                default -> { // replace a metadata character with a JSON-significant one
                    byte[] specials = "{}[]\":,-0en \\".getBytes(StandardCharsets.US_ASCII);
                    bytes[position] = specials[random.nextInt(specials.length)];
                }
            }
        }
        return bytes;
    }

    private static String hex(byte[] bytes) {
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < Math.min(bytes.length, 24); i++) {
            hex.append(String.format("%02x", bytes[i]));
        }
        return hex.toString();
    }
}
