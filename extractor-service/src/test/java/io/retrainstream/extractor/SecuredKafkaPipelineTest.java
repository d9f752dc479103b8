package io.retrainstream.extractor;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.retrainstream.common.event.BottleneckComputed;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.common.testing.KafkaBroker;
import io.retrainstream.common.testing.KafkaBrokerResource;
import io.retrainstream.common.testing.SecuredKafkaBrokerResource;
import io.retrainstream.common.testing.SharedData;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The extractor against a real broker that accepts only SASL (PLAIN) over TLS, configured only through
 * {@code kafka.security.protocol}, {@code kafka.sasl.*} and {@code kafka.ssl.*}: its topic setup creates the topics and
 * its channels consume images and produce bottlenecks through the secured listener.
 */
@QuarkusTest
@TestProfile(SecuredKafkaPipelineTest.Secured.class)
class SecuredKafkaPipelineTest {

    public static class Secured implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(SecuredKafkaBrokerResource.class));
        }

        /** The plain broker other tests bring must not start too: one kafka.bootstrap.servers, the secured one. */
        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }

    @Test
    void topicsAreCreatedAndImagesBecomeBottlenecksOverSaslSsl() throws Exception {
        KafkaBroker broker = KafkaBrokerResource.broker();
        assertThat(broker.clients().securityProtocol()).isEqualTo("SASL_SSL");
        try (Admin admin = broker.admin()) {
            // the resource created none: the service's TopicInitializer did, through the secured listener
            assertThat(admin.describeTopics(List.of(Topics.IMAGES))
                            .allTopicNames()
                            .get(30, TimeUnit.SECONDS)
                            .get(Topics.IMAGES)
                            .partitions())
                    .hasSize(6);
        }
        Path daisy = SharedData.flowerPhotos("daisy", 1).get(0);
        broker.publishPhoto(daisy);

        ConsumerRecord<String, byte[]> record =
                broker.consume(Topics.BOTTLENECKS, 1, Duration.ofSeconds(60)).get(0);
        BottleneckComputed bottleneck = BottleneckComputed.decode(record.value());
        assertThat(bottleneck.imageId()).isEqualTo("daisy/" + daisy.getFileName());
        assertThat(bottleneck.vector()).hasSize(1001);
    }
}
