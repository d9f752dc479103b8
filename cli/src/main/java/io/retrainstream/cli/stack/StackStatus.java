package io.retrainstream.cli.stack;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code ./retrain status} found: every process of the stack with its role, pid, ports and health, and what the
 * trainer says about training. {@code ./retrain status --json} prints it as one JSON document, for scripts; the
 * table for people shows the same.
 *
 * @param architecture the architecture the services run with, or null when no {@code state.json} says
 * @param modelDir     the {@code --model-dir} the services read, or null
 * @param logs         the folder of the processes' logs
 * @param healthy      whether every process runs and is healthy (what the exit status says)
 * @param processes    the broker, the services, the supervisor, in that order
 * @param training     the served version and the last training run, or null when the trainer is not up
 */
@JsonPropertyOrder({"architecture", "modelDir", "logs", "healthy", "processes", "training"})
public record StackStatus(
        String architecture,
        String modelDir,
        String logs,
        boolean healthy,
        List<ProcessStatus> processes,
        Training training) {

    /** How a process is doing, as {@code status} judges it. */
    public enum Health {
        /** It answers its readiness check (the broker: accepts connections; the supervisor: runs). */
        UP,
        /** A classifier that has started but serves no model yet: healthy, nothing to classify with. */
        STARTED,
        /** It runs but does not answer, or answers that it is not ready. */
        DOWN,
        /** No process runs under the recorded pid. */
        NOT_RUNNING
    }

    /**
     * One process of the stack.
     *
     * @param name              its name in {@code state.json}, the pid files and the logs ({@code kafka},
     *                          {@code extractor}, ...)
     * @param role              {@code broker}, {@code extractor}, {@code trainer}, {@code classifier} or
     *                          {@code supervisor}
     * @param pid               the recorded pid, or null
     * @param alive             whether that pid runs and is ours
     * @param ports             the ports it listens on, by purpose, the main one first ({@code client} and
     *                          {@code controller} for the broker, {@code http} for a service; none for the
     *                          supervisor)
     * @param url               a service's base URL; for the broker its bootstrap address; null for the supervisor
     * @param health            how it is doing
     * @param healthDetail      why, when it is not simply up (e.g. {@code HTTP 503}, {@code no answer},
     *                          {@code no model yet}), else null
     * @param restarts          how often the supervisor restarted it
     * @param lastRestartReason why the supervisor restarted it last (e.g. {@code exit 137 (SIGKILL)}), or null
     * @param lastRestartAt     when it stopped last, ISO-8601, or null
     */
    @JsonPropertyOrder({
        "name",
        "role",
        "pid",
        "alive",
        "ports",
        "url",
        "health",
        "healthDetail",
        "restarts",
        "lastRestartReason",
        "lastRestartAt"
    })
    public record ProcessStatus(
            String name,
            String role,
            Long pid,
            boolean alive,
            Map<String, Integer> ports,
            String url,
            Health health,
            String healthDetail,
            int restarts,
            String lastRestartReason,
            String lastRestartAt) {

        public ProcessStatus {
            ports = Collections.unmodifiableMap(new LinkedHashMap<>(ports));
        }

        /** Up, or a classifier that has started without a model yet. */
        @JsonIgnore
        public boolean healthy() {
            return health == Health.UP || health == Health.STARTED;
        }

        /** The health as the table shows it: {@code UP}, {@code DOWN (HTTP 503)}, {@code not running}. */
        String healthText() {
            return switch (health) {
                case NOT_RUNNING -> "not running";
                case UP -> "UP";
                default -> healthDetail == null ? health.name() : health.name() + " (" + healthDetail + ")";
            };
        }
    }

    /**
     * What the trainer says.
     *
     * @param servingVersion the version classifiers serve, or null before the first model
     * @param pinned         whether that version is pinned ({@code ./retrain rollback})
     * @param lastRun        the newest training run, or null before the first
     */
    public record Training(Long servingVersion, boolean pinned, LastRun lastRun) {}

    /**
     * @param trigger as the trainer names it ({@code MANUAL}, {@code CONTINUOUS}, ...)
     * @param status  e.g. {@code SUCCEEDED}, {@code FAILED}, {@code CANCELLED}
     * @param message how it ended, e.g. {@code Published model version 2}, or null
     */
    public record LastRun(long runId, String trigger, String status, String message) {

        /** The trigger as the text shows it: {@code continuous}, {@code quiet period}. */
        String triggerText() {
            return trigger == null ? "" : trigger.toLowerCase(Locale.ROOT).replace('_', ' ');
        }
    }

    /** The status of these processes: healthy when there are some and every one is. */
    static StackStatus of(
            String architecture, String modelDir, String logs, List<ProcessStatus> processes, Training training) {
        boolean healthy = !processes.isEmpty() && processes.stream().allMatch(ProcessStatus::healthy);
        return new StackStatus(architecture, modelDir, logs, healthy, List.copyOf(processes), training);
    }

    /** The document {@code status --json} prints: indented, keys in a fixed order, nulls kept. */
    public String toJson() {
        try {
            return ServiceHttp.JSON.writer(SerializationFeature.INDENT_OUTPUT).writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot write the status as JSON: " + e.getMessage(), e);
        }
    }
}
