package io.retrainstream.cli.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.retrainstream.cli.Main;
import io.retrainstream.cli.TestConsole;
import io.retrainstream.common.model.Architecture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The supervisor's plan for several extractors and classifiers: names, ports, environment. */
class StackPlanTest {

    @TempDir
    Path root;

    @Test
    void instancesAreNamedAfterTheirServiceAndNumbered() {
        assertThat(Service.EXTRACTOR.instanceName(1)).isEqualTo("extractor");
        assertThat(Service.EXTRACTOR.instanceName(2)).isEqualTo("extractor-2");
        assertThat(Service.ofInstance("classifier-12")).contains(Service.CLASSIFIER);
        assertThat(Service.ofInstance("classifier")).contains(Service.CLASSIFIER);
        assertThat(Service.ofInstance("classifier-1")).isEmpty();
        assertThat(Service.ofInstance("classifier-x")).isEmpty();
        assertThat(Service.ofInstance("kafka")).isEmpty();
        assertThat(Service.ofInstance("supervisor")).isEmpty();
        assertThat(State.marker("extractor-3")).isEqualTo(Service.EXTRACTOR.commandMarker());
        assertThatThrownBy(() -> Service.TRAINER.instanceName(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everyInstanceGetsItsOwnPortAndIsInThePlan() throws Exception {
        UpCommand.Options options = options(3, 2);
        State state = StackFiles.initialState(options, Architecture.of(Architecture.DEFAULT));

        assertThat(state.instances(Service.EXTRACTOR)).containsExactly("extractor", "extractor-2", "extractor-3");
        assertThat(state.instances(Service.TRAINER)).containsExactly("trainer");
        assertThat(state.instances(Service.CLASSIFIER)).containsExactly("classifier", "classifier-2");
        assertThat(state.port("extractor")).isEqualTo(18081);
        assertThat(state.port("classifier")).isEqualTo(18080);
        HashSet<Integer> ports = new HashSet<>(state.ports().values());
        assertThat(ports).hasSize(6).doesNotContain(19092, 19093);

        Workspace workspace = new Workspace(root, root);
        Files.createDirectories(workspace.libDir());
        Broker broker = Broker.of(workspace.libDir(), workspace.kafkaDir(1), state, 1);
        Supervisor.Plan plan =
                StackPlan.of(workspace, options, Architecture.of(Architecture.DEFAULT), state, List.of(broker));
        assertThat(plan.children())
                .extracting(Supervisor.Child::name)
                .containsExactly(
                        "kafka", "extractor", "extractor-2", "extractor-3", "trainer", "classifier", "classifier-2");
        for (Supervisor.Child child : plan.children().subList(1, plan.children().size())) {
            int port = state.port(child.name());
            assertThat(child.env()).containsEntry("QUARKUS_HTTP_PORT", Integer.toString(port));
            assertThat(child.liveUrl()).isEqualTo("http://127.0.0.1:" + port + "/q/health/live");
            assertThat(child.log()).endsWith(child.name() + ".log");
            assertThat(child.afterBroker()).isTrue();
            // every service reads the same views
            assertThat(child.env()).containsEntry("RETRAIN_VIEWS", "original");
        }
        Supervisor.Child trainer = plan.children().get(4);
        assertThat(trainer.env()).containsEntry("TRAINER_EXTRACTOR_URL", "http://127.0.0.1:18081");
        // the web console: the trainer's page calls the first classifier, which lets the trainer's origin in
        assertThat(trainer.env()).containsEntry("RETRAIN_CONSOLE_CLASSIFIER_URL", "http://127.0.0.1:18080");
        int trainerPort = state.port("trainer");
        for (Supervisor.Child classifier : plan.children().subList(5, 7)) {
            assertThat(classifier.env())
                    .containsEntry(
                            "QUARKUS_HTTP_CORS_ORIGINS",
                            "http://127.0.0.1:" + trainerPort + ",http://localhost:" + trainerPort);
        }
        assertThat(plan.children().get(2).adminToken()).isTrue();
        assertThat(plan.children().get(6).adminToken()).isFalse();
    }

    @Test
    void oneOfEachByDefault() {
        State state = StackFiles.initialState(options(1, 1), Architecture.of(Architecture.DEFAULT));
        assertThat(state.ports())
                .containsExactly(
                        Map.entry("extractor", 18081), Map.entry("trainer", 18082), Map.entry("classifier", 18080));
    }

    @Test
    void viewsReachEveryServiceAndAnUnknownViewIsAUsageError() throws Exception {
        UpCommand.Options mirrored = new UpCommand.Options(
                Architecture.DEFAULT,
                Optional.empty(),
                19092,
                1,
                options(1, 1).ports(),
                options(1, 1).instances(),
                Optional.empty(),
                java.time.Duration.ofSeconds(60),
                Optional.empty(),
                true,
                State.LOOPBACK,
                UpCommand.views("original,mirror"));
        State state = StackFiles.initialState(mirrored, Architecture.of(Architecture.DEFAULT));
        Workspace workspace = new Workspace(root, root);
        Files.createDirectories(workspace.libDir());
        Broker broker = Broker.of(workspace.libDir(), workspace.kafkaDir(1), state, 1);
        Supervisor.Plan plan =
                StackPlan.of(workspace, mirrored, Architecture.of(Architecture.DEFAULT), state, List.of(broker));
        for (Supervisor.Child child : plan.children().subList(1, plan.children().size())) {
            assertThat(child.env()).as(child.name()).containsEntry("RETRAIN_VIEWS", "original,mirror");
        }
        TestConsole console = new TestConsole(root);
        assertThat(Main.run(new String[] {"up", "--views", "original,upside-down"}, console.context))
                .isEqualTo(2);
        assertThat(console.err()).contains("--views: Unknown view 'upside-down': use original or original,mirror");
    }

    @Test
    void instanceCountsOutOfRangeAreUsageErrors() {
        for (String[] args : List.of(
                new String[] {"up", "--extractors", "0"},
                new String[] {"up", "--classifiers", "17"},
                new String[] {"up", "--extractors", "two"})) {
            TestConsole console = new TestConsole(root);
            assertThat(Main.run(args, console.context))
                    .as(String.join(" ", args))
                    .isEqualTo(2);
            assertThat(console.err()).contains(args[1]).contains("Usage: ./retrain up");
        }
    }

    @Test
    void threeBrokersAreThreeVotersOnTheirOwnPortsAndFolders() throws Exception {
        UpCommand.Options options = options(2, 1, 3);
        State state = StackFiles.initialState(options, Architecture.of(Architecture.DEFAULT));
        assertThat(state.brokers()).isEqualTo(3);
        assertThat(state.brokerNames()).containsExactly("kafka", "kafka-2", "kafka-3");
        assertThat(state.bootstrap()).isEqualTo("127.0.0.1:19092,127.0.0.1:19094,127.0.0.1:19096");
        assertThat(state.quorumVoters()).isEqualTo("1@127.0.0.1:19093,2@127.0.0.1:19095,3@127.0.0.1:19097");
        assertThat(new HashSet<>(state.ports().values()))
                .hasSize(4)
                .doesNotContainAnyElementsOf(List.of(19092, 19093, 19094, 19095, 19096, 19097));
        assertThat(State.isBroker("kafka-3")).isTrue();
        assertThat(State.isBroker("extractor-3")).isFalse();
        assertThat(State.marker("kafka-2")).isEqualTo(Broker.MAIN_CLASS);

        Workspace workspace = new Workspace(root, root);
        Files.createDirectories(workspace.libDir());
        List<Broker> brokers = List.of(
                Broker.of(workspace.libDir(), workspace.kafkaDir(1), state, 1),
                Broker.of(workspace.libDir(), workspace.kafkaDir(2), state, 2),
                Broker.of(workspace.libDir(), workspace.kafkaDir(3), state, 3));
        Supervisor.Plan plan = StackPlan.of(workspace, options, Architecture.of(Architecture.DEFAULT), state, brokers);
        assertThat(plan.children())
                .extracting(Supervisor.Child::name)
                .containsExactly("kafka", "kafka-2", "kafka-3", "extractor", "extractor-2", "trainer", "classifier");
        assertThat(plan.children().subList(0, 3))
                .extracting(Supervisor.Child::tcpPort)
                .containsExactly(19092, 19094, 19096);
        assertThat(plan.children().get(3).env()).containsEntry("KAFKA_BOOTSTRAP_SERVERS", state.bootstrap());

        for (Broker broker : brokers) {
            broker.writeConfig();
        }
        assertThat(workspace.kafkaDir(2)).isEqualTo(workspace.kafkaDir().resolve("node-2"));
        String second = Files.readString(brokers.get(1).configFile());
        assertThat(second)
                .contains("node.id=2\n")
                .contains("controller.quorum.voters=" + state.quorumVoters() + "\n")
                .contains("listeners=PLAINTEXT://127.0.0.1:19094,CONTROLLER://127.0.0.1:19095\n")
                .contains("log.dirs=" + workspace.kafkaDir(2).resolve("data") + "\n")
                .contains("offsets.topic.replication.factor=3\n")
                .contains("transaction.state.log.replication.factor=3\n")
                .contains("transaction.state.log.min.isr=2\n")
                .contains("min.insync.replicas=2\n");
        String single = Files.readString(writeSingleBrokerConfig(workspace));
        assertThat(single)
                .contains("node.id=1\n")
                .contains("controller.quorum.voters=1@127.0.0.1:19093\n")
                .contains("offsets.topic.replication.factor=1\n")
                .contains("min.insync.replicas=1\n");
    }

    private Path writeSingleBrokerConfig(Workspace workspace) {
        State state = StackFiles.initialState(options(1, 1, 1), Architecture.of(Architecture.DEFAULT));
        Broker broker = Broker.of(workspace.libDir(), root.resolve("single"), state, 1);
        broker.writeConfig();
        return broker.configFile();
    }

    @Test
    void aWorkspaceFormattedForOneBrokerIsNotSilentlyMadeThree() throws Exception {
        TestConsole console = new TestConsole(root);
        Workspace workspace = console.context.workspace();
        Files.createDirectories(workspace.kafkaDir().resolve("data"));
        Files.writeString(
                workspace.kafkaDir().resolve("data").resolve("meta.properties"),
                "version=1\nnode.id=1\ncluster.id=abcdefghijklmnopqrstuv\n");
        State three = StackFiles.initialState(options(1, 1, 3), Architecture.of(Architecture.DEFAULT));

        assertThatThrownBy(() -> StackFiles.prepareBrokers(console.context, three))
                .hasMessageContaining("belongs to a cluster of 1 broker")
                .hasMessageContaining("./retrain up --brokers 1")
                .hasMessageContaining("./retrain down --purge");
        assertThat(workspace.kafkaDir(2)).doesNotExist();
        assertThat(Files.readString(workspace.kafkaDir().resolve("data").resolve("meta.properties")))
                .contains("cluster.id=abcdefghijklmnopqrstuv");

        Files.writeString(workspace.kafkaBrokersFile(), "3\n");
        State one = StackFiles.initialState(options(1, 1, 1), Architecture.of(Architecture.DEFAULT));
        assertThatThrownBy(() -> StackFiles.prepareBrokers(console.context, one))
                .hasMessageContaining("belongs to a cluster of 3 brokers")
                .hasMessageContaining("./retrain up --brokers 3");
    }

    @Test
    void brokerCountsOutOfRangeOrEvenAreUsageErrors() {
        for (String[] args :
                List.of(new String[] {"up", "--brokers", "0"}, new String[] {"up", "--brokers", "2"}, new String[] {
                    "up", "--brokers", "7"
                })) {
            TestConsole console = new TestConsole(root);
            assertThat(Main.run(args, console.context))
                    .as(String.join(" ", args))
                    .isEqualTo(2);
            assertThat(console.err()).contains("--brokers").contains("Usage: ./retrain up");
        }
    }

    private static UpCommand.Options options(int extractors, int classifiers) {
        return options(extractors, classifiers, 1);
    }

    private static UpCommand.Options options(int extractors, int classifiers, int brokers) {
        Map<Service, Integer> ports = new EnumMap<>(Service.class);
        ports.put(Service.EXTRACTOR, 18081);
        ports.put(Service.TRAINER, 18082);
        ports.put(Service.CLASSIFIER, 18080);
        Map<Service, Integer> instances = new EnumMap<>(Service.class);
        instances.put(Service.EXTRACTOR, extractors);
        instances.put(Service.TRAINER, 1);
        instances.put(Service.CLASSIFIER, classifiers);
        return new UpCommand.Options(
                Architecture.DEFAULT,
                Optional.empty(),
                19092,
                brokers,
                ports,
                instances,
                Optional.empty(),
                java.time.Duration.ofSeconds(60),
                Optional.empty(),
                true,
                State.LOOPBACK,
                io.retrainstream.common.model.View.ORIGINAL_ONLY);
    }
}
