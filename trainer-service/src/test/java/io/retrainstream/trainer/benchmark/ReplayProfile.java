package io.retrainstream.trainer.benchmark;

import io.retrainstream.common.SplitRule;
import io.retrainstream.common.event.BottleneckComputed;
import io.retrainstream.common.event.SyntheticBottlenecks;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.testing.KafkaBroker;
import io.retrainstream.trainer.service.BottleneckStore;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.ByteBufferDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Not a test (Surefire skips it by name): where a replay's seconds go, against a real (in-JVM) broker. Produces
 * {@code -Dprofile.images} synthetic MobileNet events (1001 + 512 floats, uncompressed as the extractor and
 * {@code ./retrain benchmark scale} send them) to {@code bottlenecks}, then reads them all back from the start several ways, each with a fresh consumer:
 * fetching only, fetching and decoding and storing as the trainer did (a byte array per value, both layers decoded),
 * and as it does now (the value read in place, the pooled layer only).
 * {@code ./mvnw -B -o -pl trainer-service -am verify -Dtest=ReplayProfile -Dsurefire.failIfNoSpecifiedTests=false}
 */
class ReplayProfile {

    @Test
    void profile() throws Exception {
        int images = Integer.getInteger("profile.images", 100_000);
        try (KafkaBroker broker = KafkaBroker.start()) {
            broker.createProjectTopics();
            long start = System.nanoTime();
            produce(broker, images);
            System.out.printf("%,d events produced in %.1f s%n", images, seconds(start));
            for (int round = 0; round < 2; round++) {
                time(broker, images, "fetch only, byte[]", ByteArrayDeserializer.class, 500, record -> {});
                time(broker, images, "fetch only, ByteBuffer", ByteBufferDeserializer.class, 500, record -> {});
                BottleneckStore before = store();
                time(
                        broker,
                        images,
                        "byte[], both layers decoded, stored",
                        ByteArrayDeserializer.class,
                        500,
                        record -> before.add(BottleneckComputed.decode((byte[]) record.value())));
                BottleneckStore after = store();
                time(
                        broker,
                        images,
                        "in place, pooled only, stored",
                        ByteBufferDeserializer.class,
                        500,
                        record ->
                                after.add(BottleneckComputed.decode((ByteBuffer) record.value(), after.keptLayers())));
                BottleneckStore bigger = store();
                time(
                        broker,
                        images,
                        "in place, pooled only, stored, 5000 a poll",
                        ByteBufferDeserializer.class,
                        5000,
                        record -> bigger.add(
                                BottleneckComputed.decode((ByteBuffer) record.value(), bigger.keptLayers())));
            }
        }
    }

    private static BottleneckStore store() throws Exception {
        return new BottleneckStore(
                new SplitRule(10, 10), Set.of(FeatureLayer.POOLED), Files.createTempDirectory("replay-profile-"));
    }

    private static void produce(KafkaBroker broker, int images) {
        SyntheticBottlenecks events =
                new SyntheticBottlenecks(5, 1001, 512, 4.0, 42, SyntheticBottlenecks.ARCHITECTURE);
        Properties props = broker.clients().producerProperties();
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 1 << 20);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props)) {
            for (long i = 0; i < images; i++) {
                BottleneckComputed event = events.event(i, 1_000 + i);
                producer.send(new ProducerRecord<>(Topics.BOTTLENECKS, event.imageId(), event.encode()));
            }
            producer.flush();
        }
    }

    private static void time(
            KafkaBroker broker,
            int images,
            String what,
            Class<?> valueDeserializer,
            int maxPollRecords,
            Consumer<ConsumerRecord<String, ?>> each) {
        Properties props = broker.clients().consumerProperties();
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "replay-profile-" + System.nanoTime());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 << 20);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, valueDeserializer.getName());
        long start = System.nanoTime();
        long handleNanos = 0;
        int read = 0;
        try (KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of(Topics.BOTTLENECKS));
            while (read < images) {
                for (ConsumerRecord<String, Object> record : consumer.poll(Duration.ofMillis(500))) {
                    long t0 = System.nanoTime();
                    each.accept(record);
                    handleNanos += System.nanoTime() - t0;
                    read++;
                }
                if (seconds(start) > 600) {
                    throw new IllegalStateException("Read only " + read + " of " + images + " in 10 min");
                }
            }
            Map<TopicPartition, Long> ends = consumer.endOffsets(consumer.assignment());
            System.out.printf(
                    "%-45s %,d events in %5.1f s (%,.0f/s), %5.1f s of it decoding and storing; ends %s%n",
                    what, read, seconds(start), read / seconds(start), handleNanos / 1e9, ends.values());
        }
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
