package io.retrainstream.common.quarkus;

import io.retrainstream.common.kafka.TopicLayout;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** {@code retrain.topics.*}: how the services create the project's topics when they are missing ({@link TopicLayout}). */
@ConfigMapping(prefix = "retrain.topics")
public interface TopicLayoutConfig {

    /** Partitions of {@code images}, {@code images.dlq} and {@code bottlenecks}: at most this many extractors share the work. */
    @WithDefault("" + TopicLayout.DEFAULT_IMAGE_PARTITIONS)
    int partitions();

    /** Copies of every partition; 0: 3, or the number of brokers when fewer. */
    @WithDefault("0")
    int replicationFactor();

    /** Copies a write needs before it is acknowledged; 0: 2 with 3 or more copies, else 1. */
    @WithDefault("0")
    int minInsyncReplicas();

    default TopicLayout layout() {
        return new TopicLayout(partitions(), replicationFactor(), minInsyncReplicas());
    }
}
