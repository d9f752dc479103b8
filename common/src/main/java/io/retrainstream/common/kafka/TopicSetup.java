package io.retrainstream.common.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jboss.logging.Logger;

/**
 * Creates the project's topics when they are missing, laid out as {@link TopicLayout} says. {@code bottlenecks},
 * {@code models} and {@code models.current} are compacted: they are the durable state that the trainer and the
 * classifier rebuild themselves from on start. Topics that exist are left as they are, with advice when they have
 * fewer partitions than the layout asks for.
 */
public final class TopicSetup {

    private static final Logger LOG = Logger.getLogger(TopicSetup.class);
    private static final int TIMEOUT_MILLIS = 30_000;
    /** Bottleneck and model events can be larger than Kafka's 1 MB default. */
    public static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

    private TopicSetup() {}

    /** The project's topics with the default layout on one broker. */
    public static List<NewTopic> topics() {
        return topics(TopicLayout.DEFAULT, 1);
    }

    /** The project's topics as {@code layout} lays them out on a cluster of {@code brokers}. */
    public static List<NewTopic> topics(TopicLayout layout, int brokers) {
        short replication = layout.replicationFactor(brokers);
        String minInsync = Integer.toString(layout.minInsyncReplicas(replication));
        Map<String, String> compacted = Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG,
                TopicConfig.CLEANUP_POLICY_COMPACT,
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG,
                Integer.toString(MAX_MESSAGE_BYTES),
                TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG,
                minInsync);
        Map<String, String> plain = Map.of(
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG,
                Integer.toString(MAX_MESSAGE_BYTES),
                TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG,
                minInsync);
        return List.of(
                topic(Topics.IMAGES, layout, replication).configs(plain),
                topic(Topics.IMAGES_DLQ, layout, replication).configs(plain),
                topic(Topics.BOTTLENECKS, layout, replication).configs(compacted),
                topic(Topics.MODELS, layout, replication).configs(compacted),
                topic(Topics.MODEL_POINTER, layout, replication).configs(compacted));
    }

    private static NewTopic topic(String name, TopicLayout layout, short replication) {
        return new NewTopic(name, layout.partitions(name), replication);
    }

    /** {@link #ensureTopics(KafkaClients, TopicLayout)} with plain clients and the default layout. */
    public static List<String> ensureTopics(String bootstrapServers) {
        return ensureTopics(KafkaClients.of(bootstrapServers), TopicLayout.DEFAULT);
    }

    /**
     * Creates whichever of the project's topics do not exist yet; safe to call from every service at once. Topics that
     * exist keep their partitions and settings: for each that has fewer partitions than {@code layout} asks for, a
     * warning is logged (and returned) with the command that adds them.
     *
     * @return the warnings about existing topics, empty when they match the layout
     * @throws IllegalStateException when Kafka cannot be reached or refuses, saying what to check
     */
    public static List<String> ensureTopics(KafkaClients clients, TopicLayout layout) {
        try (Admin admin = clients.admin(TIMEOUT_MILLIS)) {
            int brokers = admin.describeCluster()
                    .nodes()
                    .get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
                    .size();
            Set<String> existing = admin.listTopics().names().get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
            List<NewTopic> wanted = topics(layout, brokers);
            List<NewTopic> missing = new ArrayList<>();
            List<String> present = new ArrayList<>();
            for (NewTopic topic : wanted) {
                if (existing.contains(topic.name())) {
                    present.add(topic.name());
                } else {
                    missing.add(topic);
                }
            }
            for (var entry : admin.createTopics(missing).values().entrySet()) {
                try {
                    entry.getValue().get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
                    NewTopic created = missing.stream()
                            .filter(t -> t.name().equals(entry.getKey()))
                            .findFirst()
                            .orElseThrow();
                    LOG.infof(
                            "Created topic %s: %d partition(s), replication factor %d, min.insync.replicas %s",
                            created.name(),
                            created.numPartitions(),
                            created.replicationFactor(),
                            created.configs().get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG));
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            return advise(clients, layout, admin, present);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topics", e);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("Cannot lay out the topics on " + clients + ": " + e.getMessage(), e);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot create the topics on " + clients + ": " + clients.explain(e), e);
        }
    }

    /** Warnings for existing topics with fewer partitions than the layout asks for, each with its command. */
    private static List<String> advise(KafkaClients clients, TopicLayout layout, Admin admin, List<String> present)
            throws Exception {
        List<String> advice = new ArrayList<>();
        if (present.isEmpty()) {
            return advice;
        }
        Map<String, TopicDescription> descriptions =
                admin.describeTopics(present).allTopicNames().get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        for (TopicDescription description : descriptions.values()) {
            int has = description.partitions().size();
            int wants = layout.partitions(description.name());
            if (has < wants) {
                String note = description.name().equals(Topics.BOTTLENECKS)
                        ? " Records already written stay where they are; an image extracted again afterwards may go"
                                + " to another partition, so until compaction its old record may also be read."
                        : "";
                advice.add(String.format(
                        "Topic %s exists with %d partition(s) where %d are configured (retrain.topics.partitions):"
                                + " it keeps working, but at most %d consumer(s) of a group can share it. To spread"
                                + " it, run: kafka-topics.sh --bootstrap-server %s --alter --topic %s --partitions %d.%s",
                        description.name(),
                        has,
                        wants,
                        has,
                        clients.bootstrapServers(),
                        description.name(),
                        wants,
                        note));
            } else if (!TopicLayout.keyedByImage(description.name()) && has > 1) {
                advice.add(String.format(
                        "Topic %s has %d partitions: its records are read in the order written only within a"
                                + " partition, and it is meant to have one. Recreate it with one partition.",
                        description.name(), has));
            }
        }
        advice.forEach(LOG::warn);
        return advice;
    }
}
