package io.retrainstream.e2e;

import static io.retrainstream.e2e.BenchmarkSupport.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;

/** Watching a trainer process's runs. */
final class TrainerRuns {

    private TrainerRuns() {}

    /**
     * Waits until the trainer holds {@code images} images, no run is going and none has started or ended for
     * {@code quiet}; returns its runs.
     *
     * @throws IllegalStateException when that has not happened within {@code timeout}
     */
    static JsonNode settled(ServiceProcess trainer, int images, Duration quiet, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long quietSince = System.nanoTime();
        String lastSeen = "";
        while (System.nanoTime() < deadline) {
            JsonNode runs = json(trainer.get("/runs"));
            JsonNode last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
            String seen =
                    last == null ? "" : last.get("runId") + last.get("status").asText();
            if (!seen.equals(lastSeen)) {
                lastSeen = seen;
                quietSince = System.nanoTime();
            }
            if (last != null
                    && !last.get("status").asText().equals("RUNNING")
                    && json(trainer.get("/dataset")).get("images").asInt() >= images
                    && System.nanoTime() - quietSince > quiet.toNanos()) {
                return runs;
            }
            ServiceProcess.sleep(500);
        }
        throw new IllegalStateException("The trainer did not settle within " + timeout);
    }

    /** Starts a run with these JSON options (after the one in progress, if any) and waits for its end. */
    static JsonNode trainAndWait(ServiceProcess trainer, byte[] options) throws IOException {
        while (true) {
            var started = trainer.post("/train", "application/json", options);
            if (started.statusCode() == 409) {
                ServiceProcess.sleep(500);
                continue;
            }
            if (started.statusCode() != 202) {
                throw new IllegalStateException("POST /train answered " + started.statusCode() + ": " + started.body());
            }
            long runId =
                    BenchmarkSupport.JSON.readTree(started.body()).get("runId").asLong();
            while (true) {
                ServiceProcess.sleep(100);
                JsonNode run = json(trainer.get("/runs/" + runId));
                if (!run.get("status").asText().equals("RUNNING")) {
                    return run;
                }
            }
        }
    }
}
