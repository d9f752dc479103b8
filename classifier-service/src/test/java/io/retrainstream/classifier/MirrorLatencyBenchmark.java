package io.retrainstream.classifier;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.model.View;
import io.retrainstream.common.testing.KafkaBrokerResource;
import io.retrainstream.common.testing.SharedData;
import io.retrainstream.common.tf.DecodeBudget;
import io.retrainstream.common.tf.FeatureExtractor;
import io.retrainstream.common.tf.ImageLimits;
import io.retrainstream.common.tf.ParallelRuns;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Not a test (Surefire skips it by name): {@code POST /classify} latency of one flower photo, sequential requests, by a
 * plain model and by a model with the views [original, mirror] on the same CNN, in alternating rounds so that the
 * machine's load falls on both alike. Prints p50 and p95 in ms, and the requests per second of 8 clients at once (each
 * sends 20: 10 warm-up, 10 more, all counted); note {@code uptime} beside the figures.
 *
 * <pre>
 * ./mvnw -B -ntp -o verify -pl common,classifier-service -Dtest=MirrorLatencyBenchmark \
 *        -Dsurefire.failIfNoSpecifiedTests=false [-Dbenchmark.architecture=mobilenet_0.50_224_quantized] \
 *        [-Dbenchmark.requests=200] [-Dbenchmark.rounds=4]
 * </pre>
 */
@QuarkusTest
@TestProfile(MirrorLatencyBenchmark.OwnBroker.class)
@QuarkusTestResource(KafkaBrokerResource.class)
class MirrorLatencyBenchmark {

    /** Its own application and broker. */
    public static class OwnBroker implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // production batching (the tests' max-batch is 4) and no min-score
            return Map.of("retrain.classifier.max-batch", "16", "retrain.classifier.min-score", "0");
        }
    }

    private static final int CLIENTS = 8;
    private static final List<String> LABELS = List.of("daisy", "dandelion", "roses", "sunflowers", "tulips");

    @Test
    void printsLatency() {
        String name = System.getProperty("benchmark.architecture", "mobilenet_0.50_224_quantized");
        int requests = Integer.getInteger("benchmark.requests", 200);
        int rounds = Integer.getInteger("benchmark.rounds", 4);
        byte[] photo = SharedData.read(SharedData.flowerPhotos("daisy", 1).get(0));
        Architecture architecture = Architecture.of(name);
        List<Long> plain = new ArrayList<>();
        List<Long> plainOwnCnn = new ArrayList<>();
        List<Long> mirrored = new ArrayList<>();
        double[] throughput = new double[3];
        long version = 0;
        for (int round = 0; round < rounds; round++) {
            // the first plain model runs on a CNN without the mirror copy (and on a JVM just warmed up), the later ones
            // share the mirrored one
            long plainVersion = publish(++version, architecture, View.ORIGINAL_ONLY);
            if (round == 0) {
                // the JVM's and the HTTP stack's own warm-up, unmeasured
                measure(plainVersion, photo, 100, new ArrayList<>());
            }
            measure(plainVersion, photo, requests / rounds, round == 0 ? plainOwnCnn : plain);
            throughput[round == 0 ? 0 : 1] += concurrent(plainVersion, photo) / (round == 0 ? 1 : rounds - 1);
            long mirroredVersion = publish(++version, architecture, List.of(View.ORIGINAL, View.MIRROR));
            measure(mirroredVersion, photo, requests / rounds, mirrored);
            throughput[2] += concurrent(mirroredVersion, photo) / rounds;
        }
        System.out.printf(
                "%n/classify latency, one %d-byte photo, %s, sequential, %d requests per model in %d rounds%n",
                photo.length, name, mirrored.size(), rounds);
        System.out.printf("%-22s %8s %8s %8s %14s%n", "views", "p50 ms", "p95 ms", "mean ms", CLIENTS + " clients/s");
        System.out.println(row("original, first round", plainOwnCnn, throughput[0]));
        System.out.println(row("original (shared)", plain, throughput[1]));
        System.out.println(row("original,mirror", mirrored, throughput[2]));
    }

    /**
     * The CNN's share of it: one photo through an extractor built as the classifier builds it, without and with the
     * mirror copy, its pooled layer alone (a plain model) and every layer with the mirror (a mirrored model).
     */
    @Test
    void printsCnnTime() {
        String name = System.getProperty("benchmark.architecture", "mobilenet_0.50_224_quantized");
        int requests = Integer.getInteger("benchmark.requests", 200);
        Architecture architecture = Architecture.of(name);
        java.nio.file.Path graph = io.retrainstream.common.model.ModelFiles.locateGraph(
                architecture, java.util.Optional.of(SharedData.models()));
        List<byte[]> photo =
                List.of(SharedData.read(SharedData.flowerPhotos("daisy", 1).get(0)));
        ParallelRuns parallel = ParallelRuns.orPerCore(0);
        DecodeBudget budget = new DecodeBudget(ImageLimits.DEFAULT, architecture.inputSize());
        try (FeatureExtractor plain = new FeatureExtractor(architecture, graph, 8, parallel, budget, false);
                FeatureExtractor mirror = new FeatureExtractor(architecture, graph, 8, parallel, budget, true)) {
            plain.warmUp();
            mirror.warmUp();
            long[][] nanos = new long[3][requests];
            for (int i = -20; i < requests; i++) {
                long start = System.nanoTime();
                plain.extract(photo, FeatureLayer.POOLED);
                long second = System.nanoTime();
                mirror.extract(photo, FeatureLayer.POOLED);
                long third = System.nanoTime();
                assertThat(mirror.extract(photo).get(0).hasMirror()).isTrue();
                long end = System.nanoTime();
                if (i >= 0) {
                    nanos[0][i] = second - start;
                    nanos[1][i] = third - second;
                    nanos[2][i] = end - third;
                }
            }
            System.out.printf("%nCNN time of one photo, %s, %d runs each, alternating%n", name, requests);
            String[] rows = {"pooled, CNN without mirror", "pooled, CNN with mirror", "all layers + mirror"};
            for (int k = 0; k < rows.length; k++) {
                Arrays.sort(nanos[k]);
                System.out.printf(
                        "%-28s p50 %6.1f ms  p95 %6.1f ms%n",
                        rows[k], percentile(nanos[k], 0.50) / 1e6, percentile(nanos[k], 0.95) / 1e6);
            }
        }
    }

    private static long publish(long version, Architecture architecture, List<View> views) {
        int size = architecture.pooledSize();
        Random random = new Random(version);
        float[] weights = new float[size * LABELS.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) random.nextGaussian() * 0.1f;
        }
        ModelPublished model = new ModelPublished(
                version,
                architecture.name(),
                FeatureLayer.POOLED.id(),
                LABELS,
                size,
                weights,
                new float[LABELS.size()],
                null,
                System.currentTimeMillis(),
                View.ids(views));
        KafkaBrokerResource.broker().produce(Topics.MODELS, model.key(), model.encode(), Map.of());
        await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> given().get("/model")
                .then()
                .body("version", equalTo((int) version))
                .body("views", equalTo(View.ids(views))));
        return version;
    }

    private static void measure(long version, byte[] photo, int requests, List<Long> nanos) {
        for (int i = 0; i < requests + 10; i++) {
            long start = System.nanoTime();
            int served = given().contentType("image/jpeg")
                    .body(photo)
                    .post("/classify")
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath()
                    .getInt("modelVersion");
            long took = System.nanoTime() - start;
            assertThat(served).isEqualTo((int) version);
            if (i >= 10) {
                nanos.add(took);
            }
        }
    }

    /** Requests per second of {@link #CLIENTS} clients sending the photo at once, 20 requests each. */
    private static double concurrent(long version, byte[] photo) {
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        try {
            long start = System.nanoTime();
            List<Future<?>> clients = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                clients.add(pool.submit(() -> measure(version, photo, 10, new ArrayList<>())));
            }
            for (Future<?> client : clients) {
                client.get();
            }
            return CLIENTS * 20 / ((System.nanoTime() - start) / 1e9);
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException(e);
        } finally {
            pool.shutdownNow();
        }
    }

    private static String row(String views, List<Long> nanos, double perSecond) {
        long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        double mean = Arrays.stream(sorted).average().orElse(0) / 1e6;
        return String.format(
                "%-22s %8.1f %8.1f %8.1f %14.1f",
                views, percentile(sorted, 0.50) / 1e6, percentile(sorted, 0.95) / 1e6, mean, perSecond);
    }

    private static double percentile(long[] sorted, double p) {
        int index = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
