package io.retrainstream.e2e;

import static io.retrainstream.e2e.BenchmarkSupport.JSON;
import static io.retrainstream.e2e.BenchmarkSupport.json;
import static io.retrainstream.e2e.BenchmarkSupport.percentileMillis;

import com.fasterxml.jackson.databind.JsonNode;
import io.retrainstream.common.testing.KafkaBroker;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Streaming retrains on this machine, with the three services as processes and the trainer in continuous mode (its
 * defaults): the flowers are published class by class at a steady rate, and the benchmark prints how long images
 * waited from their event until a served model had learned from them, and how many runs ran, were published and were
 * rejected. Then clients classify continuously while models are swapped, and it prints the failures and the
 * latency during the swaps against without.
 *
 * <p>Run with {@code ./retrain benchmark streaming [--architecture A] [--rate IMAGES_PER_S] [--clients N]
 * [--swaps N]}.
 */
public final class StreamingBenchmark {

    private StreamingBenchmark() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = BenchmarkSupport.options(args);
        BenchmarkSupport.Setup setup = BenchmarkSupport.Setup.of(options);
        String architecture = setup.architecture();
        Path root = setup.root();
        Path modelDir = setup.modelDir();
        Path imageDir = setup.imageDir();
        double rate = Double.parseDouble(options.getOrDefault("rate", "20"));
        int clients = Integer.parseInt(options.getOrDefault("clients", "8"));
        int swaps = Integer.parseInt(options.getOrDefault("swaps", "6"));
        List<Path> photos = BenchmarkSupport.photos(imageDir);
        System.out.printf(
                "Streaming benchmark: %s, %d photos from %s published class by class at %.0f/s, " + "%d cores%n%n",
                architecture,
                photos.size(),
                imageDir,
                rate,
                Runtime.getRuntime().availableProcessors());

        try (KafkaBroker broker = KafkaBroker.start()) {
            broker.createProjectTopics();
            Map<String, String> env = Map.of(
                    "KAFKA_BOOTSTRAP_SERVERS",
                    broker.bootstrapServers(),
                    "RETRAIN_ARCHITECTURE",
                    architecture,
                    "RETRAIN_MODEL_DIR",
                    modelDir.toString(),
                    "TRAINER_CONTINUOUS_ENABLED",
                    "true");
            Path logs = root.resolve("e2e-tests/target/streaming-benchmark-logs");
            try (ServiceProcess extractor = ServiceProcess.start(root, "extractor-service", env, logs);
                    ServiceProcess trainer = ServiceProcess.start(root, "trainer-service", env, logs);
                    ServiceProcess classifier = ServiceProcess.start(root, "classifier-service", env, logs)) {
                extractor.awaitOk("/q/health/ready", Duration.ofMinutes(3));
                trainer.awaitOk("/q/health/ready", Duration.ofMinutes(3));
                classifier.awaitOk("/q/health/live", Duration.ofMinutes(3));

                freshness(broker, trainer, classifier, photos, rate);
                List<byte[]> images = new ArrayList<>();
                for (Path photo : photos) {
                    images.add(Files.readAllBytes(photo));
                }
                hotSwap(trainer, classifier, images, clients, swaps);
            }
        }
    }

    /** Streams the photos, waits until the trainer has caught up, and prints freshness and run counts. */
    private static void freshness(
            KafkaBroker broker, ServiceProcess trainer, ServiceProcess classifier, List<Path> photos, double rate)
            throws Exception {
        long start = System.nanoTime();
        for (int i = 0; i < photos.size(); i++) {
            Path photo = photos.get(i);
            broker.publishPhoto(photo);
            long due = start + (long) ((i + 1) / rate * 1e9);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
        }
        double publishSeconds = (System.nanoTime() - start) / 1e9;
        JsonNode runs = TrainerRuns.settled(trainer, photos.size(), Duration.ofSeconds(15), Duration.ofMinutes(15));
        double settledSeconds = (System.nanoTime() - start) / 1e9;
        Map<String, Integer> outcomes = new TreeMap<>();
        for (JsonNode run : runs) {
            outcomes.merge(run.get("status").asText(), 1, Integer::sum);
        }
        JsonNode model = json(classifier.get("/model"));
        JsonNode freshness = model.get("freshness").get("sinceStart");
        System.out.println("== Freshness: image event -> first served model that learned from it");
        System.out.printf(
                "published %d photos in %.1f s; trainer caught up after %.1f s%n",
                photos.size(), publishSeconds, settledSeconds);
        System.out.printf(
                "event to serving: p50 %.1f s, p95 %.1f s, max %.1f s over %d training images%n",
                freshness.get("p50Seconds").asDouble(),
                freshness.get("p95Seconds").asDouble(),
                freshness.get("maxSeconds").asDouble(),
                freshness.get("images").asInt());
        System.out.printf(
                "runs: %d (published %d, rejected by the gate %d, failed %d); serving version %d, "
                        + "test accuracy %.1f%% (N=%d)%n%n",
                runs.size(),
                outcomes.getOrDefault("SUCCEEDED", 0),
                outcomes.getOrDefault("REJECTED", 0),
                outcomes.getOrDefault("FAILED", 0),
                model.get("version").asLong(),
                model.get("metrics").get("testAccuracy").asDouble() * 100,
                model.get("metrics").get("testCount").asInt());
    }

    /**
     * {@code clients} threads classify without pause: first with no swap, then while {@code swaps} new models are
     * trained (warm, forced past the gate) and swapped in, one after the other.
     */
    private static void hotSwap(
            ServiceProcess trainer, ServiceProcess classifier, List<byte[]> images, int clients, int swaps)
            throws Exception {
        long firstVersion = json(classifier.get("/model")).get("version").asLong();
        Load warmUp = Load.start(classifier, images, clients);
        Thread.sleep(5_000);
        warmUp.stop();
        Load steady = Load.start(classifier, images, clients);
        Thread.sleep(20_000);
        Load.Result without = steady.stop();

        Load during = Load.start(classifier, images, clients);
        long swapStart = System.nanoTime();
        long version = firstVersion;
        for (int i = 0; i < swaps; i++) {
            JsonNode run =
                    TrainerRuns.trainAndWait(trainer, "{\"warm_start\": true, \"force_publish\": true}".getBytes());
            long published = run.get("modelVersion").asLong();
            while (json(classifier.get("/model")).get("version").asLong() != published) {
                Thread.sleep(20);
            }
            version = published;
        }
        Thread.sleep(2_000);
        Load.Result withSwaps = during.stop();
        double swapSeconds = (System.nanoTime() - swapStart) / 1e9;

        // The same number of swaps without training beside them: rollbacks to the previous version and back.
        Load rollbacks = Load.start(classifier, images, clients);
        long rollbackStart = System.nanoTime();
        for (int i = 0; i < swaps; i++) {
            long target = i % 2 == 0 ? version - 1 : version;
            HttpResponse<String> reply = i % 2 == 0
                    ? trainer.post("/models/" + target + "/pin", "application/json", new byte[0])
                    : trainer.delete("/models/pin");
            json(reply);
            while (json(classifier.get("/model")).get("version").asLong() != target) {
                Thread.sleep(20);
            }
            Thread.sleep(500);
        }
        Thread.sleep(2_000);
        Load.Result withRollbacks = rollbacks.stop();
        double rollbackSeconds = (System.nanoTime() - rollbackStart) / 1e9;

        System.out.printf("== Hot swap under load: %d clients classifying continuously%n", clients);
        System.out.printf("%-38s %9s %9s %9s %9s %9s%n", "", "requests", "failures", "p50 ms", "p99 ms", "max ms");
        without.print("without swaps (20 s)");
        withSwaps.print(String.format("during %d retrains + swaps (%.0f s)", swaps, swapSeconds));
        withRollbacks.print(String.format("during %d pin/unpin swaps (%.0f s)", swaps, rollbackSeconds));
        System.out.printf(
                "versions answered during the retrains: %s (served %d -> %d); during the pin/unpin " + "swaps: %s%n",
                withSwaps.versions(), firstVersion, version, withRollbacks.versions());
    }

    /** Clients classifying in a loop, recording each request's latency, status and model version. */
    private static final class Load {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final ConcurrentLinkedQueue<Long> nanos = new ConcurrentLinkedQueue<>();
        private final AtomicInteger failures = new AtomicInteger();
        private final Map<Long, Integer> versions = new java.util.concurrent.ConcurrentSkipListMap<>();
        private final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        private final ExecutorService pool;

        private Load(int clients) {
            pool = Executors.newFixedThreadPool(clients);
        }

        static Load start(ServiceProcess classifier, List<byte[]> images, int clients) {
            Load load = new Load(clients);
            for (int c = 0; c < clients; c++) {
                int client = c;
                load.pool.submit(() -> load.loop(classifier, images, client));
            }
            return load;
        }

        private void loop(ServiceProcess classifier, List<byte[]> images, int client) {
            for (int i = client * 97; running.get(); i++) {
                long start = System.nanoTime();
                try {
                    HttpResponse<String> reply =
                            classifier.post("/classify", "image/jpeg", images.get(i % images.size()));
                    nanos.add(System.nanoTime() - start);
                    if (reply.statusCode() != 200) {
                        failures.incrementAndGet();
                        errors.add(reply.statusCode() + ": " + reply.body());
                    } else {
                        versions.merge(
                                JSON.readTree(reply.body()).get("modelVersion").asLong(), 1, Integer::sum);
                    }
                } catch (Exception e) {
                    nanos.add(System.nanoTime() - start);
                    failures.incrementAndGet();
                    errors.add(e.toString());
                }
            }
        }

        Result stop() throws InterruptedException {
            running.set(false);
            pool.shutdown();
            pool.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES);
            errors.stream().limit(5).forEach(error -> System.out.println("  failed request: " + error));
            return new Result(
                    nanos.stream().mapToLong(Long::longValue).toArray(), failures.get(), new TreeMap<>(versions));
        }

        record Result(long[] nanos, int failures, Map<Long, Integer> versions) {
            void print(String what) {
                System.out.printf(
                        "%-38s %9d %9d %9.1f %9.1f %9.1f%n",
                        what,
                        nanos.length,
                        failures,
                        percentileMillis(nanos, 0.5),
                        percentileMillis(nanos, 0.99),
                        percentileMillis(nanos, 1.0));
            }
        }
    }
}
