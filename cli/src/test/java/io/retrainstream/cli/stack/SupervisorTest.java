package io.retrainstream.cli.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SupervisorTest {

    @Test
    void backOffDoublesFromOneSecondUpToThirty() {
        assertThat(Supervisor.backoff(0)).isEqualTo(Duration.ofSeconds(1));
        assertThat(Supervisor.backoff(1)).isEqualTo(Duration.ofSeconds(2));
        assertThat(Supervisor.backoff(4)).isEqualTo(Duration.ofSeconds(16));
        assertThat(Supervisor.backoff(5)).isEqualTo(Duration.ofSeconds(30));
        assertThat(Supervisor.backoff(1000)).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void exitReasonsNameTheSignal() {
        assertThat(Supervisor.exitReason(1)).isEqualTo("exit 1");
        assertThat(Supervisor.exitReason(0)).isEqualTo("exit 0");
        assertThat(Supervisor.exitReason(137)).isEqualTo("exit 137 (SIGKILL)");
        assertThat(Supervisor.exitReason(143)).isEqualTo("exit 143 (SIGTERM)");
        assertThat(Supervisor.exitReason(134)).isEqualTo("exit 134 (SIGABRT)");
        assertThat(Supervisor.exitReason(128 + 7)).isEqualTo("exit 135 (signal 7)");
        assertThat(Supervisor.exitReason(255)).isEqualTo("exit 255");
    }

    @Test
    void theStateCountsRestartsAndKeepsTheLastReason() throws Exception {
        State state = new State("a", null, 9092, 9093, 1, java.util.Map.of(), null)
                .withRestart("classifier", "exit 137 (SIGKILL)", "2026-01-01T00:00:00Z")
                .withRestart("classifier", "exit 1", "2026-01-01T00:01:00Z");
        assertThat(state.restartCount("classifier")).isEqualTo(2);
        assertThat(state.restartCount("kafka")).isZero();
        State read = ServiceHttp.JSON.readValue(ServiceHttp.JSON.writeValueAsBytes(state), State.class);
        assertThat(read.restarts().get("classifier"))
                .isEqualTo(new State.Restarts(2, "exit 1", "2026-01-01T00:01:00Z"));
        assertThat(read.listen()).isEqualTo("127.0.0.1");
    }
}
