package io.retrainstream.trainer.service;

import io.retrainstream.common.kafka.ExtractionProgress;
import io.retrainstream.common.kafka.KafkaClients;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.trainer.config.TrainerConfig;
import io.retrainstream.trainer.messaging.ReplayProgress;
import io.retrainstream.trainer.model.Cancellation;
import io.retrainstream.trainer.model.RunCancelledException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * What a requested run waits for before it trains ({@code trainer.extraction-wait.*}): the extractor group has
 * consumed {@code images} up to the end offsets of the moment of the request (so every photo published before has
 * its bottleneck or its dead letter on Kafka), and this trainer has read {@code bottlenecks} up to its end offsets
 * of the moment the extractor got there. Kafka's offsets, not a sleep; a stopped or stuck extractor fails the wait
 * with what to do instead.
 */
@ApplicationScoped
public class ExtractionBarrier {

    /** The least time between two progress lines of the same wait. */
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(2);
    /** How often the trainer's own reading of {@code bottlenecks} is checked (no Kafka call). */
    private static final long READ_POLL_MILLIS = 100;

    private final TrainerConfig.ExtractionWait config;
    private final ReplayProgress read;
    private final KafkaClients clients;

    public ExtractionBarrier(TrainerConfig config, ReplayProgress read, KafkaClients clients) {
        this.config = config.extractionWait();
        this.read = read;
        this.clients = clients;
    }

    /** Whether requested runs wait at all ({@code trainer.extraction-wait.enabled}). */
    public boolean enabled() {
        return config.enabled();
    }

    /**
     * Takes the end offsets of {@code images} now; empty when everything up to them is extracted and read already.
     *
     * @throws IllegalStateException when Kafka cannot be asked, naming what to do
     */
    public Optional<RunBarrier> begin() {
        try (ExtractionProgress progress = new ExtractionProgress(clients, config.group())) {
            ExtractionProgress.Target target = progress.everythingNow();
            ExtractionProgress.Snapshot now = progress.check(target);
            if (now.complete() && read.readUpTo(byPartition(progress.endOffsets(Topics.BOTTLENECKS)))) {
                return Optional.empty();
            }
            return Optional.of(new Wait(target));
        } catch (IllegalStateException e) {
            throw new IllegalStateException(
                    e.getMessage() + ". Train on the bottlenecks there are now with {\"wait_for_extraction\": false} "
                            + "(./retrain train --no-wait-for-photos)",
                    e);
        }
    }

    private static Map<Integer, Long> byPartition(Map<TopicPartition, Long> offsets) {
        Map<Integer, Long> ends = new TreeMap<>();
        offsets.forEach((partition, offset) -> ends.put(partition.partition(), offset));
        return ends;
    }

    /** One run's wait for the photos published before its request. */
    private final class Wait implements RunBarrier {

        private final ExtractionProgress.Target target;

        Wait(ExtractionProgress.Target target) {
            this.target = target;
        }

        @Override
        public void await(Consumer<String> progress, Cancellation cancellation) throws InterruptedException {
            long start = System.nanoTime();
            Map<Integer, Long> bottlenecks;
            try (ExtractionProgress extraction = new ExtractionProgress(clients, config.group())) {
                long[] lastLine = {0};
                ExtractionProgress.Snapshot done = extraction.await(
                        target,
                        config.poll(),
                        config.stallTimeout(),
                        config.absentTimeout(),
                        snapshot -> {
                            long now = System.nanoTime();
                            if (!snapshot.complete() && now - lastLine[0] >= PROGRESS_EVERY.toNanos()) {
                                lastLine[0] = now;
                                progress.accept("Waiting for " + snapshot.pending() + " of " + snapshot.total()
                                        + " photos to be extracted (published before this run was asked for)");
                            }
                        },
                        cancellation::requested);
                bottlenecks = byPartition(extraction.endOffsets(Topics.BOTTLENECKS));
                progress.accept(String.format(
                        "All %d photos published before this run are extracted (%.1f s); reading their bottlenecks",
                        done.total(), (System.nanoTime() - start) / 1e9));
            } catch (ExtractionProgress.CancelledException e) {
                throw new RunCancelledException();
            } catch (ExtractionProgress.StalledException e) {
                throw new IllegalStateException(e.getMessage() + " with {\"wait_for_extraction\": false} "
                        + "(./retrain train --no-wait-for-photos)");
            }
            awaitRead(bottlenecks, cancellation);
            progress.accept(String.format(
                    "Read the bottlenecks up to offsets %s: waited %.1f s for the photos published before this run",
                    bottlenecks, (System.nanoTime() - start) / 1e9));
        }

        /** Waits until this trainer has read {@code bottlenecks} up to {@code ends}. */
        private void awaitRead(Map<Integer, Long> ends, Cancellation cancellation) throws InterruptedException {
            long deadline = System.nanoTime() + config.stallTimeout().toNanos();
            while (!read.readUpTo(ends)) {
                cancellation.check();
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("The trainer has not read topic '" + Topics.BOTTLENECKS
                            + "' up to offsets " + ends + " within "
                            + config.stallTimeout().toSeconds() + " s. "
                            + "See its log (.retrain/logs/trainer.log) and ./retrain status, or train on the "
                            + "bottlenecks there are now with {\"wait_for_extraction\": false} "
                            + "(./retrain train --no-wait-for-photos)");
                }
                Thread.sleep(READ_POLL_MILLIS);
            }
        }
    }
}
