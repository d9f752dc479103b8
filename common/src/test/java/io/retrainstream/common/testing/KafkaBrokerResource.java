package io.retrainstream.common.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Quarkus test resource: a real in-JVM KRaft broker ({@link KafkaBroker}) with the project's topics, wired in through
 * {@code kafka.bootstrap.servers}. Use with {@code @QuarkusTestResource(KafkaBrokerResource.class)} (or
 * {@code @WithTestResource}); the test classpath needs {@code org.apache.kafka:kafka_2.13} and
 * {@code org.apache.kafka:kafka-test-common-runtime} (test scope).
 */
public class KafkaBrokerResource implements QuarkusTestResourceLifecycleManager {

    /** The broker of the most recent {@link #start()}, for tests that produce or consume directly. */
    private static volatile KafkaBroker current;

    private KafkaBroker broker;

    @Override
    public Map<String, String> start() {
        broker = KafkaBroker.start();
        try {
            broker.createProjectTopics();
        } catch (RuntimeException e) {
            broker.close();
            broker = null;
            throw e;
        }
        current = broker;
        return Map.of("kafka.bootstrap.servers", broker.bootstrapServers());
    }

    @Override
    public void stop() {
        if (broker != null) {
            if (current == broker) {
                current = null;
            }
            try {
                broker.close();
            } finally {
                broker = null;
            }
        }
    }

    /** The running broker started by this resource; fails when none is. */
    public static KafkaBroker broker() {
        KafkaBroker broker = current;
        if (broker == null) {
            throw new IllegalStateException("No KafkaBrokerResource is running: annotate the test with "
                    + "@QuarkusTestResource(KafkaBrokerResource.class)");
        }
        return broker;
    }
}
