package io.retrainstream.cli.stack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.retrainstream.cli.Main;
import io.retrainstream.cli.TestConsole;
import io.retrainstream.cli.stack.StackStatus.Health;
import io.retrainstream.cli.stack.StackStatus.LastRun;
import io.retrainstream.cli.stack.StackStatus.ProcessStatus;
import io.retrainstream.cli.stack.StackStatus.Training;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How {@code status} renders what it found: the JSON document for scripts and the table for people. */
class StatusCommandTest {

    private static final ProcessStatus KAFKA = new ProcessStatus(
            "kafka",
            "broker",
            101L,
            true,
            ports("client", 19092, "controller", 19093),
            "127.0.0.1:19092",
            Health.UP,
            null,
            0,
            null,
            null);
    private static final ProcessStatus EXTRACTOR = new ProcessStatus(
            "extractor",
            "extractor",
            102L,
            true,
            Map.of("http", 18081),
            "http://127.0.0.1:18081",
            Health.UP,
            null,
            1,
            "exit 137 (SIGKILL)",
            "2026-11-26T15:05:13Z");
    private static final ProcessStatus TRAINER_DOWN = new ProcessStatus(
            "trainer",
            "trainer",
            103L,
            true,
            Map.of("http", 18082),
            "http://127.0.0.1:18082",
            Health.DOWN,
            "HTTP 503",
            0,
            null,
            null);
    private static final ProcessStatus CLASSIFIER = new ProcessStatus(
            "classifier",
            "classifier",
            104L,
            true,
            Map.of("http", 18080),
            "http://127.0.0.1:18080",
            Health.STARTED,
            "no model yet",
            0,
            null,
            null);
    private static final ProcessStatus SUPERVISOR_GONE = new ProcessStatus(
            "supervisor", "supervisor", 99L, false, Map.of(), null, Health.NOT_RUNNING, null, 0, null, null);

    private static Map<String, Integer> ports(String first, int firstPort, String second, int secondPort) {
        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put(first, firstPort);
        ports.put(second, secondPort);
        return ports;
    }

    @Test
    void jsonListsEveryProcessWithRolePidPortsAndHealth() throws Exception {
        StackStatus status = StackStatus.of(
                "mobilenet_0.25_128",
                null,
                "/w/.retrain/logs",
                List.of(KAFKA, EXTRACTOR, CLASSIFIER),
                new Training(2L, true, new LastRun(3, "CONTINUOUS", "SUCCEEDED", "Published model version 2")));

        JsonNode json = ServiceHttp.JSON.readTree(status.toJson());

        assertThat(json.get("healthy").asBoolean()).isTrue();
        assertThat(json.get("architecture").asText()).isEqualTo("mobilenet_0.25_128");
        assertThat(json.get("modelDir").isNull()).isTrue();
        JsonNode processes = json.get("processes");
        assertThat(processes).hasSize(3);
        JsonNode kafka = processes.get(0);
        assertThat(kafka.get("name").asText()).isEqualTo("kafka");
        assertThat(kafka.get("role").asText()).isEqualTo("broker");
        assertThat(kafka.get("pid").asLong()).isEqualTo(101);
        assertThat(kafka.get("ports").get("client").asInt()).isEqualTo(19092);
        assertThat(kafka.get("ports").get("controller").asInt()).isEqualTo(19093);
        assertThat(kafka.get("health").asText()).isEqualTo("UP");
        assertThat(kafka.get("healthDetail").isNull()).isTrue();
        JsonNode extractor = processes.get(1);
        assertThat(extractor.get("ports").get("http").asInt()).isEqualTo(18081);
        assertThat(extractor.get("url").asText()).isEqualTo("http://127.0.0.1:18081");
        assertThat(extractor.get("restarts").asInt()).isEqualTo(1);
        assertThat(extractor.get("lastRestartReason").asText()).isEqualTo("exit 137 (SIGKILL)");
        assertThat(extractor.get("lastRestartAt").asText()).isEqualTo("2026-11-26T15:05:13Z");
        assertThat(processes.get(2).get("health").asText()).isEqualTo("STARTED");
        assertThat(processes.get(2).get("healthDetail").asText()).isEqualTo("no model yet");
        assertThat(processes.get(2).has("healthy"))
                .as("internal, not part of the document")
                .isFalse();
        assertThat(json.get("training").get("servingVersion").asLong()).isEqualTo(2);
        assertThat(json.get("training").get("pinned").asBoolean()).isTrue();
        assertThat(json.get("training").get("lastRun").get("message").asText()).isEqualTo("Published model version 2");
    }

    @Test
    void oneProcessDownOrGoneMakesTheStackUnhealthy() throws Exception {
        assertThat(StackStatus.of("a", null, "/l", List.of(KAFKA, TRAINER_DOWN), null)
                        .healthy())
                .isFalse();
        assertThat(StackStatus.of("a", null, "/l", List.of(KAFKA, SUPERVISOR_GONE), null)
                        .healthy())
                .isFalse();
        assertThat(StackStatus.of("a", null, "/l", List.of(), null).healthy()).isFalse();
        JsonNode json = ServiceHttp.JSON.readTree(StackStatus.of("a", null, "/l", List.of(KAFKA, TRAINER_DOWN), null)
                .toJson());
        assertThat(json.get("healthy").asBoolean()).isFalse();
        assertThat(json.get("training").isNull()).isTrue();
        assertThat(json.get("processes").get(1).get("health").asText()).isEqualTo("DOWN");
        assertThat(json.get("processes").get(1).get("healthDetail").asText()).isEqualTo("HTTP 503");
    }

    @Test
    void tableShowsTheSameForPeople(@TempDir Path root) {
        Workspace workspace = new Workspace(root, root);
        StackStatus status = StackStatus.of(
                "mobilenet_0.25_128",
                "/models",
                workspace.logsDir().toString(),
                List.of(KAFKA, EXTRACTOR, TRAINER_DOWN, CLASSIFIER, SUPERVISOR_GONE),
                new Training(2L, false, new LastRun(3, "QUIET_PERIOD", "FAILED", null)));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        StatusCommand.printText(new PrintStream(bytes, true, StandardCharsets.UTF_8), workspace, status);

        assertThat(bytes.toString(StandardCharsets.UTF_8))
                .startsWith("retrain-stream with architecture mobilenet_0.25_128 (model dir /models); logs in "
                        + ".retrain/logs/\n")
                .containsPattern("NAME\\s+PID\\s+ALIVE\\s+PORT\\s+HEALTH\\s+RESTARTS\\s+LAST EXIT\n")
                .containsPattern("kafka\\s+101\\s+yes\\s+19092\\s+UP\\s+0\n")
                .containsPattern(
                        "extractor\\s+102\\s+yes\\s+18081\\s+UP\\s+1\\s+exit 137 \\(SIGKILL\\) at 2026-11-26T15:05:13Z\n")
                .containsPattern("trainer\\s+103\\s+yes\\s+18082\\s+DOWN \\(HTTP 503\\)\\s+0\n")
                .containsPattern("classifier\\s+104\\s+yes\\s+18080\\s+STARTED \\(no model yet\\)\\s+0\n")
                .containsPattern("supervisor\\s+99\\s+no\\s+-\\s+not running\\s+-\n")
                .contains("The supervisor is not running")
                .contains("Serving model version 2 (./retrain models lists them all)")
                .contains("Last training run 3 (quiet period): FAILED\n");
    }

    @Test
    void jsonWhenNothingRunsIsStillOneDocument(@TempDir Path root) throws Exception {
        TestConsole console = new TestConsole(root);

        assertThat(Main.run(new String[] {"status", "--json"}, console.context)).isEqualTo(1);

        JsonNode json = ServiceHttp.JSON.readTree(console.out());
        assertThat(json.get("healthy").asBoolean()).isFalse();
        assertThat(json.get("processes")).isEmpty();
        TestConsole text = new TestConsole(root);
        assertThat(Main.run(new String[] {"status"}, text.context)).isEqualTo(1);
        assertThat(text.out()).isEqualTo("Nothing is running. Start with ./retrain up\n");
    }
}
