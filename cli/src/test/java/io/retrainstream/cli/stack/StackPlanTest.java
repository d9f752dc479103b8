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
        Broker broker = new Broker(workspace.libDir(), workspace.kafkaDir(), 19092, 19093);
        Supervisor.Plan plan = StackPlan.of(workspace, options, Architecture.of(Architecture.DEFAULT), state, broker);
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
        }
        Supervisor.Child trainer = plan.children().get(4);
        assertThat(trainer.env()).containsEntry("TRAINER_EXTRACTOR_URL", "http://127.0.0.1:18081");
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

    private static UpCommand.Options options(int extractors, int classifiers) {
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
                ports,
                instances,
                Optional.empty(),
                java.time.Duration.ofSeconds(60),
                Optional.empty(),
                true,
                State.LOOPBACK);
    }
}
