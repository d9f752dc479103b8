package io.retrainstream.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.retrainstream.common.testing.KafkaBroker;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Photos published in Kafka transactions (as {@code PerformanceBenchmark} and any transactional producer does): each
 * transaction leaves a commit or abort marker after its records, which no consumer ever receives, so an extractor
 * that has consumed every photo commits an offset below the end of {@code images}. Against a real KRaft broker.
 */
class ExtractionProgressTransactionsTest {

    private static KafkaBroker kafka;

    @BeforeAll
    static void start() {
        kafka = KafkaBroker.start();
        kafka.createProjectTopics();
    }

    @AfterAll
    static void stop() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void photosPublishedInTransactionsAreDoneOnceTheExtractorConsumedTheirLastRecord() throws Exception {
        try (ExtractionProgress progress = new ExtractionProgress(kafka.clients(), ExtractionProgress.EXTRACTOR_GROUP);
                KafkaProducer<String, byte[]> producer = transactionalProducer();
                KafkaConsumer<String, byte[]> extractor = extractor()) {
            producer.initTransactions();
            Map<TopicPartition, Long> before = progress.endOffsets(Topics.IMAGES);

            // one committed transaction of 6 photos: the extractor consumes them all and commits past the last
            publish(producer, "first", 6, true);
            ExtractionProgress.Target first = new ExtractionProgress.Target(before, settledEnds(progress, before, 7));
            assertThat(first.total())
                    .as("6 photos and a commit marker per partition written")
                    .isGreaterThan(6);
            extractor.subscribe(List.of(Topics.IMAGES));
            assertThat(extractEverything(extractor)).isEqualTo(6);
            ExtractionProgress.Snapshot firstDone = progress.check(first);
            assertThat(firstDone.complete())
                    .as("every photo extracted, only commit markers left: %s", firstDone)
                    .isTrue();
            assertThat(progress.await(
                                    first,
                                    Duration.ofMillis(100),
                                    Duration.ofSeconds(5),
                                    Duration.ofSeconds(5),
                                    s -> {},
                                    () -> false)
                            .complete())
                    .isTrue();

            // an aborted transaction after it: its records are never read, the extractor commits nothing more
            publish(producer, "aborted", 3, false);
            ExtractionProgress.Target withAborted =
                    new ExtractionProgress.Target(before, settledEnds(progress, before, first.total() + 4));
            assertThat(withAborted.total()).isGreaterThan(first.total() + 3);
            assertThat(extractEverything(extractor)).isZero();
            assertThat(progress.check(withAborted).complete()).isTrue();

            // photos not consumed yet still count as pending, behind the markers as well
            publish(producer, "second", 4, true);
            ExtractionProgress.Target all =
                    new ExtractionProgress.Target(before, settledEnds(progress, before, withAborted.total() + 5));
            ExtractionProgress.Snapshot waiting = progress.check(all);
            assertThat(waiting.complete()).isFalse();
            assertThat(waiting.pending()).isGreaterThanOrEqualTo(4);
            assertThat(extractEverything(extractor)).isEqualTo(4);
            assertThat(progress.check(all).complete()).isTrue();
        }
    }

    /**
     * The end offsets of {@code images} once they cover at least {@code records} records after {@code from}: the
     * coordinator writes a transaction's markers just after {@code commitTransaction} returns, and the end that a
     * {@code read_committed} reader sees moves only then.
     */
    private static Map<TopicPartition, Long> settledEnds(
            ExtractionProgress progress, Map<TopicPartition, Long> from, long records) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            Map<TopicPartition, Long> ends = progress.endOffsets(Topics.IMAGES);
            long total = new ExtractionProgress.Target(from, ends).total();
            if (total >= records) {
                return ends;
            }
            assertThat(System.nanoTime())
                    .as("%d records on images after 30 s", total)
                    .isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    /** Publishes {@code count} photos in one transaction, committed or aborted. */
    private static void publish(KafkaProducer<String, byte[]> producer, String prefix, int count, boolean commit)
            throws Exception {
        producer.beginTransaction();
        for (int i = 0; i < count; i++) {
            producer.send(new ProducerRecord<>(Topics.IMAGES, "daisy/" + prefix + i + ".jpg", new byte[] {(byte) i}));
        }
        producer.flush();
        if (commit) {
            producer.commitTransaction();
        } else {
            producer.abortTransaction();
        }
    }

    /**
     * What the extractor does with a poll: reads committed records and commits the offset after the last record of
     * each partition (as SmallRye's commit strategy does); polls until nothing more comes. Returns the records read.
     */
    private static int extractEverything(KafkaConsumer<String, byte[]> extractor) {
        int read = 0;
        int emptyPolls = 0;
        while (emptyPolls < 5) {
            ConsumerRecords<String, byte[]> records = extractor.poll(Duration.ofMillis(500));
            if (records.isEmpty() && !extractor.assignment().isEmpty()) {
                emptyPolls++;
                continue;
            }
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            for (ConsumerRecord<String, byte[]> record : records) {
                offsets.put(
                        new TopicPartition(record.topic(), record.partition()),
                        new OffsetAndMetadata(record.offset() + 1));
                read++;
            }
            if (!offsets.isEmpty()) {
                extractor.commitSync(offsets);
            }
        }
        return read;
    }

    private static KafkaProducer<String, byte[]> transactionalProducer() {
        Properties props = kafka.clients().producerProperties();
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "images-publisher");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(props);
    }

    private static KafkaConsumer<String, byte[]> extractor() {
        Properties props = kafka.clients().consumerProperties();
        props.put(ConsumerConfig.GROUP_ID_CONFIG, ExtractionProgress.EXTRACTOR_GROUP);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    }
}
