package io.retrainstream.common.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jboss.logging.Logger;

/**
 * Creates the project's topics when they are missing. {@code bottlenecks} and {@code models} are compacted: they are
 * the durable state that the trainer and the classifier rebuild themselves from on start.
 */
public final class TopicSetup {

    private static final Logger LOG = Logger.getLogger(TopicSetup.class);
    private static final int PARTITIONS = 1;
    private static final short REPLICATION = 1;
    /** Bottleneck and model events can be larger than Kafka's 1 MB default. */
    public static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

    private TopicSetup() {}

    public static List<NewTopic> topics() {
        Map<String, String> compacted = Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG,
                TopicConfig.CLEANUP_POLICY_COMPACT,
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG,
                Integer.toString(MAX_MESSAGE_BYTES));
        Map<String, String> plain = Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(MAX_MESSAGE_BYTES));
        return List.of(
                new NewTopic(Topics.IMAGES, PARTITIONS, REPLICATION).configs(plain),
                new NewTopic(Topics.IMAGES_DLQ, PARTITIONS, REPLICATION).configs(plain),
                new NewTopic(Topics.BOTTLENECKS, PARTITIONS, REPLICATION).configs(compacted),
                new NewTopic(Topics.MODELS, PARTITIONS, REPLICATION).configs(compacted),
                new NewTopic(Topics.MODEL_POINTER, PARTITIONS, REPLICATION).configs(compacted));
    }

    /** Creates whichever of the project's topics do not exist yet; safe to call from every service at once. */
    public static void ensureTopics(String bootstrapServers) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        try (Admin admin = Admin.create(props)) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (NewTopic topic : topics()) {
                if (!existing.contains(topic.name())) {
                    missing.add(topic);
                }
            }
            if (missing.isEmpty()) {
                return;
            }
            for (var entry : admin.createTopics(missing).values().entrySet()) {
                try {
                    entry.getValue().get(30, TimeUnit.SECONDS);
                    LOG.infof("Created topic %s", entry.getKey());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topics", e);
        } catch (Exception e) {
            throw new IllegalStateException(
                    "Cannot create the topics on Kafka at " + bootstrapServers + ": is the broker running? ("
                            + e.getMessage() + ")",
                    e);
        }
    }
}
