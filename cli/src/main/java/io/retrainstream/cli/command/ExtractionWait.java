package io.retrainstream.cli.command;

import io.retrainstream.cli.CliException;
import io.retrainstream.cli.Context;
import io.retrainstream.cli.ProgressBar;
import io.retrainstream.cli.StatusLine;
import io.retrainstream.common.kafka.ExtractionProgress;
import io.retrainstream.common.kafka.KafkaClients;
import io.retrainstream.common.kafka.Topics;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * {@code ./retrain publish --wait}: waits, with a progress bar, until the extractor has consumed the photos just
 * published (each has a bottleneck or a dead letter then), then prints the bottlenecks per class and every rejected
 * photo with its reason, read from {@code images.dlq}.
 */
final class ExtractionWait {

    private static final Duration POLL = Duration.ofMillis(500);
    /** No photo extracted for this long: the extractor is stuck. */
    static final Duration STALL_TIMEOUT = Duration.ofSeconds(120);
    /** No extractor in the group for this long (a restarted one rejoins within about 15 s). */
    static final Duration ABSENT_TIMEOUT = Duration.ofSeconds(30);

    private ExtractionWait() {}

    /** A photo the extractor dead-lettered. */
    record Rejected(String imageId, String label, String reason) {}

    /**
     * @param target      the offsets of the photos published
     * @param dlqFrom     the end offsets of {@code images.dlq} before they were published
     * @param perClass    photos published, by class
     * @return the photos rejected
     */
    static List<Rejected> await(
            Context context,
            String bootstrap,
            ExtractionProgress.Target target,
            Map<TopicPartition, Long> dlqFrom,
            Map<String, Integer> perClass)
            throws InterruptedException {
        PrintStream err = context.err();
        StatusLine status = new StatusLine(err, context.interactive());
        long start = System.nanoTime();
        try (ExtractionProgress progress = new ExtractionProgress(
                KafkaClients.fromSystem().withBootstrapServers(bootstrap), ExtractionProgress.EXTRACTOR_GROUP)) {
            ExtractionProgress.Snapshot done = progress.await(
                    target, POLL, STALL_TIMEOUT, ABSENT_TIMEOUT, now -> status.update(bar(now, start)), () -> false);
            status.done(bar(done, start));
        } catch (ExtractionProgress.StalledException e) {
            status.clear();
            throw new CliException(e.getMessage() + " with ./retrain train --no-wait-for-photos. The photos stay on "
                    + "Kafka: a running extractor takes them up where it stopped.");
        } catch (IllegalStateException e) {
            status.clear();
            throw new CliException(e.getMessage(), e);
        }
        List<Rejected> rejected = rejected(bootstrap, target, dlqFrom);
        PrintStream out = context.out();
        Map<String, Integer> extracted = new TreeMap<>(perClass);
        rejected.stream()
                .filter(r -> r.label() != null)
                .forEach(r -> extracted.computeIfPresent(r.label(), (label, count) -> count - 1));
        out.printf(
                "Extracted %d of %d photos in %.1f s; bottlenecks per class:%n",
                extracted.values().stream().mapToInt(Integer::intValue).sum(),
                target.total(),
                (System.nanoTime() - start) / 1e9);
        int width = extracted.keySet().stream().mapToInt(String::length).max().orElse(5);
        extracted.forEach((label, count) -> out.printf("  %-" + width + "s  %5d%n", label, count));
        if (!rejected.isEmpty()) {
            out.printf("The extractor rejected %d photo(s) (topic '%s'):%n", rejected.size(), Topics.IMAGES_DLQ);
            rejected.forEach(r -> out.println("  " + r.imageId() + ": " + r.reason()));
        }
        return rejected;
    }

    private static String bar(ExtractionProgress.Snapshot now, long start) {
        return ProgressBar.render(now.done(), now.total(), "extracted", ProgressBar.rate(now.done(), start), "img/s");
    }

    /** The dead letters written since {@code dlqFrom} for photos of {@code target} (by their {@code dlq-source}). */
    private static List<Rejected> rejected(
            String bootstrap, ExtractionProgress.Target target, Map<TopicPartition, Long> dlqFrom) {
        List<Rejected> rejected = new ArrayList<>();
        Properties props =
                KafkaClients.fromSystem().withBootstrapServers(bootstrap).consumerProperties();
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(dlqFrom.keySet());
            dlqFrom.forEach(consumer::seek);
            Map<TopicPartition, Long> end = consumer.endOffsets(dlqFrom.keySet(), Duration.ofSeconds(15));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
                if (System.nanoTime() > deadline) {
                    throw new CliException("Timed out reading topic " + Topics.IMAGES_DLQ + " from " + bootstrap);
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (fromTarget(header(record, "dlq-source"), target)) {
                        rejected.add(new Rejected(
                                record.key(), header(record, Topics.LABEL), header(record, Topics.DLQ_REASON)));
                    }
                }
            }
        }
        return rejected;
    }

    /** Whether a {@code dlq-source} ({@code images-0@17}) is one of the photos of {@code target}. */
    static boolean fromTarget(String source, ExtractionProgress.Target target) {
        if (source == null) {
            return false;
        }
        int at = source.lastIndexOf('@');
        int dash = source.lastIndexOf('-', at);
        if (at < 0 || dash < 0) {
            return false;
        }
        try {
            TopicPartition partition =
                    new TopicPartition(source.substring(0, dash), Integer.parseInt(source.substring(dash + 1, at)));
            long offset = Long.parseLong(source.substring(at + 1));
            Long to = target.to().get(partition);
            return to != null && offset >= target.from().getOrDefault(partition, 0L) && offset < to;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
