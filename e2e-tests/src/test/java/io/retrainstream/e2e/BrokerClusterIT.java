package io.retrainstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.common.testing.FreePorts;
import io.retrainstream.common.testing.SharedData;
import io.retrainstream.e2e.CliWorkspace.Result;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code ./retrain up --brokers 3 --extractors 2 --classifiers 2} as users run it: the CLI as its own process on a
 * workspace of its own, a three-node KRaft cluster and the packaged services under its supervisor. While the 750
 * photos of flowers-small stream in, the broker leading the first partition of {@code images} and the second
 * extractor are killed with SIGKILL: every photo still becomes a bottleneck, both extractors did part of the work, the
 * pipeline stalls only seconds, and after a training run both classifiers serve the new version.
 */
class BrokerClusterIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final List<String> EXTRACTORS = List.of("extractor", "extractor-2");
    private static final List<String> CLASSIFIERS = List.of("classifier", "classifier-2");
    private static final Pattern EXTRACTED = Pattern.compile(
            "^extractor_images_total\\{[^}]*outcome=\"extracted\"[^}]*} ([0-9.eE+]+)$", Pattern.MULTILINE);
    /** The longest the pipeline may stall after a broker is killed (the controller fences it after 4 s). */
    private static final Duration MAX_STALL = Duration.ofSeconds(20);

    private static CliWorkspace workspace;
    private static Path root;
    private static int trainerPort;
    /** The broker the test kills. */
    private static String brokerVictim;
    /** Photos at the trainer over time, sampled every 100 ms: nanoTime and count. */
    private static final List<long[]> arrivals = new CopyOnWriteArrayList<>();
    /** Images each extractor process extracted, by instance and pid, as last read from its /q/metrics. */
    private static final Map<String, Map<Long, Long>> extracted = new ConcurrentHashMap<>();

    @BeforeAll
    static void workspace() throws IOException {
        workspace = CliWorkspace.create("broker-cluster");
        root = workspace.root();
    }

    @AfterAll
    static void down() throws Exception {
        if (workspace != null) {
            workspace.down();
        }
    }

    @Test
    void aBrokerAndAnExtractorKilledWhilePhotosStreamLoseNone() throws Exception {
        int kafkaPort = FreePorts.consecutive(6);
        trainerPort = FreePorts.any();
        Result up = cli(
                "up",
                "--brokers",
                "3",
                "--extractors",
                "2",
                "--classifiers",
                "2",
                "--kafka-port",
                Integer.toString(kafkaPort),
                "--classifier-port",
                Integer.toString(FreePorts.any()),
                "--extractor-port",
                Integer.toString(FreePorts.any()),
                "--trainer-port",
                Integer.toString(trainerPort),
                "--model-dir",
                SharedData.models().toString(),
                "--architecture",
                "mobilenet_0.25_128",
                "--no-continuous",
                "--quiet-period",
                "3600",
                "--timeout",
                "240");
        System.out.print(up.output());
        assertThat(up.status()).as(up.output()).isZero();
        JsonNode state = state();
        String bootstrap = "127.0.0.1:" + kafkaPort + ",127.0.0.1:" + (kafkaPort + 2) + ",127.0.0.1:" + (kafkaPort + 4);
        assertThat(up.output()).contains("kafka       " + bootstrap);
        List<String> names = new ArrayList<>();
        state.get("pids").fieldNames().forEachRemaining(names::add);
        assertThat(names)
                .containsExactlyInAnyOrder(
                        "kafka",
                        "kafka-2",
                        "kafka-3",
                        "extractor",
                        "extractor-2",
                        "trainer",
                        "classifier",
                        "classifier-2",
                        "supervisor");
        assertThat(state.get("pids").get("kafka").asLong())
                .isNotEqualTo(state.get("pids").get("kafka-2").asLong());

        try (Admin admin = admin(bootstrap)) {
            assertReplicated(admin, Topics.IMAGES, 6);
            assertReplicated(admin, Topics.BOTTLENECKS, 6);
            assertReplicated(admin, Topics.MODELS, 1);
            assertThat(admin.describeCluster().nodes().get(10, TimeUnit.SECONDS))
                    .hasSize(3);
        }

        ScheduledExecutorService sampler = Executors.newScheduledThreadPool(2);
        try {
            sampler.scheduleWithFixedDelay(BrokerClusterIT::sampleArrivals, 0, 100, TimeUnit.MILLISECONDS);
            sampler.scheduleWithFixedDelay(BrokerClusterIT::sampleExtractors, 0, 250, TimeUnit.MILLISECONDS);
            run(bootstrap, state);
        } finally {
            sampler.shutdownNow();
        }
    }

    private void run(String bootstrap, JsonNode state) throws Exception {
        Path first = photos("first", List.of("daisy"));
        Path middle = photos("middle", List.of("dandelion", "roses", "sunflowers"));
        Path last = photos("last", List.of("tulips"));
        int firstCount = countPhotos(first);
        int total = firstCount + countPhotos(middle) + countPhotos(last);
        long start = System.nanoTime();
        Result published = cli("publish", "--image-dir", first.toString());
        assertThat(published.status()).as(published.output()).isZero();
        workspace.awaitTrainerImages(trainerPort, firstCount, Duration.ofMinutes(3));
        double firstSeconds = (System.nanoTime() - start) / 1e9;
        sampleExtractors();
        for (String extractor : EXTRACTORS) {
            assertThat(extractedBy(extractor))
                    .as(extractor + " extracted some of the first " + firstCount + " photos")
                    .isPositive();
        }
        System.out.printf(
                "%d photos published and extracted by 2 extractors in %.1f s (%.0f images/s); per extractor %s%n",
                firstCount, firstSeconds, firstCount / firstSeconds, perExtractor());

        // The middle classes stream in while a broker dies.
        Process publishing = cliProcess("publish", "--image-dir", middle.toString());
        long atKill = workspace.awaitTrainerImages(trainerPort, firstCount + 20, Duration.ofMinutes(2));
        try (Admin admin = admin(bootstrap)) {
            int leader = leaders(admin).get(Topics.IMAGES + "-0");
            String victim = leader == 1 ? "kafka" : "kafka-" + leader;
            long brokerPid = state().get("pids").get(victim).asLong();
            long brokerKilled = System.nanoTime();
            assertThat(ProcessHandle.of(brokerPid).orElseThrow().destroyForcibly())
                    .isTrue();
            System.out.printf(
                    "Killed %s (SIGKILL, pid %d, leader of images-0) with %d photos at the trainer%n",
                    victim, brokerPid, atKill);
            double failover = awaitNoLeadership(admin, leader, brokerKilled);
            System.out.printf(
                    "Every partition %s led has a new leader %.1f s after the kill (photos at the trainer: %d)%n",
                    victim, failover, currentCount());
            assertThat(failover).isLessThan(MAX_STALL.toSeconds());
            long resumed = workspace.awaitTrainerImages(trainerPort, (int) currentCount() + 30, Duration.ofMinutes(2));
            double stall = longestStall(brokerKilled, System.nanoTime());
            System.out.printf(
                    "After the broker kill the trainer went at most %.1f s without a new photo (%d there now)%n",
                    stall, resumed);
            assertThat(stall).isLessThan(MAX_STALL.toSeconds());
            brokerVictim = victim;
        }

        // Then an extractor, while the rest still streams in.
        long extractorPid = state().get("pids").get("extractor-2").asLong();
        sampleExtractors();
        assertThat(ProcessHandle.of(extractorPid).orElseThrow().destroyForcibly())
                .isTrue();
        long extractorKilled = System.nanoTime();
        System.out.printf(
                "Killed extractor-2 (SIGKILL, pid %d) with %d photos at the trainer%n", extractorPid, currentCount());
        assertThat(publishing.waitFor(CliWorkspace.CLI_TIMEOUT.toSeconds(), TimeUnit.SECONDS))
                .as("publish of the middle classes ends")
                .isTrue();
        assertThat(publishing.exitValue())
                .as(Files.readString(root.resolve("publish-middle.out")))
                .isZero();
        published = cli("publish", "--image-dir", last.toString());
        assertThat(published.status()).as(published.output()).isZero();

        workspace.awaitTrainerImages(trainerPort, total, Duration.ofMinutes(4));
        JsonNode dataset = get(trainerPort, "/dataset");
        System.out.printf(
                "All %d photos became bottlenecks %.1f s after the extractor kill: %s%n",
                total, (System.nanoTime() - extractorKilled) / 1e9, dataset.get("classes"));
        assertThat(dataset.get("images").asInt()).isEqualTo(total);
        assertThat(dataset.get("classes").size()).isEqualTo(5);

        sampleExtractors();
        System.out.println("Images extracted per extractor (summed over its processes): " + perExtractor());
        for (String extractor : EXTRACTORS) {
            assertThat(extractedBy(extractor)).as(extractor).isPositive();
        }

        awaitHealthy(Duration.ofMinutes(2));
        Result train = cli("train", "--wait", "--how_many_training_steps", "100");
        assertThat(train.status()).as(train.output()).isZero();
        long serving = get(trainerPort, "/models").get("serving").asLong();
        assertThat(serving).isPositive();
        JsonNode ports = state().get("ports");
        for (String classifier : CLASSIFIERS) {
            int port = ports.get(classifier).asInt();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            long version = -1;
            while (System.nanoTime() < deadline && version != serving) {
                try {
                    version = get(port, "/model").path("version").asLong(-1);
                } catch (IOException e) {
                    // not answering right now
                }
                Thread.sleep(100);
            }
            assertThat(version).as(classifier + " serves the trainer's version").isEqualTo(serving);
        }

        Result json = cli("status", "--json");
        assertThat(json.status()).as(json.output()).isZero();
        JsonNode document = JSON.readTree(json.output());
        Map<String, JsonNode> byName = new LinkedHashMap<>();
        document.get("processes")
                .forEach(process -> byName.put(process.get("name").asText(), process));
        assertThat(byName.keySet())
                .containsExactly(
                        "kafka",
                        "kafka-2",
                        "kafka-3",
                        "extractor",
                        "extractor-2",
                        "trainer",
                        "classifier",
                        "classifier-2",
                        "supervisor");
        for (int node = 1; node <= 3; node++) {
            JsonNode broker = byName.get(node == 1 ? "kafka" : "kafka-" + node);
            assertThat(broker.get("role").asText()).isEqualTo("broker");
            assertThat(broker.get("ports").get("client").asInt()).isEqualTo(kafkaPortOf(node));
            assertThat(broker.get("ports").get("controller").asInt()).isEqualTo(kafkaPortOf(node) + 1);
            assertThat(broker.get("health").asText()).isEqualTo("UP");
        }
        assertThat(byName.get(brokerVictim).get("restarts").asInt()).isEqualTo(1);
        assertThat(byName.get(brokerVictim).get("lastRestartReason").asText()).isEqualTo("exit 137 (SIGKILL)");
        assertThat(byName.get("extractor-2").get("restarts").asInt()).isEqualTo(1);
        assertThat(document.get("healthy").asBoolean()).as(json.output()).isTrue();
    }

    private static int kafkaPortOf(int node) throws IOException {
        return state().get("kafkaPort").asInt() + 2 * (node - 1);
    }

    /** The leader of every partition of the image topics, by {@code topic-partition}. */
    private static Map<String, Integer> leaders(Admin admin) throws Exception {
        Map<String, Integer> leaders = new LinkedHashMap<>();
        admin.describeTopics(List.of(Topics.IMAGES, Topics.BOTTLENECKS))
                .allTopicNames()
                .get(10, TimeUnit.SECONDS)
                .forEach((topic, description) -> description
                        .partitions()
                        .forEach(partition -> leaders.put(
                                topic + "-" + partition.partition(),
                                partition.leader() == null
                                        ? -1
                                        : partition.leader().id())));
        return leaders;
    }

    /** Waits until no partition of the image topics is led by {@code broker}; seconds since {@code since}. */
    private static double awaitNoLeadership(Admin admin, int broker, long since) throws Exception {
        long deadline = since + Duration.ofMinutes(1).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                Map<String, Integer> leaders = leaders(admin);
                if (!leaders.containsValue(broker) && !leaders.containsValue(-1)) {
                    return (System.nanoTime() - since) / 1e9;
                }
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                // the cluster is electing: ask again
            }
            Thread.sleep(100);
        }
        throw new AssertionError("Broker " + broker + " still leads partitions a minute after it was killed");
    }

    private static void assertReplicated(Admin admin, String topic, int partitions) throws Exception {
        TopicDescription description = admin.describeTopics(List.of(topic))
                .allTopicNames()
                .get(10, TimeUnit.SECONDS)
                .get(topic);
        assertThat(description.partitions()).as(topic).hasSize(partitions);
        description.partitions().forEach(partition -> assertThat(partition.replicas())
                .as(topic + "-" + partition.partition())
                .hasSize(3));
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config config = admin.describeConfigs(List.of(resource))
                .all()
                .get(10, TimeUnit.SECONDS)
                .get(resource);
        assertThat(config.get("min.insync.replicas").value()).as(topic).isEqualTo("2");
    }

    private static Admin admin(String bootstrap) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
        return Admin.create(props);
    }

    /** A folder of links to these class folders of flowers-small. */
    private static Path photos(String name, List<String> classes) throws IOException {
        Path dir = Files.createDirectories(root.resolve("photos").resolve(name));
        for (String label : classes) {
            Files.createSymbolicLink(dir.resolve(label), SharedData.flowers().resolve(label));
        }
        return dir;
    }

    private static int countPhotos(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir, 2, FileVisitOption.FOLLOW_LINKS)) {
            return (int) files.filter(p -> p.toString().toLowerCase(Locale.ROOT).endsWith(".jpg"))
                    .count();
        }
    }

    private static void sampleArrivals() {
        try {
            long images = get(trainerPort, "/dataset").get("images").asLong();
            arrivals.add(new long[] {System.nanoTime(), images});
        } catch (Exception e) {
            // the trainer is not answering right now
        }
    }

    /** Reads each extractor's counter, keeping the last value of each of its processes. */
    private static void sampleExtractors() {
        try {
            JsonNode state = state();
            for (String extractor : EXTRACTORS) {
                long pid = state.get("pids").path(extractor).asLong(-1);
                int port = state.get("ports").get(extractor).asInt();
                String metrics = text(port, "/q/metrics");
                Matcher matcher = EXTRACTED.matcher(metrics);
                if (pid > 0 && matcher.find()) {
                    long value = (long) Double.parseDouble(matcher.group(1));
                    extracted
                            .computeIfAbsent(extractor, k -> new ConcurrentHashMap<>())
                            .merge(pid, value, Math::max);
                }
            }
        } catch (Exception e) {
            // an extractor is not answering right now (killed, or starting again)
        }
    }

    private static long extractedBy(String extractor) {
        return extracted.getOrDefault(extractor, Map.of()).values().stream()
                .mapToLong(Long::longValue)
                .sum();
    }

    private static Map<String, Long> perExtractor() {
        Map<String, Long> counts = new LinkedHashMap<>();
        EXTRACTORS.forEach(extractor -> counts.put(extractor, extractedBy(extractor)));
        return counts;
    }

    private static long currentCount() {
        return arrivals.isEmpty() ? 0 : arrivals.get(arrivals.size() - 1)[1];
    }

    /** The longest time between {@code from} and {@code to} in which no new photo reached the trainer. */
    private static double longestStall(long from, long to) {
        long longest = 0;
        long lastChange = from;
        long lastCount = -1;
        for (long[] sample : arrivals) {
            if (sample[0] < from) {
                lastCount = sample[1];
                continue;
            }
            if (sample[0] > to) {
                break;
            }
            if (sample[1] != lastCount) {
                longest = Math.max(longest, sample[0] - lastChange);
                lastChange = sample[0];
                lastCount = sample[1];
            }
        }
        return longest / 1e9;
    }

    /** Waits until {@code status} says every process is healthy (the killed ones restarted). */
    private static void awaitHealthy(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Result status = null;
        while (System.nanoTime() < deadline) {
            status = cli("status");
            if (status.status() == 0) {
                return;
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("Not healthy after " + timeout.toSeconds() + " s:\n" + status.output());
    }

    private static JsonNode state() throws IOException {
        return workspace.state();
    }

    private static JsonNode get(int port, String path) throws IOException, InterruptedException {
        return JSON.readTree(text(port, path));
    }

    private static String text(int port, String path) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException(path + " answered HTTP " + response.statusCode());
        }
        return response.body();
    }

    private static Result cli(String... args) throws IOException, InterruptedException {
        return workspace.cli(args);
    }

    /** {@code ./retrain publish ...} in the background, its output in {@code publish-NAME.out}. */
    private static Process cliProcess(String... args) throws IOException {
        Path dir = Path.of(args[args.length - 1]);
        return workspace.start(root.resolve("publish-" + dir.getFileName() + ".out"), args);
    }
}
