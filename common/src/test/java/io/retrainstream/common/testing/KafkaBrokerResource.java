package io.retrainstream.common.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Quarkus test resource: a real in-JVM KRaft broker ({@link KafkaBroker}) with the project's topics, wired in through
 * {@code kafka.bootstrap.servers} (and the {@code kafka.*} security settings of a secured broker). Use with {@code @QuarkusTestResource(KafkaBrokerResource.class)} (or
 * {@code @WithTestResource}); the test classpath needs {@code org.apache.kafka:kafka_2.13} and
 * {@code org.apache.kafka:kafka-test-common-runtime} (test scope).
 */
public class KafkaBrokerResource implements QuarkusTestResourceLifecycleManager {

    /** The broker of the most recent {@link #start()}, for tests that produce or consume directly. */
    private static volatile KafkaBroker current;

    private KafkaBroker broker;

    @Override
    public Map<String, String> start() {
        broker = startBroker();
        try {
            prepare(broker);
        } catch (RuntimeException e) {
            broker.close();
            broker = null;
            throw e;
        }
        current = broker;
        return broker.serviceConfig();
    }

    /** Readies the started broker for the service: creates the project's topics. */
    protected void prepare(KafkaBroker broker) {
        broker.createProjectTopics();
    }

    /** The broker to start; a subclass may start another kind (e.g. one that accepts only SASL over TLS). */
    protected KafkaBroker startBroker() {
        return KafkaBroker.start();
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
