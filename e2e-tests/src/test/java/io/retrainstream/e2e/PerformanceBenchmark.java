package io.retrainstream.e2e;

import static io.retrainstream.e2e.BenchmarkSupport.JSON;
import static io.retrainstream.e2e.BenchmarkSupport.json;
import static io.retrainstream.e2e.BenchmarkSupport.options;
import static io.retrainstream.e2e.BenchmarkSupport.photos;

import com.fasterxml.jackson.databind.JsonNode;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.ModelFiles;
import io.retrainstream.common.testing.KafkaBroker;
import io.retrainstream.common.tf.FeatureExtractor;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
 * Measures the system on this machine and prints each figure next to the ceiling or reference measured in the
 * same run: the extractor through Kafka against TensorFlow's fused batched ceiling and one image per run; the
 * classifier's latency at 1, 8 and 32 clients; the trainer's default run; memory and start time.
 *
 * <p>Run with {@code ./retrain benchmark [--architecture A] [--model-dir DIR] [--image-dir DIR]}.
 */
public final class PerformanceBenchmark {

    private static final List<String[]> ROWS = new ArrayList<>();

    private PerformanceBenchmark() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        BenchmarkSupport.Setup setup = BenchmarkSupport.Setup.of(options);
        String architectureName = setup.architecture();
        Path root = setup.root();
        Path modelDir = setup.modelDir();
        Path imageDir = setup.imageDir();
        List<Path> photos = photos(imageDir);
        List<byte[]> images = new ArrayList<>();
        for (Path photo : photos) {
            images.add(Files.readAllBytes(photo));
        }
        System.out.printf(
                "Benchmark: %s, %d photos from %s, %d cores%n%n",
                architectureName, images.size(), imageDir, Runtime.getRuntime().availableProcessors());

        // Ceilings, in this JVM, before the services start.
        Architecture architecture = Architecture.of(architectureName);
        Path graph = ModelFiles.locateGraph(architecture, Optional.of(modelDir));
        double oneByOne = extractorRate(architecture, graph, 1, images.subList(0, Math.min(200, images.size())));
        double fused = extractorRate(architecture, graph, 32, images);

        try (KafkaBroker broker = KafkaBroker.start()) {
            broker.createProjectTopics();
            Map<String, String> env = Map.of(
                    "KAFKA_BOOTSTRAP_SERVERS",
                    broker.bootstrapServers(),
                    "RETRAIN_ARCHITECTURE",
                    architectureName,
                    "RETRAIN_MODEL_DIR",
                    modelDir.toString(),
                    "TRAINER_AUTO_TRAIN",
                    "false");
            Path logs = root.resolve("e2e-tests/target/benchmark-logs");
            long start = System.nanoTime();
            try (ServiceProcess extractor = ServiceProcess.start(root, "extractor-service", env, logs);
                    ServiceProcess firstTrainer = ServiceProcess.start(root, "trainer-service", env, logs);
                    ServiceProcess classifier = ServiceProcess.start(root, "classifier-service", env, logs)) {
                extractor.awaitOk("/q/health/ready", Duration.ofMinutes(3));
                firstTrainer.awaitOk("/q/health/ready", Duration.ofMinutes(3));
                classifier.awaitOk("/q/health/live", Duration.ofMinutes(3));
                double startSeconds = (System.nanoTime() - start) / 1e9;

                // The trainer is not on the extractor's path: it starts again after and reads all the bottlenecks.
                firstTrainer.close();
                double[] throughKafka = throughKafka(broker, extractor, photos, images, architecture, graph);
                try (ServiceProcess trainer = ServiceProcess.start(root, "trainer-service", env, logs)) {
                    trainer.awaitOk("/q/health/ready", Duration.ofMinutes(3));
                    while (json(trainer.get("/dataset")).get("images").asInt() < photos.size()) {
                        ServiceProcess.sleep(50);
                    }
                    row(
                            "extractor: images/s through Kafka, median of " + ROUNDS + " rounds",
                            throughKafka[0],
                            "fused batch-32 ceiling",
                            throughKafka[1]);
                    row("extractor: fused batch-32 ceiling, in process", fused, "one image per run", oneByOne);

                    // retrain.py's default run (4,000 steps of 100), the default improved mode, then an incremental
                    // retrain: warm-started from the served head, as continuous mode runs it. Training time is the
                    // run's train_and_test phase (its wall time also holds reading the data, the gate, publishing).
                    // A warm-up run, not counted; the classifier loads its model before anything is timed.
                    long warmUpVersion = train(trainer, "{\"mode\":\"retrain\", \"force_publish\": true}")
                            .get("modelVersion")
                            .asLong();
                    classifier.awaitOk("/model", Duration.ofMinutes(2));
                    while (json(classifier.get("/model")).get("version").asLong() < warmUpVersion) {
                        ServiceProcess.sleep(100);
                    }
                    for (String mode : List.of("retrain", "improved", "incremental")) {
                        // The short runs three times (the median counts), the improved mode's long one once.
                        double[] times = new double[mode.equals("improved") ? 1 : 3];
                        for (int i = 0; i < times.length; i++) {
                            JsonNode run = train(
                                    trainer,
                                    mode.equals("incremental")
                                            ? "{\"warm_start\":true}"
                                            : "{\"mode\":\"" + mode + "\", \"force_publish\": true}");
                            times[i] = run.get("report")
                                            .get("timingsMillis")
                                            .get("train_and_test")
                                            .asDouble()
                                    / 1000;
                            System.out.printf(
                                    "trainer %s run: %.2f s of training, %.2f s wall%n", mode, times[i], seconds(run));
                        }
                        double trainSeconds = median(times);
                        String goal = mode.equals("retrain") ? "1.5" : mode.equals("incremental") ? "1.0" : "";
                        String median = times.length > 1 ? ", median of " + times.length : "";
                        ROWS.add(new String[] {
                            "trainer: "
                                    + (mode.equals("incremental")
                                            ? "incremental retrain, 400 warm steps, s" + median
                                            : mode + " mode, default run, s" + median),
                            String.format("%.2f", trainSeconds),
                            goal.isEmpty() ? "" : "goal",
                            goal,
                            goal.isEmpty() ? "" : String.format("%.2f", trainSeconds / Double.parseDouble(goal))
                        });
                    }
                    classifier.awaitOk("/model", Duration.ofMinutes(2));

                    byte[] typical = images.get(images.size() / 2);
                    warmUp(classifier, images, typical);
                    // Each client count between two ceilings, compared with their mean.
                    double ceiling = extractorRate(architecture, graph, 32, images);
                    httpAlone(classifier, typical);
                    for (int clients : new int[] {1, 8, 32}) {
                        double[] measured = latency(classifier, images, typical, clients);
                        double next = extractorRate(architecture, graph, 32, images);
                        System.out.printf(
                                "fused batch-32 ceiling before and after %d client(s): %.0f and %.0f " + "images/s%n",
                                clients, ceiling, next);
                        ROWS.add(new String[] {
                            String.format("classifier: %d client(s), p50 / p99 ms", clients),
                            String.format("%.1f / %.1f", measured[0], measured[1]),
                            clients == 1 ? "goal p50 / p99" : "",
                            clients == 1 ? "10 / 25" : "",
                            ""
                        });
                        row(
                                String.format("classifier: %d client(s), images/s", clients),
                                measured[2],
                                "fused batch-32 ceiling",
                                (ceiling + next) / 2);
                        ceiling = next;
                    }
                    // Resident memory after the flower photos (the goal), then again after the 12 MP photos
                    for (ServiceProcess service : List.of(extractor, trainer, classifier)) {
                        System.out.printf(
                                "%s: resident %.0f MiB, of which Java heap committed %.0f MiB, other JVM "
                                        + "memory committed %.0f MiB%n",
                                service.name(),
                                service.residentMiB(),
                                committedMiB(service, "heap"),
                                committedMiB(service, "nonheap"));
                        ROWS.add(new String[] {
                            service.name() + ": resident memory, MiB",
                            String.format("%.0f", service.residentMiB()),
                            "goal",
                            "700",
                            String.format("%.2f", service.residentMiB() / 700)
                        });
                    }
                    largePhotos(broker, extractor, classifier, photos, images, throughKafka[0]);
                    for (ServiceProcess service : List.of(extractor, classifier)) {
                        ROWS.add(new String[] {
                            service.name() + ": resident MiB after the 12 MP photos",
                            String.format("%.0f", service.residentMiB()),
                            "limit",
                            "1024",
                            String.format("%.2f", service.residentMiB() / 1024)
                        });
                    }
                    ROWS.add(new String[] {
                        "stack: start to all healthy (broker already up), s",
                        String.format("%.1f", startSeconds),
                        "goal",
                        "20",
                        String.format("%.2f", startSeconds / 20)
                    });
                }
            }
        }
        print();
    }

    private static double extractorRate(Architecture architecture, Path graph, int batch, List<byte[]> images) {
        try (FeatureExtractor extractor = new FeatureExtractor(architecture, graph, batch)) {
            extractor.warmUp();
            long start = System.nanoTime();
            extractor.extract(images);
            return images.size() / ((System.nanoTime() - start) / 1e9);
        }
    }

    /**
     * The whole extractor, from records on {@code images} to records on {@code bottlenecks}, in {@link #ROUNDS}
     * rounds after two warm-up rounds (which compile the service's and the broker's Java code: the first measured
     * round after one warm-up round still spent ~0.7 CPU-s more than the next). Each round publishes
     * every photo in one transaction (the extractor reads committed records only, so it sees them all at once when it
     * commits) and times from the commit until a consumer of the bottlenecks topic holds one record per photo; the
     * fused ceiling is measured on the same photos just before it. The photos carry a few bytes after their end in
     * each round: the same pixels, but content the extractor's cache has not seen. Only the broker and the extractor
     * run meanwhile. Returns the median images/s and the median ceiling.
     */
    private static double[] throughKafka(
            KafkaBroker broker,
            ServiceProcess extractor,
            List<Path> photos,
            List<byte[]> images,
            Architecture architecture,
            Path graph)
            throws Exception {
        try (KafkaConsumer<String, byte[]> consumer = bottlenecksFromNow(broker);
                KafkaProducer<String, byte[]> producer = imagesProducer(broker, "benchmark-images")) {
            for (int warmUp = 0; warmUp < WARM_UP_ROUNDS; warmUp++) {
                publishAndAwait(producer, consumer, photos, withTail(images, -1 - warmUp));
            }

            // The ceiling before the first round, between rounds and after the last: each round is compared with
            // the mean of the ceilings on either side of it, so a machine that speeds up or slows down meanwhile
            // moves both alike.
            double[] ceilings = new double[ROUNDS + 1];
            ceilings[0] = extractorRate(architecture, graph, 32, images);
            double[][] rounds = new double[ROUNDS][];
            for (int round = 0; round < ROUNDS; round++) {
                List<byte[]> unseen = withTail(images, round + 1);
                Map<String, Double> before = metrics(extractor);
                double cpuBefore = extractor.cpuSeconds();
                double[] timing = publishAndAwait(producer, consumer, photos, unseen);
                double rate = photos.size() / timing[1];
                double batches = after(extractor, before, "extractor_cnn_batch_seconds_count");
                double batchSeconds = after(extractor, before, "extractor_cnn_batch_seconds_sum");
                double cpu = extractor.cpuSeconds() - cpuBefore;
                ceilings[round + 1] = extractorRate(architecture, graph, 32, unseen);
                double reference = (ceilings[round] + ceilings[round + 1]) / 2;
                rounds[round] = new double[] {rate, reference};
                System.out.printf(
                        "extractor through Kafka, round %d: %d photos in %.2f s after publishing them in "
                                + "%.2f s: %.0f images/s, fused ceiling before and after %.0f and %.0f images/s, ratio %.2f; "
                                + "%.0f batches of %.1f images, %.0f ms each from queueing to done; CPU: extractor %.2f s "
                                + "(with publishing), this JVM (the broker and the bottleneck consumer) %.2f s after the "
                                + "commit%n",
                        round + 1,
                        photos.size(),
                        timing[1],
                        timing[0],
                        rate,
                        ceilings[round],
                        ceilings[round + 1],
                        rate / reference,
                        batches,
                        photos.size() / batches,
                        1000 * batchSeconds / batches,
                        cpu,
                        timing[2]);
            }
            Arrays.sort(rounds, java.util.Comparator.comparingDouble(round -> round[0] / round[1]));
            return rounds[ROUNDS / 2];
        }
    }

    /** Photos of a 12-megapixel phone camera: 4000 x 3000. */
    private static final int LARGE_WIDTH = 4000;

    private static final int LARGE_HEIGHT = 3000;
    private static final int LARGE_PHOTOS = 96;

    /**
     * The flower photos scaled up to 12 MP JPEGs (as a phone writes them, 1.5-3 MB each): the extractor's images/s
     * through Kafka (one warm-up round, then one measured, new content each) against its rate on the flower photos,
     * and one client's {@code /classify} latency on one of them.
     */
    private static void largePhotos(
            KafkaBroker broker,
            ServiceProcess extractor,
            ServiceProcess classifier,
            List<Path> photos,
            List<byte[]> images,
            double flowerRate)
            throws Exception {
        List<Path> chosen = new ArrayList<>();
        List<byte[]> large = new ArrayList<>();
        long bytes = 0;
        for (int i = 0; i < LARGE_PHOTOS; i++) {
            int index = (int) ((long) i * photos.size() / LARGE_PHOTOS);
            chosen.add(photos.get(index));
            large.add(io.retrainstream.common.testing.HostileImages.largePhoto(
                    images.get(index), LARGE_WIDTH, LARGE_HEIGHT));
            bytes += large.get(i).length;
        }
        System.out.printf(
                "%d photos of %d x %d, %.1f MB each on average%n",
                LARGE_PHOTOS, LARGE_WIDTH, LARGE_HEIGHT, bytes / 1e6 / LARGE_PHOTOS);
        double rate;
        try (KafkaConsumer<String, byte[]> consumer = bottlenecksFromNow(broker);
                KafkaProducer<String, byte[]> producer = imagesProducer(broker, "benchmark-large-images")) {
            publishAndAwait(producer, consumer, chosen, withTail(large, 1001));
            double[] timing = publishAndAwait(producer, consumer, chosen, withTail(large, 1002));
            rate = LARGE_PHOTOS / timing[1];
            System.out.printf(
                    "extractor through Kafka, 12 MP photos: %d in %.2f s after publishing them in %.2f s: "
                            + "%.1f images/s%n",
                    LARGE_PHOTOS, timing[1], timing[0], rate);
        }
        row("extractor: images/s through Kafka, 12 MP JPEGs", rate, "flower photos (goal 0.5)", flowerRate);

        byte[] phone = large.get(LARGE_PHOTOS / 2);
        long[] nanos = timedPosts(classifier, "/classify", phone, 200, 20);
        double p50 = nanos[nanos.length / 2] / 1e6;
        double p99 = nanos[(int) Math.ceil(nanos.length * 0.99) - 1] / 1e6;
        System.out.printf(
                "classifier, 1 client, a 12 MP JPEG of %.1f MB: p50 %.1f ms, p99 %.1f ms%n",
                phone.length / 1e6, p50, p99);
        ROWS.add(new String[] {
            "classifier: 1 client, 12 MP JPEG, p50 / p99 ms",
            String.format("%.1f / %.1f", p50, p99),
            "goal p50",
            "15",
            String.format("%.2f", p50 / 15)
        });
    }

    /** A consumer of {@code bottlenecks} positioned at its end: it sees the bottlenecks of what is published next. */
    private static KafkaConsumer<String, byte[]> bottlenecksFromNow(KafkaBroker broker) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024);
        KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(Topics.BOTTLENECKS).stream()
                .map(info -> new TopicPartition(info.topic(), info.partition()))
                .toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
        return consumer;
    }

    /** A transactional producer of image records (a transaction makes a round's images visible at once). */
    private static KafkaProducer<String, byte[]> imagesProducer(KafkaBroker broker, String transactionalId) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 * 1024 * 1024);
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 512L * 1024 * 1024);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        producer.initTransactions();
        return producer;
    }

    /** Rounds of the extractor measurement, after those that warm it up. */
    private static final int ROUNDS = 5;

    private static final int WARM_UP_ROUNDS = 2;

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /** Each image with {@code round} appended after its end: decoders stop before it, the content hash does not. */
    private static List<byte[]> withTail(List<byte[]> images, int round) {
        byte[] tail = ("retrain-stream benchmark round " + round).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        List<byte[]> out = new ArrayList<>(images.size());
        for (byte[] image : images) {
            byte[] copy = Arrays.copyOf(image, image.length + tail.length);
            System.arraycopy(tail, 0, copy, image.length, tail.length);
            out.add(copy);
        }
        return out;
    }

    /**
     * Publishes the photos, with the bytes of {@code images}, in one transaction and waits for their bottlenecks;
     * returns the seconds publishing took, the seconds from the commit to the last bottleneck and this JVM's CPU
     * seconds meanwhile.
     */
    private static double[] publishAndAwait(
            KafkaProducer<String, byte[]> producer,
            KafkaConsumer<String, byte[]> consumer,
            List<Path> photos,
            List<byte[]> images) {
        long start = System.nanoTime();
        producer.beginTransaction();
        java.util.Set<String> keys = new java.util.HashSet<>();
        for (int i = 0; i < photos.size(); i++) {
            Path photo = photos.get(i);
            String label = photo.getParent().getFileName().toString();
            ProducerRecord<String, byte[]> record =
                    new ProducerRecord<>(Topics.IMAGES, label + "/" + photo.getFileName(), images.get(i));
            record.headers()
                    .add(Topics.LABEL, label.getBytes())
                    .add(Topics.FILENAME, photo.getFileName().toString().getBytes());
            producer.send(record);
            keys.add(record.key());
        }
        producer.commitTransaction();
        long committed = System.nanoTime();
        double cpuAtCommit = ownCpuSeconds();
        while (!keys.isEmpty()) {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(10))) {
                keys.remove(record.key());
            }
        }
        return new double[] {
            (committed - start) / 1e9, (System.nanoTime() - committed) / 1e9, ownCpuSeconds() - cpuAtCommit
        };
    }

    /** CPU time of this JVM, which hosts the broker. */
    private static double ownCpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean)
                                java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                        .getProcessCpuTime()
                / 1e9;
    }

    /** Memory the service's JVM has committed in {@code area} (heap or nonheap), in MiB. */
    private static double committedMiB(ServiceProcess service, String area) {
        double bytes = 0;
        for (String line : service.get("/q/metrics").body().split("\n")) {
            if (line.startsWith("jvm_memory_committed_bytes{") && line.contains("area=\"" + area + "\"")) {
                bytes += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return bytes / (1024 * 1024);
    }

    /** How much a Prometheus figure of the service grew since {@code before}. */
    private static double after(ServiceProcess service, Map<String, Double> before, String name) {
        return metrics(service).getOrDefault(name, 0.0) - before.getOrDefault(name, 0.0);
    }

    /** The service's Prometheus figures without labels, by name. */
    private static Map<String, Double> metrics(ServiceProcess service) {
        Map<String, Double> figures = new java.util.HashMap<>();
        for (String line : service.get("/q/metrics").body().split("\n")) {
            int space = line.lastIndexOf(' ');
            if (!line.startsWith("#") && space > 0) {
                try {
                    figures.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
                } catch (NumberFormatException e) {
                    // not a sample line
                }
            }
        }
        return figures;
    }

    private static double seconds(JsonNode run) {
        return Duration.between(
                                java.time.Instant.parse(run.get("startedAt").asText()),
                                java.time.Instant.parse(run.get("finishedAt").asText()))
                        .toMillis()
                / 1000.0;
    }

    private static JsonNode train(ServiceProcess trainer, String body) throws IOException {
        HttpResponse<String> started = trainer.post("/train", "application/json", body.getBytes());
        if (started.statusCode() != 202) {
            throw new IllegalStateException("POST /train answered " + started.statusCode() + ": " + started.body());
        }
        long runId = JSON.readTree(started.body()).get("runId").asLong();
        while (true) {
            JsonNode run = json(trainer.get("/runs/" + runId));
            String status = run.get("status").asText();
            if (status.equals("SUCCEEDED") || status.equals("REJECTED")) {
                return run;
            }
            if (!status.equals("RUNNING")) {
                throw new IllegalStateException("Run " + runId + " ended " + status + ": " + run.path("message"));
            }
            ServiceProcess.sleep(100);
        }
    }

    /**
     * Every photo classified once at 1, 8 and 32 clients, so that the classifier's Java code is compiled for each
     * way requests arrive before any of them is timed.
     */
    private static void warmUp(ServiceProcess classifier, List<byte[]> images, byte[] typical) throws Exception {
        for (int clients : new int[] {1, 8, 32}) {
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            try {
                run(pool, classifier, images, typical, clients, Math.max(1, images.size() / clients));
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /**
     * The HTTP part of one client's latency: the typical photo posted with {@code top_k=0}, which the classifier
     * reads and answers with 400 without running anything.
     */
    private static void httpAlone(ServiceProcess classifier, byte[] typical) {
        long[] nanos = timedPosts(classifier, "/classify?top_k=0", typical, 300, 100);
        System.out.printf(
                "classifier, 1 client: the photo posted and answered without classifying (top_k=0): " + "p50 %.1f ms%n",
                nanos[nanos.length / 2] / 1e6);
    }

    /**
     * Posts {@code body} as a JPEG {@code warmUp} times, then {@code count} times timed; the times sorted. Every reply
     * must be 200, or 400 for {@code top_k=0}.
     */
    private static long[] timedPosts(ServiceProcess classifier, String path, byte[] body, int count, int warmUp) {
        int expected = path.contains("top_k=0") ? 400 : 200;
        long[] nanos = new long[count];
        for (int i = -warmUp; i < nanos.length; i++) {
            long start = System.nanoTime();
            HttpResponse<String> reply = classifier.post(path, "image/jpeg", body);
            if (reply.statusCode() != expected) {
                throw new IllegalStateException(path + " answered " + reply.statusCode() + ": " + reply.body());
            }
            if (i >= 0) {
                nanos[i] = System.nanoTime() - start;
            }
        }
        Arrays.sort(nanos);
        return nanos;
    }

    /** {@code clients} threads classify for a while after a warm-up; returns p50 and p99 ms and images/s. */
    private static double[] latency(ServiceProcess classifier, List<byte[]> images, byte[] typical, int clients)
            throws Exception {
        int perClient = clients == 1 ? 300 : Math.max(20, 600 / clients);
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            run(pool, classifier, images, typical, clients, Math.max(5, perClient / 5));
            long start = System.nanoTime();
            long[] nanos = run(pool, classifier, images, typical, clients, perClient);
            double seconds = (System.nanoTime() - start) / 1e9;
            Arrays.sort(nanos);
            double p50 = nanos[nanos.length / 2] / 1e6;
            double p99 = nanos[(int) Math.min(nanos.length - 1, Math.ceil(nanos.length * 0.99) - 1)] / 1e6;
            Map<String, Double> metrics = metrics(classifier);
            System.out.printf(
                    "classifier, %d client(s): batch inference p50 %.1f ms (recent), mean batch %.1f%n",
                    clients,
                    metrics.getOrDefault("classifier_inference_seconds{quantile=\"0.5\"}", Double.NaN) * 1000,
                    metrics.getOrDefault("classifier_batch_size_sum", 0.0)
                            / metrics.getOrDefault("classifier_batch_size_count", 1.0));
            return new double[] {p50, p99, nanos.length / seconds};
        } finally {
            pool.shutdownNow();
        }
    }

    /** One client sends the typical photo (the single-client latency goal); more clients cycle through all. */
    private static long[] run(
            ExecutorService pool,
            ServiceProcess classifier,
            List<byte[]> images,
            byte[] typical,
            int clients,
            int perClient)
            throws Exception {
        List<Future<long[]>> futures = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            futures.add(pool.submit(() -> {
                long[] nanos = new long[perClient];
                for (int i = 0; i < perClient; i++) {
                    byte[] image = clients == 1 ? typical : images.get((client * perClient + i) % images.size());
                    long start = System.nanoTime();
                    HttpResponse<String> reply = classifier.post("/classify", "image/jpeg", image);
                    nanos[i] = System.nanoTime() - start;
                    if (reply.statusCode() != 200) {
                        throw new IllegalStateException(
                                "classify answered " + reply.statusCode() + ": " + reply.body());
                    }
                }
                return nanos;
            }));
        }
        List<Long> all = new ArrayList<>();
        for (Future<long[]> future : futures) {
            for (long n : future.get()) {
                all.add(n);
            }
        }
        return all.stream().mapToLong(Long::longValue).toArray();
    }

    private static void row(String what, double figure, String reference, double referenceFigure) {
        ROWS.add(new String[] {
            what,
            String.format("%.0f", figure),
            reference,
            String.format("%.0f", referenceFigure),
            String.format("%.2f", figure / referenceFigure)
        });
    }

    private static void print() {
        String format = "%-58s %14s   %-24s %10s %7s%n";
        System.out.printf(format, "measurement", "figure", "compared with", "reference", "ratio");
        System.out.println("-".repeat(118));
        for (String[] row : ROWS) {
            System.out.printf(format, (Object[]) row);
        }
    }
}
