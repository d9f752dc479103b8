package io.retrainstream.trainer.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.retrainstream.common.event.ModelMetrics;
import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.kafka.TopicReader;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.common.testing.KafkaBroker;
import io.retrainstream.trainer.config.PublisherConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two trainers' publishers with the same {@code transactional.id} on one real broker: the one that starts last
 * publishes, the other is fenced with a message that says so, and no version is ever published with two models.
 */
class ModelPublisherFencingTest {

    private static KafkaBroker kafka;

    @BeforeAll
    static void startBroker() {
        kafka = KafkaBroker.start();
        kafka.createProjectTopics();
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void theTrainerThatStartsLastPublishesAndTheOtherIsFenced() {
        ModelPublisher first = new ModelPublisher(kafka.clients(), config("retrain-trainer-fencing"));
        ModelPublisher second = new ModelPublisher(kafka.clients(), config("retrain-trainer-fencing"));
        try {
            first.takeOver();
            first.publish(model(1, "first"));

            // a second trainer starts (by mistake, or as the successor of a trainer cut off by a network split)
            second.takeOver();

            // both trained a model and number it 2: only one may be published
            assertThatThrownBy(() -> first.publish(model(2, "first")))
                    .isInstanceOf(PublisherFencedException.class)
                    .hasMessageStartingWith("This trainer was fenced: another trainer started with transactional.id"
                            + " 'retrain-trainer-fencing' and publishes the models now, so model version 2 was not"
                            + " published")
                    .hasMessageContaining("Only one trainer may publish");
            second.publish(model(2, "second"));

            // the fenced trainer stays fenced: it never takes publishing back on its own
            assertThatThrownBy(() -> first.publish(model(3, "first"))).isInstanceOf(PublisherFencedException.class);
            assertThatThrownBy(first::takeOver).isInstanceOf(PublisherFencedException.class);

            assertThat(publishedModels())
                    .containsExactly(
                            Map.entry(1L, List.of("first-a", "first-b")),
                            Map.entry(2L, List.of("second-a", "second-b")));
        } finally {
            first.close();
            second.close();
        }
    }

    @Test
    void aVersionAlreadyOnTheTopicIsNeverPublishedAgain() {
        ModelPublisher publisher = new ModelPublisher(kafka.clients(), config("retrain-trainer-versions"));
        try {
            long next = publishedModels().keySet().stream()
                            .mapToLong(Long::longValue)
                            .max()
                            .orElse(0)
                    + 1;
            publisher.publish(model(next, "fresh"));
            assertThatThrownBy(() -> publisher.publish(model(next, "stale")))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("Not publishing model version " + next + ": version " + next
                            + " is already on topic models");
            assertThat(publishedModels().get(next)).containsExactly("fresh-a", "fresh-b");
            // a later version still goes out
            publisher.publish(model(next + 1, "fresh"));
            assertThat(publishedModels()).containsKey(next + 1);
        } finally {
            publisher.close();
        }
    }

    @Test
    void aVersionPublishedByAnotherTrainerAfterOurLastModelIsSeen() {
        // the publisher reads the topic once and then only what is new: what another trainer (one given another
        // transactional.id, so not fenced) published between two of our models still counts
        ModelPublisher ours = new ModelPublisher(kafka.clients(), config("retrain-trainer-ours"));
        ModelPublisher other = new ModelPublisher(kafka.clients(), config("retrain-trainer-other"));
        try {
            long next = publishedModels().keySet().stream()
                            .mapToLong(Long::longValue)
                            .max()
                            .orElse(0)
                    + 1;
            ours.publish(model(next, "ours"));
            other.publish(model(next + 1, "other"));
            // a commit returns before its markers are written: the check sees what readers see, so wait for that
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> publishedModels()
                    .containsKey(next + 1));
            assertThatThrownBy(() -> ours.publish(model(next + 1, "ours")))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("Not publishing model version " + (next + 1) + ": version " + (next + 1)
                            + " is already on topic models");
            ours.publish(model(next + 2, "ours"));
            assertThat(publishedModels())
                    .containsEntry(next, List.of("ours-a", "ours-b"))
                    .containsEntry(next + 1, List.of("other-a", "other-b"))
                    .containsEntry(next + 2, List.of("ours-a", "ours-b"));
        } finally {
            ours.close();
            other.close();
        }
    }

    /** Every committed model on {@code models}, by version: its labels. Fails on a version published twice. */
    private static Map<Long, List<String>> publishedModels() {
        Map<Long, List<String>> models = new TreeMap<>();
        for (ConsumerRecord<String, byte[]> record :
                TopicReader.readAll(kafka.clients(), Topics.MODELS, Duration.ofSeconds(30))) {
            ModelPublished model = ModelPublished.decode(record.value());
            assertThat(models)
                    .as("models published under version %d", model.version())
                    .doesNotContainKey(model.version());
            models.put(model.version(), model.labels());
        }
        return models;
    }

    private static ModelPublished model(long version, String trainer) {
        return new ModelPublished(
                version,
                "mobilenet_0.25_128@sha256:76fec915bb13",
                "bottleneck",
                List.of(trainer + "-a", trainer + "-b"),
                2,
                new float[] {1, 0, 0, 1},
                new float[2],
                new ModelMetrics(1, 1, 0.1, 1, 1, 1, 1, 1, 1, 1, "f"),
                System.currentTimeMillis());
    }

    private static PublisherConfig config(String transactionalId) {
        return new PublisherConfig() {
            @Override
            public String transactionalId() {
                return transactionalId;
            }

            @Override
            public Duration timeout() {
                return Duration.ofSeconds(30);
            }
        };
    }
}
