package io.retrainstream.e2e;

import static io.retrainstream.e2e.BenchmarkSupport.JSON;
import static io.retrainstream.e2e.BenchmarkSupport.json;
import static io.retrainstream.e2e.BenchmarkSupport.percentileMillis;

import com.fasterxml.jackson.databind.JsonNode;
import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.common.testing.KafkaBroker;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Streaming retrains on this machine, with the three services as processes and the trainer in continuous mode (its
 * defaults): the flowers are published class by class at a steady rate, and the benchmark prints how long images
 * waited from their event until a served model had learned from them, and how many runs ran, were published and were
 * rejected. Then clients classify continuously while models are swapped, and it prints the failures and the
 * latency during the swaps against without.
 *
 * Last, a burst: copies of every photo in one transaction, and the extractor's images/s with the trainer's automatic
 * runs on (continuous mode) against a restarted trainer with them off.
 *
 * <p>Run with {@code ./retrain benchmark streaming [--architecture A] [--rate IMAGES_PER_S] [--clients N]
 * [--swaps N] [--burst-copies N]}.
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
        int copies = Integer.parseInt(options.getOrDefault("burst-copies", "4"));
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
                    "true",
                    // a workspace of its own: nothing shared with a stack of ./retrain up or another benchmark
                    "TRAINER_OUTPUT_ROOT",
                    root.resolve("e2e-tests/target/streaming-benchmark-workspace/outputs")
                            .toString(),
                    "RETRAIN_EXTRACTOR_IMAGE_STORE",
                    root.resolve("e2e-tests/target/streaming-benchmark-workspace/images")
                            .toString());
            Path logs = root.resolve("e2e-tests/target/streaming-benchmark-logs");
            try (ServiceProcess extractor = ServiceProcess.start(root, "extractor-service", env, logs);
                    ServiceProcess trainer = ServiceProcess.start(root, "trainer-service", env, logs);
                    ServiceProcess classifier = ServiceProcess.start(root, "classifier-service", env, logs)) {
                extractor.awaitOk("/q/health/ready", Duration.ofMinutes(3));
                trainer.awaitOk("/q/health/ready", Duration.ofMinutes(3));
                classifier.awaitOk("/q/health/live", Duration.ofMinutes(3));

                List<byte[]> images = new ArrayList<>();
                for (Path photo : photos) {
                    images.add(Files.readAllBytes(photo));
                }
                try (ServedVersions served = ServedVersions.watch(broker, classifier)) {
                    freshness(broker, trainer, classifier, photos, rate, served);
                }
                hotSwap(trainer, classifier, images, clients, swaps);
                ServiceProcess off = null;
                try {
                    // an unmeasured burst first: the extractor's first burst of full batches ran ~15% slower in
                    // CPU seconds than its later ones (its thread pools and TensorFlow's buffers growing), and it
                    // would otherwise always be the "on" one
                    int warmed = json(trainer.get("/dataset")).get("images").asInt() + photos.size();
                    burst(broker, photos, images, 1, "burst-warm-up");
                    TrainerRuns.settled(trainer, warmed, Duration.ofSeconds(3), Duration.ofMinutes(5));
                    // both bursts start from a trainer with every bottleneck read and no run going
                    int held = json(trainer.get("/dataset")).get("images").asInt();
                    TrainerRuns.settled(trainer, held, Duration.ofSeconds(3), Duration.ofMinutes(5));
                    double[] trainerCpu = new double[2];
                    double[] extractorCpu = new double[2];
                    double trainerBefore = trainer.cpuSeconds();
                    double extractorBefore = extractor.cpuSeconds();
                    double on = burst(broker, photos, images, copies, "burst-on");
                    trainerCpu[0] = trainer.cpuSeconds() - trainerBefore;
                    extractorCpu[0] = extractor.cpuSeconds() - extractorBefore;
                    int all = held + photos.size() * copies;
                    TrainerRuns.settled(trainer, all, Duration.ofSeconds(3), Duration.ofMinutes(5));
                    trainer.close();
                    Map<String, String> autoOff = new java.util.HashMap<>(env);
                    autoOff.put("TRAINER_AUTO_TRAIN", "false");
                    off = ServiceProcess.start(root, "trainer-service", autoOff, logs.resolve("auto-train-off"));
                    off.awaitOk("/q/health/ready", Duration.ofMinutes(3));
                    while (json(off.get("/dataset")).get("images").asInt() < all) {
                        Thread.sleep(200);
                    }
                    Thread.sleep(3_000);
                    trainerBefore = off.cpuSeconds();
                    extractorBefore = extractor.cpuSeconds();
                    double without = burst(broker, photos, images, copies, "burst-off");
                    trainerCpu[1] = off.cpuSeconds() - trainerBefore;
                    extractorCpu[1] = extractor.cpuSeconds() - extractorBefore;
                    System.out.printf(
                            "== Burst: %d photos (%d copies of each, new bytes) published in one transaction%n",
                            photos.size() * copies, copies);
                    System.out.printf("%-44s %12s%n", "", "images/s");
                    System.out.printf("%-44s %12.1f%n", "extractor, automatic runs on (continuous)", on);
                    System.out.printf("%-44s %12.1f%n", "extractor, automatic runs off", without);
                    System.out.printf("%-44s %12.2f   (goal >= 0.85)%n", "ratio on / off", on / without);
                    // what competes with the extractor for the cores: the trainer's CPU during each burst
                    System.out.printf(
                            "CPU seconds during the burst, on / off: trainer %.1f / %.1f, extractor %.1f / %.1f%n",
                            trainerCpu[0], trainerCpu[1], extractorCpu[0], extractorCpu[1]);
                } finally {
                    if (off != null) {
                        off.close();
                    }
                }
            }
        }
    }

    /**
     * Publishes {@code copies} copies of every photo (each with bytes of its own after the image's end, so that the
     * extractor's content cache has seen none of them, under new image ids) in one transaction, and returns the images
     * per second from the commit until a consumer of {@code bottlenecks} has seen every one.
     */
    private static double burst(KafkaBroker broker, List<Path> photos, List<byte[]> images, int copies, String prefix)
            throws Exception {
        Properties props = broker.clients().producerProperties();
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 512L * 1024 * 1024);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "streaming-benchmark-" + prefix);
        Properties consumerProps = broker.clients().consumerProperties();
        try (KafkaProducer<String, byte[]> producer =
                        new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
                KafkaConsumer<String, byte[]> consumer =
                        new KafkaConsumer<>(consumerProps, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.BOTTLENECKS).stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            producer.initTransactions();
            producer.beginTransaction();
            java.util.Set<String> keys = new java.util.HashSet<>();
            for (int copy = 0; copy < copies; copy++) {
                byte[] tail = (prefix + " copy " + copy).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                for (int i = 0; i < photos.size(); i++) {
                    Path photo = photos.get(i);
                    String label = photo.getParent().getFileName().toString();
                    byte[] bytes = java.util.Arrays.copyOf(images.get(i), images.get(i).length + tail.length);
                    System.arraycopy(tail, 0, bytes, images.get(i).length, tail.length);
                    String file = prefix + "-" + copy + "-" + photo.getFileName();
                    ProducerRecord<String, byte[]> record =
                            new ProducerRecord<>(Topics.IMAGES, label + "/" + file, bytes);
                    record.headers()
                            .add(Topics.LABEL, label.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                            .add(Topics.FILENAME, file.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    producer.send(record);
                    keys.add(record.key());
                }
            }
            producer.commitTransaction();
            long committed = System.nanoTime();
            int total = keys.size();
            long deadline = committed + Duration.ofMinutes(10).toNanos();
            while (!keys.isEmpty()) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(10))) {
                    keys.remove(record.key());
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            keys.size() + " of " + total + " burst photos have no bottleneck " + "after 10 minutes");
                }
            }
            return total / ((System.nanoTime() - committed) / 1e9);
        }
    }

    /**
     * When each model version was first served (polling the classifier's {@code GET /model} every 20 ms), and the event
     * times of the training images each version was the first to learn from (its {@code models} event).
     */
    private static final class ServedVersions implements AutoCloseable {
        private final Map<Long, Long> servedAtMillis = new java.util.concurrent.ConcurrentHashMap<>();
        private final Map<Long, long[]> newImageTimes = new java.util.concurrent.ConcurrentHashMap<>();
        private final Map<Long, Long> publishedAtMillis = new java.util.concurrent.ConcurrentHashMap<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread poller;
        private final Thread reader;

        private ServedVersions(KafkaBroker broker, ServiceProcess classifier) {
            poller = new Thread(() -> poll(classifier), "served-versions");
            reader = new Thread(() -> read(broker), "models-reader");
            poller.setDaemon(true);
            reader.setDaemon(true);
        }

        static ServedVersions watch(KafkaBroker broker, ServiceProcess classifier) {
            ServedVersions served = new ServedVersions(broker, classifier);
            served.poller.start();
            served.reader.start();
            return served;
        }

        private void poll(ServiceProcess classifier) {
            while (running.get()) {
                try {
                    HttpResponse<String> reply = classifier.get("/model");
                    if (reply.statusCode() == 200) {
                        long version =
                                JSON.readTree(reply.body()).get("version").asLong();
                        servedAtMillis.putIfAbsent(version, System.currentTimeMillis());
                    }
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    // not answering right now
                }
            }
        }

        private void read(KafkaBroker broker) {
            Properties props = broker.clients().consumerProperties();
            props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            try (KafkaConsumer<String, byte[]> consumer =
                    new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
                List<TopicPartition> partitions = consumer.partitionsFor(Topics.MODELS).stream()
                        .map(info -> new TopicPartition(info.topic(), info.partition()))
                        .toList();
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                while (running.get()) {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                        ModelPublished model = ModelPublished.decode(record.value());
                        if (model.metrics() != null) {
                            newImageTimes.put(model.version(), model.metrics().newImageTimes());
                        }
                        publishedAtMillis.put(model.version(), model.publishedAt());
                    }
                }
            } catch (RuntimeException e) {
                System.out.println("models reader stopped: " + e);
            }
        }

        /**
         * Per training image that a served model learned first: seconds from {@code max(event, learnableAt)} to the
         * moment that version was first seen served (a version rejected by the gate is never served; its images count
         * with the first served version that learned them, whose event names them; a version replaced before the poll
         * saw it counts as served with the next one seen).
         */
        long[] waits(long learnableAtMillis) {
            List<Long> waits = new ArrayList<>();
            newImageTimes.forEach((version, times) -> {
                // a version replaced within a poll was never seen served: its images came with the next one seen
                Long served = servedAtMillis.entrySet().stream()
                        .filter(e -> e.getKey() >= version)
                        .min(Map.Entry.comparingByKey())
                        .map(Map.Entry::getValue)
                        .orElse(null);
                if (served != null) {
                    for (long time : times) {
                        waits.add((served - Math.max(time, learnableAtMillis)) * 1_000_000L);
                    }
                }
            });
            return waits.stream().mapToLong(Long::longValue).toArray();
        }

        /**
         * Where each learnable image's wait went, as p50 / p95 over the images (ms): from {@code max(event, learnable)}
         * to the start of the run that learned it (extraction, the trainer reading the bottleneck, the run in progress
         * and the trigger), that run's start to its model's publication, and publication to the moment it was first
         * seen served (the classifier's consumer, load and swap, and this poll's 20 ms).
         */
        void printStages(JsonNode runs, long learnableAtMillis) {
            List<Long> toStart = new ArrayList<>();
            List<Long> running = new ArrayList<>();
            List<Long> toServed = new ArrayList<>();
            Map<String, List<Long>> phases = new TreeMap<>();
            for (JsonNode run : runs) {
                JsonNode timings = run.path("report").path("timingsMillis");
                timings.fields().forEachRemaining(e -> phases.computeIfAbsent(e.getKey(), k -> new ArrayList<>())
                        .add(e.getValue().asLong() * 1_000_000L));
                if (!run.path("modelVersion").isNumber()
                        || !"SUCCEEDED".equals(run.path("status").asText())) {
                    continue;
                }
                long version = run.get("modelVersion").asLong();
                long started =
                        java.time.Instant.parse(run.get("startedAt").asText()).toEpochMilli();
                Long published = publishedAtMillis.get(version);
                Long served = servedAtMillis.entrySet().stream()
                        .filter(e -> e.getKey() >= version)
                        .min(Map.Entry.comparingByKey())
                        .map(Map.Entry::getValue)
                        .orElse(null);
                long[] times = newImageTimes.get(version);
                if (published == null || served == null || times == null) {
                    continue;
                }
                for (long time : times) {
                    toStart.add((started - Math.max(time, learnableAtMillis)) * 1_000_000L);
                    running.add((published - started) * 1_000_000L);
                    toServed.add((served - published) * 1_000_000L);
                }
            }
            System.out.println("where the wait went, per learnable image, p50 / p95 ms:");
            stage("learnable -> run start (extraction, bottleneck read, run in progress, trigger)", toStart);
            stage("run start -> model published (train, gate, publish)", running);
            stage("published -> seen served (classifier consumes, loads, swaps; 20 ms poll)", toServed);
            System.out.println("run phases (timingsMillis), p50 / p95 ms over the runs:");
            phases.forEach((phase, nanos) -> stage("  " + phase, nanos));
        }

        private static void stage(String what, List<Long> nanos) {
            long[] values = nanos.stream().mapToLong(Long::longValue).toArray();
            System.out.printf(
                    "  %-80s %7.0f / %7.0f%n", what, percentileMillis(values, 0.5), percentileMillis(values, 0.95));
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            poller.interrupt();
            poller.join(5_000);
            reader.join(5_000);
        }
    }

    /** Streams the photos, waits until the trainer has caught up, and prints freshness and run counts. */
    private static void freshness(
            KafkaBroker broker,
            ServiceProcess trainer,
            ServiceProcess classifier,
            List<Path> photos,
            double rate,
            ServedVersions served)
            throws Exception {
        long start = System.nanoTime();
        long learnableAt = 0;
        String firstLabel = photos.get(0).getParent().getFileName().toString();
        for (int i = 0; i < photos.size(); i++) {
            Path photo = photos.get(i);
            if (learnableAt == 0 && !photo.getParent().getFileName().toString().equals(firstLabel)) {
                learnableAt = System.currentTimeMillis();
            }
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
        Thread.sleep(1_000);
        long[] fromEvent = served.waits(0);
        long[] fromLearnable = served.waits(learnableAt);
        System.out.printf(
                "event to serving, per image (models topic + served versions polled every 20 ms): p50 %.1f s, "
                        + "p95 %.1f s over %d images%n",
                percentileMillis(fromEvent, 0.5) / 1000, percentileMillis(fromEvent, 0.95) / 1000, fromEvent.length);
        System.out.printf(
                "learnable (event, or the second class's first event if later) to serving: p50 %.1f s, p95 %.1f s%n",
                percentileMillis(fromLearnable, 0.5) / 1000, percentileMillis(fromLearnable, 0.95) / 1000);
        served.printStages(runs, learnableAt);
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
