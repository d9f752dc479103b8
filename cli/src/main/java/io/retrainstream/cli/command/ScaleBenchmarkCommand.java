package io.retrainstream.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import io.retrainstream.cli.CliCommand;
import io.retrainstream.cli.CliException;
import io.retrainstream.cli.Context;
import io.retrainstream.cli.UsageException;
import io.retrainstream.cli.stack.Service;
import io.retrainstream.cli.stack.ServiceHttp;
import io.retrainstream.cli.stack.State;
import io.retrainstream.common.event.BottleneckComputed;
import io.retrainstream.common.event.SyntheticBottlenecks;
import io.retrainstream.common.kafka.Topics;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./retrain benchmark scale}: how the trainer grows with the data. Produces synthetic bottleneck events
 * ({@link SyntheticBottlenecks}) to the running stack's {@code bottlenecks} topic, size after size, and for each prints
 * the trainer's resident memory once it has read them (after the earlier sizes' runs) and once a restarted trainer
 * has read them back (before any run), the time a restarted trainer takes to read them back, a cold
 * and a warm run's wall time and the cold run's test accuracy, each next to the first size's.
 */
@Command(
        name = "benchmark-scale",
        header = "how the trainer's memory and run times grow with the number of images (./retrain benchmark scale)",
        synopsisHeading = "",
        customSynopsis = "Usage: ./retrain benchmark scale [--sizes N,N,...] [--classes C] [--warm-images N]",
        description = {
            "",
            "Needs a stack of its own, started with ./retrain up --no-continuous (continuous runs would take the "
                    + "trainer's time) and nothing on it. The events claim the stack's architecture, so that runs "
                    + "publish models as they would for a CNN: give widths that match it (the defaults are "
                    + "mobilenet_0.50's). Restarts the trainer once per size (the supervisor starts it "
                    + "again) to time the replay. Each size adds images to the previous one's. For the memory of "
                    + "the default improved mode alone, start the stack with TRAINER_KEPT_LAYERS=pooled (the "
                    + "trainer keeps both layers by default, so that a run may ask for either mode)."
        },
        optionListHeading = "%nOptions:%n",
        footer = {
            "",
            "Example:",
            "  TRAINER_KEPT_LAYERS=pooled ./retrain up --no-continuous --architecture mobilenet_0.50_224_quantized",
            "  ./retrain benchmark scale --sizes 10000,100000"
        })
public final class ScaleBenchmarkCommand extends CliCommand {

    private static final long POLL_MILLIS = 500;
    /** How long a restarted trainer may take before it answers at all. */
    private static final Duration START_LIMIT = Duration.ofMinutes(3);
    /** How long reading each 10,000 images may take before the benchmark gives up. */
    private static final Duration PER_10K_LIMIT = Duration.ofMinutes(2);
    /** How long a run may take. */
    private static final Duration RUN_LIMIT = Duration.ofMinutes(30);

    @Option(
            names = "--sizes",
            split = ",",
            paramLabel = "N",
            description = "the numbers of images, ascending (default: ${DEFAULT-VALUE}; 1000000 on request)",
            defaultValue = "10000,100000,300000")
    private long[] sizes;

    @Option(
            names = "--classes",
            paramLabel = "C",
            description = "classes of the synthetic images (default: ${DEFAULT-VALUE})",
            defaultValue = "5")
    private int classes;

    @Option(
            names = "--vector-width",
            paramLabel = "W",
            description = "width of the bottleneck vector (default: ${DEFAULT-VALUE}, MobileNet's logits)",
            defaultValue = "1001")
    private int vectorWidth;

    @Option(
            names = "--pooled-width",
            paramLabel = "W",
            description = "width of the pooled features (default: ${DEFAULT-VALUE}, mobilenet_0.50's)",
            defaultValue = "512")
    private int pooledWidth;

    @Option(
            names = "--noise",
            paramLabel = "SD",
            description = "spread of each class around its centre, whose coordinates are standard normal "
                    + "(default: ${DEFAULT-VALUE})",
            defaultValue = "4.0")
    private double noise;

    @Option(
            names = "--warm-images",
            paramLabel = "N",
            description = "new images a warm run learns after each cold run (default: ${DEFAULT-VALUE})",
            defaultValue = "100")
    private int warmImages;

    public ScaleBenchmarkCommand(Context context) {
        super(context);
    }

    /** One size's figures; null where a step failed. */
    record Row(
            long images,
            Long rssAfterIngest,
            Long rssAfterReplay,
            Double replaySeconds,
            Double coldSeconds,
            Double warmSeconds,
            Double accuracy,
            String note) {}

    @Override
    public Integer call() throws Exception {
        inRange("--classes", classes, 2, 1000);
        inRange("--warm-images", warmImages, 1, 100_000);
        for (int i = 0; i < sizes.length; i++) {
            if (sizes[i] < 1 || (i > 0 && sizes[i] <= sizes[i - 1])) {
                throw new UsageException("--sizes must be ascending whole numbers, not " + Arrays.toString(sizes));
            }
        }
        State state = State.load(context.workspace())
                .orElseThrow(() -> new CliException(
                        "No stack runs here: start one with ./retrain up --no-continuous, then run this again"));
        String trainer = state.url(Service.TRAINER);
        ServiceHttp http = new ServiceHttp(context.workspace());
        SyntheticBottlenecks events =
                new SyntheticBottlenecks(classes, vectorWidth, pooledWidth, noise, 42, state.architecture());
        PrintStream out = context.out();
        long produced = images(http, trainer);
        if (produced != 0) {
            throw new CliException("The trainer holds " + produced + " images already: run the benchmark on a stack "
                    + "of its own (./retrain down --purge, then ./retrain up --no-continuous)");
        }
        out.printf(
                "Scale benchmark: %d classes of %s, vectors of %d + %d floats, sizes %s, on %d cores; load %s%n",
                classes,
                state.architecture(),
                vectorWidth,
                pooledWidth,
                Arrays.toString(sizes),
                Runtime.getRuntime().availableProcessors(),
                load());
        List<Row> rows = new ArrayList<>();
        try (KafkaProducer<String, byte[]> producer = producer(state.bootstrap())) {
            for (long size : sizes) {
                Row row;
                try {
                    row = measure(state, http, trainer, events, producer, produced, size);
                } catch (CliException e) {
                    out.println("  " + e.getMessage());
                    rows.add(new Row(size, null, null, null, null, null, null, e.getMessage()));
                    break;
                }
                produced = size + warmImages;
                rows.add(row);
            }
        }
        out.println();
        out.println(header());
        rows.forEach(row -> out.println(format(row, rows.get(0))));
        return 0;
    }

    private Row measure(
            State state,
            ServiceHttp http,
            String trainer,
            SyntheticBottlenecks events,
            KafkaProducer<String, byte[]> producer,
            long from,
            long size)
            throws InterruptedException {
        PrintStream out = context.out();
        out.printf("%,d images: producing %,d events (load %s)%n", size, size - from, load());
        long start = System.nanoTime();
        produce(events, producer, from, size);
        awaitImages(http, trainer, size);
        out.printf("  read by the trainer in %.1f s%n", seconds(start));
        Long rss = residentBytes(trainerPid(state));
        Double replay = null;
        Long replayed = null;
        String note = "";
        try {
            replay = restart(state, http, trainer, size);
            replayed = residentBytes(trainerPid(state));
        } catch (CliException e) {
            note = e.getMessage();
            out.println("  " + note);
        }
        Run cold = run(http, trainer, "{}");
        out.printf("  cold run: %s (load %s)%n", cold, load());
        produce(events, producer, size, size + warmImages);
        awaitImages(http, trainer, size + warmImages);
        Run warm = run(http, trainer, "{\"warm_start\": true}");
        out.printf("  warm run on %d new images: %s (load %s)%n", warmImages, warm, load());
        if (!cold.ok() || !warm.ok()) {
            note = (note + " " + (cold.ok() ? "" : "cold: " + cold.message) + " "
                            + (warm.ok() ? "" : "warm: " + warm.message))
                    .trim();
        }
        return new Row(
                size,
                rss,
                replayed,
                replay,
                cold.ok() ? cold.seconds : null,
                warm.ok() ? warm.seconds : null,
                cold.accuracy,
                note);
    }

    /** A finished run: its wall time from the request to its end, its test accuracy, its status or failure. */
    record Run(String status, double seconds, Double accuracy, String message) {
        boolean ok() {
            return "SUCCEEDED".equals(status) || "REJECTED".equals(status);
        }

        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "%s in %.1f s%s%s",
                    status,
                    seconds,
                    accuracy == null ? "" : String.format(Locale.ROOT, ", test accuracy %.1f%%", accuracy * 100),
                    message == null || message.isBlank() ? "" : " (" + message + ")");
        }
    }

    private Run run(ServiceHttp http, String trainer, String body) throws InterruptedException {
        long start = System.nanoTime();
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ServiceHttp.Reply reply = http.post(ServiceHttp.join(trainer, "/train"), bytes, "application/json");
        if (!reply.ok() || !reply.json().hasNonNull("runId")) {
            return new Run("REFUSED", seconds(start), null, reply.message());
        }
        long runId = reply.json().get("runId").asLong();
        long deadline = System.nanoTime() + RUN_LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            ServiceHttp.Reply view = http.get(ServiceHttp.join(trainer, "/runs/" + runId + "?from=1000000"));
            JsonNode json = view.ok() ? view.json() : null;
            if (json != null && !json.path("status").asText("RUNNING").equals("RUNNING")) {
                return new Run(
                        json.get("status").asText(),
                        seconds(start),
                        json.hasNonNull("testAccuracy")
                                ? json.get("testAccuracy").asDouble()
                                : null,
                        json.path("message").asText(""));
            }
            Thread.sleep(POLL_MILLIS);
        }
        return new Run("TIMED_OUT", seconds(start), null, "still running after " + RUN_LIMIT.toMinutes() + " min");
    }

    /** Stops the trainer (the supervisor starts it again) and times until it holds {@code size} images again. */
    private double restart(State state, ServiceHttp http, String trainer, long size) throws InterruptedException {
        long pid = trainerPid(state);
        ProcessHandle process = ProcessHandle.of(pid)
                .orElseThrow(() -> new CliException("The trainer (pid " + pid + ") is not running: see ./retrain "
                        + "status and .retrain/logs/trainer.log"));
        long start = System.nanoTime();
        process.destroy();
        long deadline = System.nanoTime() + START_LIMIT.toNanos();
        while (process.isAlive() || images(http, trainer) < 0) {
            if (System.nanoTime() > deadline) {
                throw new CliException("The trainer did not come back within " + START_LIMIT.toMinutes()
                        + " min of its restart: is the supervisor running (./retrain status)?");
            }
            Thread.sleep(POLL_MILLIS);
        }
        awaitImages(http, trainer, size);
        double seconds = seconds(start);
        context.out().printf("  restarted and read back in %.1f s%n", seconds);
        return seconds;
    }

    private long trainerPid(State state) {
        State now = State.load(context.workspace()).orElse(state);
        Long pid = now.alivePids().get(Service.TRAINER.id());
        if (pid == null) {
            throw new CliException("The trainer is not running: see ./retrain status and .retrain/logs/trainer.log");
        }
        return pid;
    }

    private void awaitImages(ServiceHttp http, String trainer, long size) throws InterruptedException {
        long deadline = System.nanoTime() + PER_10K_LIMIT.toNanos() * Math.max(1, size / 10_000);
        while (true) {
            long images = images(http, trainer);
            if (images >= size) {
                return;
            }
            ServiceHttp.Reply health = images < 0 ? null : http.get(ServiceHttp.join(trainer, "/q/health/live"));
            if (health != null && health.status() == 503) {
                throw new CliException("The trainer is DOWN at " + images + " of " + size + " images: "
                        + health.body().replaceAll("\\s+", " ") + " (see .retrain/logs/trainer.log)");
            }
            if (System.nanoTime() > deadline) {
                throw new CliException("The trainer holds " + images + " of " + size + " images after "
                        + Duration.ofNanos(PER_10K_LIMIT.toNanos() * Math.max(1, size / 10_000))
                                .toMinutes()
                        + " min: see ./retrain status and .retrain/logs/trainer.log (an exhausted heap says which "
                        + "limit to raise)");
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /** Images the trainer holds; -1 while it does not answer. */
    private static long images(ServiceHttp http, String trainer) {
        try {
            ServiceHttp.Reply reply = http.get(ServiceHttp.join(trainer, "/dataset"));
            return reply.ok() ? reply.json().path("images").asLong(-1) : -1;
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private static void produce(
            SyntheticBottlenecks events, KafkaProducer<String, byte[]> producer, long from, long to) {
        long time = System.currentTimeMillis();
        for (long i = from; i < to; i++) {
            BottleneckComputed event = events.event(i, time);
            producer.send(new ProducerRecord<>(Topics.BOTTLENECKS, event.imageId(), event.encode()));
        }
        producer.flush();
    }

    /** Sends as the extractor does: uncompressed (the floats do not compress), in batches of up to 1 MB. */
    private static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 1 << 20);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(props);
    }

    /** VmRSS of {@code pid} from /proc; null where there is no /proc. */
    static Long residentBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return null;
        }
        return null;
    }

    private static String load() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static String header() {
        return String.format(
                "%10s  %-20s  %-20s  %-18s  %-18s  %-18s  %-9s  %s",
                "images", "RSS after ingest", "RSS after replay", "replay", "cold run", "warm run", "accuracy", "note");
    }

    /** A row, each figure with its ratio to the first row's. */
    static String format(Row row, Row first) {
        return String.format(
                Locale.ROOT,
                "%,10d  %-20s  %-20s  %-18s  %-18s  %-18s  %-9s  %s",
                row.images(),
                row.rssAfterIngest() == null
                        ? "-"
                        : ratio(row.rssAfterIngest() / 1048576.0, ratioBase(first.rssAfterIngest()), "MiB"),
                row.rssAfterReplay() == null
                        ? "-"
                        : ratio(row.rssAfterReplay() / 1048576.0, ratioBase(first.rssAfterReplay()), "MiB"),
                row.replaySeconds() == null ? "-" : ratio(row.replaySeconds(), first.replaySeconds(), "s"),
                row.coldSeconds() == null ? "-" : ratio(row.coldSeconds(), first.coldSeconds(), "s"),
                row.warmSeconds() == null ? "-" : ratio(row.warmSeconds(), first.warmSeconds(), "s"),
                row.accuracy() == null ? "-" : String.format(Locale.ROOT, "%.1f%%", row.accuracy() * 100),
                row.note());
    }

    private static Double ratioBase(Long bytes) {
        return bytes == null ? null : bytes / 1048576.0;
    }

    private static String ratio(double value, Double base, String unit) {
        String figure = String.format(Locale.ROOT, "%.1f %s", value, unit);
        return base == null || base == 0 ? figure : String.format(Locale.ROOT, "%s (x%.1f)", figure, value / base);
    }
}
