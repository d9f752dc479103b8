package io.retrainstream.cli.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.retrainstream.cli.FakeService;
import io.retrainstream.cli.Main;
import io.retrainstream.cli.TestConsole;
import io.retrainstream.common.testing.FreePorts;
import io.retrainstream.common.testing.Listeners;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code up}, {@code status}, {@code publish} and {@code down} on a temporary workspace: the real Kafka broker process
 * launched from {@code target/lib} as {@code ./retrain up} does, and {@link FakeService} jars in place of the three
 * Quarkus services. Runs after {@code package}, when {@code target/lib} exists.
 */
class UpDownIT {

    /** Below target/ rather than a @TempDir, which warns about the symbolic link to target/lib. */
    private final Path root = Path.of("target", "up-down-it").toAbsolutePath();

    private Workspace workspace;

    @BeforeEach
    void workspace() throws IOException {
        DownCommand.deleteTree(root);
        Path lib = Path.of(System.getProperty("retrain.cli.lib", "target/lib")).toAbsolutePath();
        assertThat(lib.resolve("kafka_2.13-" + org.apache.kafka.common.utils.AppInfoParser.getVersion() + ".jar"))
                .exists();
        Files.createDirectories(root.resolve("cli/target"));
        Files.createSymbolicLink(root.resolve("cli/target/lib"), lib);
        for (Service service : Service.values()) {
            writeFakeServiceJar(root.resolve(service.module()).resolve("target/quarkus-app/quarkus-run.jar"));
        }
        workspace = new Workspace(root, root);
    }

    @AfterEach
    void stopEverything() {
        Main.run(new String[] {"down"}, new TestConsole(workspace).context);
    }

    @Test
    void upStartsKafkaAndTheServicesAndDownStopsThem() throws Exception {
        int kafkaPort = FreePorts.pair();
        int classifierPort = FreePorts.any();
        int extractorPort = FreePorts.any();
        int trainerPort = FreePorts.any();
        TestConsole up = new TestConsole(workspace);
        int status = Main.run(
                new String[] {
                    "up",
                    "--kafka-port",
                    Integer.toString(kafkaPort),
                    "--classifier-port",
                    Integer.toString(classifierPort),
                    "--extractor-port",
                    Integer.toString(extractorPort),
                    "--trainer-port",
                    Integer.toString(trainerPort),
                    "--quiet-period",
                    "7",
                    "--timeout",
                    "60",
                    "--model-dir",
                    io.retrainstream.common.testing.SharedData.models().toString()
                },
                up.context);

        assertThat(status).as(up.err()).isZero();
        assertThat(up.out())
                .contains("http://127.0.0.1:" + classifierPort + "/classify")
                .contains("127.0.0.1:" + kafkaPort);
        String bootstrap = "127.0.0.1:" + kafkaPort;
        assertThat(Broker.isReachable(bootstrap, Duration.ofSeconds(10))).isTrue();
        State state = State.load(workspace).orElseThrow();
        assertThat(state.pids()).containsOnlyKeys("supervisor", "kafka", "extractor", "trainer", "classifier");
        assertThat(state.alivePids()).hasSize(5);
        assertThat(up.out()).contains("supervisor  pid " + state.pids().get("supervisor"));
        assertThat(workspace.pidFile("kafka")).exists();
        assertThat(workspace.logFile("kafka")).content().contains("Kafka Server started");

        String trainerEnv = Files.readString(root.resolve("fake-" + trainerPort + ".env"));
        assertThat(trainerEnv)
                .contains("KAFKA_BOOTSTRAP_SERVERS=" + bootstrap)
                .contains("RETRAIN_ARCHITECTURE=mobilenet_0.25_128")
                .contains("TRAINER_QUIET_PERIOD=7s")
                .contains("TRAINER_EXTRACTOR_URL=http://127.0.0.1:" + extractorPort)
                .contains("TF_CPP_MIN_LOG_LEVEL=2")
                .contains("javacpp.cachedir=" + System.getProperty("user.home") + "/.cache/retrain-stream/javacpp");
        assertThat(Files.readString(root.resolve("fake-" + extractorPort + ".env")))
                .contains("TRAINER_QUIET_PERIOD=null");

        // The admin token: created private, given in the environment to the two services with admin endpoints only
        Path tokenFile = root.resolve(".retrain/admin-token");
        assertThat(Files.getPosixFilePermissions(tokenFile)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        String token = Files.readString(tokenFile).strip();
        assertThat(token).hasSize(43);
        assertThat(trainerEnv).contains("RETRAIN_ADMIN_TOKEN=" + token).contains("QUARKUS_HTTP_HOST=127.0.0.1");
        assertThat(Files.readString(root.resolve("fake-" + extractorPort + ".env")))
                .contains("RETRAIN_ADMIN_TOKEN=" + token);
        assertThat(Files.readString(root.resolve("fake-" + classifierPort + ".env")))
                .contains("RETRAIN_ADMIN_TOKEN=null")
                .contains("QUARKUS_HTTP_HOST=127.0.0.1");
        for (long pid : state.pids().values()) {
            assertThat(ProcessHandle.of(pid)
                            .flatMap(p -> p.info().commandLine())
                            .orElse(""))
                    .as("command line of pid " + pid)
                    .doesNotContain(token);
        }
        assertListensOnLoopbackOnly(state);

        TestConsole again = new TestConsole(workspace);
        assertThat(Main.run(new String[] {"up"}, again.context)).isEqualTo(1);
        assertThat(again.err()).contains("already running").contains("./retrain down");

        TestConsole statusConsole = new TestConsole(workspace);
        assertThat(Main.run(new String[] {"status"}, statusConsole.context))
                .as(statusConsole.out())
                .isZero();
        assertThat(statusConsole.out())
                .containsPattern("kafka\\s+\\d+\\s+yes\\s+" + kafkaPort + "\\s+UP")
                .containsPattern("classifier\\s+\\d+\\s+yes\\s+" + classifierPort + "\\s+UP");
        assertStatusJson(
                state,
                kafkaPort,
                Map.of(
                        Service.EXTRACTOR,
                        extractorPort,
                        Service.TRAINER,
                        trainerPort,
                        Service.CLASSIFIER,
                        classifierPort));

        assertRestartsWhatStops(
                state,
                Map.of(
                        Service.CLASSIFIER,
                        classifierPort,
                        Service.EXTRACTOR,
                        extractorPort,
                        Service.TRAINER,
                        trainerPort));

        Path photo = root.resolve("photos/daisy/1.jpg");
        Files.createDirectories(photo.getParent());
        Files.write(photo, new byte[] {1, 2, 3});
        TestConsole publish = new TestConsole(workspace);
        assertThat(Main.run(new String[] {"publish", "--image-dir", "photos"}, publish.context))
                .as(publish.err())
                .isZero();
        assertThat(publish.err()).contains("on Kafka at " + bootstrap);

        State restarted = State.load(workspace).orElseThrow();
        TestConsole down = new TestConsole(workspace);
        assertThat(Main.run(new String[] {"down"}, down.context)).isZero();
        assertThat(down.out())
                .containsSubsequence("Stopped supervisor", "Stopped kafka")
                .contains("Stopped trainer");
        for (long pid : java.util.stream.Stream.concat(
                        state.pids().values().stream(), restarted.pids().values().stream())
                .toList()) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive))
                    .as("pid " + pid)
                    .isNotEqualTo(java.util.Optional.of(true));
        }
        assertThat(workspace.stateFile()).doesNotExist();
        assertThat(workspace.pidFile("kafka")).doesNotExist();
        assertThat(workspace.kafkaDir().resolve("data/meta.properties")).exists();

        TestConsole purge = new TestConsole(workspace);
        assertThat(Main.run(new String[] {"down", "--purge"}, purge.context)).isZero();
        assertThat(workspace.kafkaDir()).doesNotExist();
    }

    /**
     * {@code up --extractors 2 --classifiers 3}: every instance on a port of its own, supervised (a killed second
     * extractor comes back), listed by {@code status} and {@code status --json}, and stopped by {@code down}.
     */
    @Test
    void upStartsSeveralExtractorsAndClassifiersAndDownStopsThemAll() throws Exception {
        int kafkaPort = FreePorts.pair();
        int classifierPort = FreePorts.any();
        int extractorPort = FreePorts.any();
        int trainerPort = FreePorts.any();
        TestConsole up = new TestConsole(workspace);
        int status = Main.run(
                new String[] {
                    "up",
                    "--kafka-port=" + kafkaPort,
                    "--classifier-port=" + classifierPort,
                    "--extractor-port=" + extractorPort,
                    "--trainer-port=" + trainerPort,
                    "--extractors=2",
                    "--classifiers=3",
                    "--timeout=60",
                    "--model-dir=" + io.retrainstream.common.testing.SharedData.models()
                },
                up.context);

        assertThat(status).as(up.err()).isZero();
        State state = State.load(workspace).orElseThrow();
        List<String> services =
                List.of("extractor", "extractor-2", "trainer", "classifier", "classifier-2", "classifier-3");
        assertThat(state.ports()).containsOnlyKeys(services);
        assertThat(state.ports())
                .containsEntry("extractor", extractorPort)
                .containsEntry("trainer", trainerPort)
                .containsEntry("classifier", classifierPort);
        assertThat(new java.util.HashSet<>(state.ports().values()))
                .as("distinct ports")
                .hasSize(services.size())
                .doesNotContain(kafkaPort, kafkaPort + 1);
        assertThat(state.pids()).containsOnlyKeys(concat(services, "kafka", "supervisor"));
        assertThat(state.alivePids()).hasSize(services.size() + 2);
        for (String name : services) {
            int port = state.ports().get(name);
            // Each instance was started with its own port and the broker's address, and answers there
            assertThat(Files.readString(root.resolve("fake-" + port + ".env")))
                    .as(name)
                    .contains("KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:" + kafkaPort);
            assertThat(workspace.pidFile(name)).exists();
            assertThat(workspace.logFile(name)).content().contains("Fake service listening on " + port);
            if (name.startsWith("classifier")) {
                assertThat(up.out()).contains("http://127.0.0.1:" + port + "/classify");
            } else {
                assertThat(up.out()).contains("http://127.0.0.1:" + port);
            }
        }
        assertThat(Files.readString(root.resolve("fake-" + trainerPort + ".env")))
                .as("the trainer asks the first extractor for distorted bottlenecks")
                .contains("TRAINER_EXTRACTOR_URL=http://127.0.0.1:" + extractorPort);
        assertThat(Files.readString(root.resolve("fake-" + state.ports().get("extractor-2") + ".env")))
                .contains("RETRAIN_ADMIN_TOKEN="
                        + Files.readString(root.resolve(".retrain/admin-token")).strip());

        TestConsole json = new TestConsole(workspace);
        assertThat(Main.run(new String[] {"status", "--json"}, json.context))
                .as(json.out())
                .isZero();
        JsonNode processes = ServiceHttp.JSON.readTree(json.out()).get("processes");
        Map<String, String> roles = new java.util.LinkedHashMap<>();
        processes.forEach(process -> {
            String name = process.get("name").asText();
            roles.put(name, process.get("role").asText());
            assertThat(process.get("health").asText()).as(name).isEqualTo("UP");
            assertThat(process.get("pid").asLong())
                    .as(name)
                    .isEqualTo(state.pids().get(name));
            if (state.ports().containsKey(name)) {
                assertThat(process.get("ports").get("http").asInt())
                        .as(name)
                        .isEqualTo(state.ports().get(name));
            }
        });
        assertThat(roles)
                .containsExactly(
                        Map.entry("kafka", "broker"),
                        Map.entry("extractor", "extractor"),
                        Map.entry("extractor-2", "extractor"),
                        Map.entry("trainer", "trainer"),
                        Map.entry("classifier", "classifier"),
                        Map.entry("classifier-2", "classifier"),
                        Map.entry("classifier-3", "classifier"),
                        Map.entry("supervisor", "supervisor"));
        TestConsole text = new TestConsole(workspace);
        assertThat(Main.run(new String[] {"status"}, text.context))
                .as(text.out())
                .isZero();
        assertThat(text.out())
                .containsPattern("extractor-2\\s+" + state.pids().get("extractor-2") + "\\s+yes\\s+"
                        + state.ports().get("extractor-2") + "\\s+UP")
                .containsPattern("classifier-3\\s+" + state.pids().get("classifier-3") + "\\s+yes\\s+"
                        + state.ports().get("classifier-3") + "\\s+UP");

        // Each instance is supervised: a killed second extractor comes back, on its port
        long killedPid = state.pids().get("extractor-2");
        assertThat(ProcessHandle.of(killedPid).orElseThrow().destroyForcibly()).isTrue();
        ServiceHttp http = new ServiceHttp(workspace, Duration.ofSeconds(2));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        State now = state;
        while (System.nanoTime() < deadline
                && (now.pids().get("extractor-2") == killedPid
                        || !http.probe("http://127.0.0.1:" + state.ports().get("extractor-2") + "/q/health/live")
                                .equals(java.util.Optional.of(200)))) {
            Thread.sleep(100);
            now = State.load(workspace).orElseThrow();
        }
        assertThat(now.pids().get("extractor-2")).as("restarted extractor-2").isNotEqualTo(killedPid);
        assertThat(now.restartCount("extractor-2")).isEqualTo(1);
        assertThat(now.restartCount("extractor")).isZero();

        TestConsole down = new TestConsole(workspace);
        assertThat(Main.run(new String[] {"down"}, down.context)).isZero();
        for (String name : concat(services, "kafka", "supervisor")) {
            assertThat(down.out()).contains("Stopped " + name + " ");
        }
        for (long pid : java.util.stream.Stream.concat(state.pids().values().stream(), now.pids().values().stream())
                .toList()) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive))
                    .as("pid " + pid)
                    .isNotEqualTo(java.util.Optional.of(true));
        }
        assertThat(workspace.stateFile()).doesNotExist();
        assertThat(workspace.pidFile("classifier-3")).doesNotExist();
    }

    private static String[] concat(List<String> names, String... more) {
        return java.util.stream.Stream.concat(names.stream(), java.util.Arrays.stream(more))
                .toArray(String[]::new);
    }

    /**
     * SIGKILLs the classifier and the extractor and stops the trainer (SIGSTOP, so it still runs but answers nothing):
     * the supervisor restarts the killed ones within 15 s, and the hung one once its liveness check has failed three
     * times in a row; status shows the restarts and why.
     */
    private void assertRestartsWhatStops(State state, Map<Service, Integer> ports) throws Exception {
        long killed = System.nanoTime();
        for (Service service : List.of(Service.CLASSIFIER, Service.EXTRACTOR)) {
            assertThat(ProcessHandle.of(state.pids().get(service.id()))
                            .orElseThrow()
                            .destroyForcibly())
                    .isTrue();
        }
        assertThat(new ProcessBuilder(
                                "kill",
                                "-STOP",
                                state.pids().get(Service.TRAINER.id()).toString())
                        .inheritIO()
                        .start()
                        .waitFor())
                .isZero();

        ServiceHttp http = new ServiceHttp(workspace, Duration.ofSeconds(2));
        Map<Service, Double> back = new java.util.EnumMap<>(Service.class);
        while (back.size() < ports.size()
                && System.nanoTime() - killed < Duration.ofSeconds(60).toNanos()) {
            State now = State.load(workspace).orElseThrow();
            for (Service service : ports.keySet()) {
                long pid = now.pids().get(service.id());
                if (!back.containsKey(service)
                        && pid != state.pids().get(service.id())
                        && http.probe("http://127.0.0.1:" + ports.get(service) + "/q/health/live")
                                .equals(java.util.Optional.of(200))) {
                    back.put(service, (System.nanoTime() - killed) / 1e9);
                }
            }
            Thread.sleep(100);
        }
        System.out.printf(
                "Back and live after kill -9: classifier %.1f s, extractor %.1f s; hung trainer %.1f s%n",
                back.get(Service.CLASSIFIER), back.get(Service.EXTRACTOR), back.get(Service.TRAINER));
        assertThat(back.get(Service.CLASSIFIER)).isNotNull().isLessThan(15);
        assertThat(back.get(Service.EXTRACTOR)).isNotNull().isLessThan(15);
        assertThat(back.get(Service.TRAINER)).as("hung trainer restarted").isNotNull();

        TestConsole status = new TestConsole(workspace);
        assertThat(Main.run(new String[] {"status"}, status.context))
                .as(status.out())
                .isZero();
        assertThat(status.out())
                .containsPattern("classifier\\s+\\d+\\s+yes\\s+" + ports.get(Service.CLASSIFIER)
                        + "\\s+UP\\s+1\\s+exit 137 \\(SIGKILL\\) at 20")
                .containsPattern("extractor\\s+\\d+\\s+yes\\s+\\d+\\s+UP\\s+1\\s+exit 137 \\(SIGKILL\\)")
                .containsPattern("trainer\\s+\\d+\\s+yes\\s+\\d+\\s+UP\\s+1\\s+liveness check failed 3 times in a "
                        + "row \\(no answer from http://127.0.0.1:\\d+/q/health/live within 2 s\\); killed it "
                        + "\\(SIGKILL\\)")
                .containsPattern("kafka\\s+\\d+\\s+yes\\s+\\d+\\s+UP\\s+0\\s*\\n")
                .containsPattern("supervisor\\s+" + state.pids().get("supervisor") + "\\s+yes");
        assertThat(workspace.logFile("supervisor"))
                .content()
                .contains("classifier stopped: exit 137 (SIGKILL); restart 1 in 1 s")
                .contains("trainer (pid " + state.pids().get("trainer") + ") failed its liveness check, 3 of 3");
    }

    /**
     * {@code status --json} on the running stack: one JSON document listing the broker, each service and the
     * supervisor with the pids of state.json, their ports and their health, all healthy.
     */
    private void assertStatusJson(State state, int kafkaPort, Map<Service, Integer> ports) throws IOException {
        TestConsole console = new TestConsole(workspace);
        assertThat(Main.run(new String[] {"status", "--json"}, console.context))
                .as(console.out())
                .isZero();
        JsonNode json = ServiceHttp.JSON.readTree(console.out());
        assertThat(json.get("healthy").asBoolean()).as(console.out()).isTrue();
        assertThat(json.get("architecture").asText()).isEqualTo("mobilenet_0.25_128");
        Map<String, JsonNode> byName = new java.util.LinkedHashMap<>();
        json.get("processes").forEach(process -> byName.put(process.get("name").asText(), process));
        assertThat(byName).containsOnlyKeys("kafka", "extractor", "trainer", "classifier", "supervisor");
        for (JsonNode process : byName.values()) {
            String name = process.get("name").asText();
            assertThat(process.get("pid").asLong())
                    .as(name)
                    .isEqualTo(state.pids().get(name));
            assertThat(process.get("alive").asBoolean()).as(name).isTrue();
            assertThat(process.get("health").asText()).as(name).isEqualTo("UP");
            assertThat(process.get("restarts").asInt()).as(name).isZero();
        }
        assertThat(byName.get("kafka").get("role").asText()).isEqualTo("broker");
        assertThat(byName.get("kafka").get("ports").get("client").asInt()).isEqualTo(kafkaPort);
        assertThat(byName.get("kafka").get("ports").get("controller").asInt()).isEqualTo(kafkaPort + 1);
        ports.forEach((service, port) -> {
            JsonNode process = byName.get(service.id());
            assertThat(process.get("role").asText()).isEqualTo(service.id());
            assertThat(process.get("ports").get("http").asInt()).isEqualTo(port);
            assertThat(process.get("url").asText()).isEqualTo("http://127.0.0.1:" + port);
        });
        assertThat(byName.get("supervisor").get("role").asText()).isEqualTo("supervisor");
    }

    /** Every socket the stack's processes listen on is on 127.0.0.1 (what {@code ss -ltnp} would show). */
    private static void assertListensOnLoopbackOnly(State state) {
        assumeTrue(Listeners.supported(), "no /proc/net/tcp to read the listening sockets from");
        for (Map.Entry<String, Long> process : state.pids().entrySet()) {
            List<Listeners.Listener> listeners = Listeners.of(process.getValue());
            assertThat(listeners)
                    .as(process.getKey() + " listens on " + listeners)
                    .allMatch(Listeners.Listener::loopback);
            if (!process.getKey().equals("supervisor")) {
                assertThat(listeners).as(process.getKey()).isNotEmpty();
            }
        }
    }

    private static void writeFakeServiceJar(Path jar) throws IOException {
        Files.createDirectories(jar.getParent());
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, FakeService.class.getName());
        String entry = FakeService.class.getName().replace('.', '/') + ".class";
        try (OutputStream file = Files.newOutputStream(jar);
                JarOutputStream out = new JarOutputStream(file, manifest);
                InputStream in = FakeService.class.getClassLoader().getResourceAsStream(entry)) {
            out.putNextEntry(new JarEntry(entry));
            in.transferTo(out);
            out.closeEntry();
        }
    }
}
