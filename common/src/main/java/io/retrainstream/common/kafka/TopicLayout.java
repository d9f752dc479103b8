package io.retrainstream.common.kafka;

/**
 * How the project's topics are laid out on the brokers: partitions of the topics keyed by image id, replication and
 * {@code min.insync.replicas} of every topic.
 *
 * <p>{@code images}, {@code images.dlq} and {@code bottlenecks} are keyed by image id, so each image's records stay in
 * one partition, in order, and a consumer group shares the partitions among its members (one extractor per partition
 * at most). {@code models} and {@code models.current} always have one partition: classifiers and the trainer read the
 * versions and the pointer in the order they were written.
 *
 * @param imagePartitions partitions of {@code images}, {@code images.dlq} and {@code bottlenecks}
 * @param replicationFactor copies of each partition; {@link #AUTO}: 3, or the number of brokers when fewer
 * @param minInsyncReplicas copies that must have a record before {@code acks=all} succeeds; {@link #AUTO}: 2 when
 *     there are at least 3 copies (one broker may be lost without losing a record or stopping writes), else 1
 */
public record TopicLayout(int imagePartitions, int replicationFactor, int minInsyncReplicas) {

    /** Chosen from the number of brokers when the topics are created. */
    public static final int AUTO = 0;
    /** Partitions of the topics keyed by image id: room for six extractors of one consumer group. */
    public static final int DEFAULT_IMAGE_PARTITIONS = 6;
    /** The most copies chosen by {@link #AUTO}. */
    public static final int MAX_AUTO_REPLICATION = 3;

    /** Six partitions for images, replication and {@code min.insync.replicas} from the number of brokers. */
    public static final TopicLayout DEFAULT = new TopicLayout(DEFAULT_IMAGE_PARTITIONS, AUTO, AUTO);

    public TopicLayout {
        if (imagePartitions < 1) {
            throw new IllegalArgumentException(
                    "The image topics need at least 1 partition (retrain.topics.partitions), not " + imagePartitions);
        }
        if (replicationFactor < 0 || minInsyncReplicas < 0) {
            throw new IllegalArgumentException("retrain.topics.replication-factor and min-insync-replicas are 0 (auto) "
                    + "or positive, not " + replicationFactor + " and " + minInsyncReplicas);
        }
        if (replicationFactor != AUTO && minInsyncReplicas > replicationFactor) {
            throw new IllegalArgumentException("min.insync.replicas " + minInsyncReplicas
                    + " is more than the replication factor " + replicationFactor
                    + ": no write could succeed. Lower retrain.topics.min-insync-replicas.");
        }
    }

    /** The replication factor on a cluster of {@code brokers}. */
    public short replicationFactor(int brokers) {
        int factor =
                replicationFactor == AUTO ? Math.max(1, Math.min(MAX_AUTO_REPLICATION, brokers)) : replicationFactor;
        if (factor > brokers) {
            throw new IllegalArgumentException("The replication factor " + factor + " needs " + factor
                    + " brokers, but the cluster has " + brokers
                    + ": start more brokers or lower retrain.topics.replication-factor (0 chooses from the brokers)");
        }
        return (short) factor;
    }

    /** {@code min.insync.replicas} for topics of {@code replicationFactor} copies. */
    public int minInsyncReplicas(short replicationFactor) {
        if (minInsyncReplicas != AUTO) {
            return Math.min(minInsyncReplicas, replicationFactor);
        }
        return replicationFactor >= MAX_AUTO_REPLICATION ? 2 : 1;
    }

    /** Partitions of {@code topic}: {@link #imagePartitions} for topics keyed by image id, 1 for the others. */
    public int partitions(String topic) {
        return keyedByImage(topic) ? imagePartitions : 1;
    }

    /** Whether {@code topic} is keyed by image id, so that it may have several partitions. */
    public static boolean keyedByImage(String topic) {
        return topic.equals(Topics.IMAGES) || topic.equals(Topics.IMAGES_DLQ) || topic.equals(Topics.BOTTLENECKS);
    }
}
