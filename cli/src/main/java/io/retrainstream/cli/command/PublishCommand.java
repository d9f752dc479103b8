package io.retrainstream.cli.command;

import io.retrainstream.cli.CliCommand;
import io.retrainstream.cli.CliException;
import io.retrainstream.cli.Context;
import io.retrainstream.cli.ProgressBar;
import io.retrainstream.cli.StatusLine;
import io.retrainstream.cli.UsageException;
import io.retrainstream.cli.stack.State;
import io.retrainstream.common.kafka.ExtractionProgress;
import io.retrainstream.common.kafka.ImageRecords;
import io.retrainstream.common.kafka.KafkaClients;
import io.retrainstream.common.kafka.TopicLayout;
import io.retrainstream.common.kafka.TopicSetup;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.common.tf.ImageDecodeException;
import io.retrainstream.common.tf.ImageLimits;
import io.retrainstream.common.tf.ImageTooLargeException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./retrain publish}: every image of an image dir becomes one record on topic {@code images}. */
@Command(
        name = "publish",
        header = "publish the photos of an image dir (one sub-folder per class) to Kafka",
        synopsisHeading = "",
        customSynopsis =
                "Usage: ./retrain publish --image-dir DIR [--wait] [--bootstrap HOST:PORT] [--max-image-pixels N]",
        description = {
            "",
            "Publishes every photo of DIR to the Kafka topic 'images', like retrain.py --image_dir: "
                    + "each sub-folder of DIR is a class, named after the folder, and every .jpg .jpeg .png .gif .bmp file "
                    + "directly in it is one of its photos. The extractor turns them into bottlenecks for the trainer."
        },
        optionListHeading = "%nOptions:%n",
        footer = {"", "Example:", "  ./retrain publish --image-dir ~/flower_photos --wait"})
public final class PublishCommand extends CliCommand {

    /** Room left in a record for the key, the headers and the batch overhead. */
    static final int MAX_IMAGE_BYTES = ImageRecords.MAX_IMAGE_BYTES;

    /** How long publish waits for the broker to answer before it says it cannot reach it. */
    private static final Duration REACH_TIMEOUT = Duration.ofSeconds(5);

    @Option(
            names = "--image-dir",
            paramLabel = "DIR",
            required = true,
            description = "folder of class folders, e.g. flower_photos (daisy/, roses/, ...)")
    private String imageDir;

    @Option(
            names = "--wait",
            description = "then wait, with a progress bar, until the extractor has turned every photo published into a "
                    + "bottleneck or rejected it, and print the bottlenecks per class and each rejected photo with its "
                    + "reason; exit 1 when the extractor is stopped or stuck")
    private boolean wait;

    @Option(
            names = "--bootstrap",
            paramLabel = "HOST:PORT",
            description = "Kafka to publish to (default: the one ./retrain up started, else 127.0.0.1:9092)")
    private String bootstrap;

    @Option(
            names = "--max-image-pixels",
            paramLabel = "N",
            defaultValue = "" + ImageLimits.DEFAULT_MAX_PIXELS,
            description = "skip, with a warning, photos whose header says they have more pixels (default "
                    + "${DEFAULT-VALUE}, as the services' retrain.max-image-pixels)")
    private long maxPixels;

    public PublishCommand(Context context) {
        super(context);
    }

    @Override
    public Integer call() throws UsageException, InterruptedException {
        Path dir = context.workspace().userPath(imageDir);
        String bootstrap = this.bootstrap != null ? this.bootstrap : State.defaultBootstrap(context.workspace());
        if (maxPixels < 1) {
            throw new UsageException("--max-image-pixels must be at least 1");
        }
        Result result = publish(context, dir, bootstrap, new ImageLimits(maxPixels));
        if (wait && result.published() > 0) {
            // rejected photos are listed with their reasons, as skipped files are warned about: the rest trains
            ExtractionWait.await(context, bootstrap, result.target(), result.dlqFrom(), result.perClass());
        }
        return result.failed() > 0 ? 1 : 0;
    }

    /**
     * @param published records Kafka acknowledged
     * @param skipped   files that could not be read or are too large
     * @param failed    records Kafka refused
     * @param perClass  acknowledged records by class folder
     * @param target    the offsets on {@code images} the published photos got
     * @param dlqFrom   the end offsets of {@code images.dlq} before publishing
     */
    record Result(
            int published,
            int skipped,
            int failed,
            Map<String, Integer> perClass,
            ExtractionProgress.Target target,
            Map<TopicPartition, Long> dlqFrom) {}

    /** The class folders of {@code dir}, refusing a dir without class folders or without images. */
    static List<ImageScanner.ClassFolder> scanImageDir(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new CliException("Image dir " + dir + " does not exist or is not a folder.");
        }
        List<ImageScanner.ClassFolder> classes;
        try {
            classes = ImageScanner.scan(dir);
        } catch (IOException e) {
            throw new CliException("Cannot read image dir " + dir + ": " + e.getMessage(), e);
        }
        if (classes.isEmpty()) {
            throw new CliException(
                    "Image dir " + dir + " has no class folders. Put the photos of each class in a "
                            + "sub-folder named after the class, as for retrain.py --image_dir (e.g. flower_photos/daisy/*.jpg).");
        }
        if (classes.stream().allMatch(c -> c.images().isEmpty())) {
            throw new CliException("The class folders of " + dir + " hold no images: photos must end in "
                    + ".jpg, .jpeg, .png, .gif or .bmp and sit directly in a class folder.");
        }
        return classes;
    }

    /** Publishes the images of {@code dir}; prints progress and a summary per class on stderr. */
    static Result publish(Context context, Path dir, String bootstrap) throws InterruptedException {
        return publish(context, dir, bootstrap, ImageLimits.DEFAULT);
    }

    /** {@link #publish(Context, Path, String)}, skipping images whose header says they are over {@code limits}. */
    static Result publish(Context context, Path dir, String bootstrap, ImageLimits limits) throws InterruptedException {
        PrintStream err = context.err();
        List<ImageScanner.ClassFolder> classes = scanImageDir(dir);
        int total = classes.stream().mapToInt(c -> c.images().size()).sum();
        KafkaClients clients = KafkaClients.fromSystem().withBootstrapServers(bootstrap);
        checkReachable(clients);
        Map<TopicPartition, Long> from;
        Map<TopicPartition, Long> dlqFrom;
        try {
            TopicSetup.ensureTopics(clients, TopicLayout.DEFAULT);
            try (ExtractionProgress offsets = new ExtractionProgress(clients, ExtractionProgress.EXTRACTOR_GROUP)) {
                from = offsets.endOffsets(Topics.IMAGES);
                dlqFrom = offsets.endOffsets(Topics.IMAGES_DLQ);
            }
        } catch (IllegalStateException e) {
            throw new CliException(e.getMessage(), e);
        }
        Map<TopicPartition, Long> to = new ConcurrentHashMap<>(from);
        err.printf(
                "Publishing %d images of %d classes from %s to topic '%s' on Kafka at %s%n",
                total, classes.size(), dir, Topics.IMAGES, bootstrap);

        StatusLine status = new StatusLine(err, context.interactive());
        AtomicInteger acked = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        Map<String, Integer> perClass = new ConcurrentHashMap<>();
        Queue<String> errors = new ConcurrentLinkedQueue<>();
        int skipped = 0;
        int sent = 0;
        long start = System.nanoTime();
        long lastUpdate = 0;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerConfig(clients))) {
            for (ImageScanner.ClassFolder folder : classes) {
                for (Path image : folder.images()) {
                    byte[] bytes = read(image, limits, status, err);
                    if (bytes == null) {
                        skipped++;
                        continue;
                    }
                    String imageId = ImageScanner.imageId(folder, image);
                    ProducerRecord<String, byte[]> record =
                            ImageRecords.of(folder.name(), image.getFileName().toString(), bytes);
                    producer.send(record, (metadata, exception) -> {
                        if (exception == null) {
                            to.merge(
                                    new TopicPartition(metadata.topic(), metadata.partition()),
                                    metadata.offset() + 1,
                                    Math::max);
                            acked.incrementAndGet();
                            perClass.merge(folder.name(), 1, Integer::sum);
                        } else {
                            failed.incrementAndGet();
                            errors.add(imageId + ": " + exception.getMessage());
                        }
                    });
                    sent++;
                    if (System.nanoTime() - lastUpdate > 100_000_000L) {
                        lastUpdate = System.nanoTime();
                        status.update(progress(acked.get() + failed.get() + skipped, total, start));
                    }
                }
            }
            while (acked.get() + failed.get() < sent) {
                status.update(progress(acked.get() + failed.get() + skipped, total, start));
                Thread.sleep(100);
            }
            producer.flush();
        } catch (org.apache.kafka.common.KafkaException e) {
            status.clear();
            throw new CliException("Publishing to Kafka at " + bootstrap + " failed: " + clients.explain(e), e);
        }
        status.done(progress(acked.get() + failed.get() + skipped, total, start));

        double seconds = (System.nanoTime() - start) / 1e9;
        PrintStream out = context.out();
        out.printf(Locale.ROOT, "Published %d images to topic '%s' in %.1f s%n", acked.get(), Topics.IMAGES, seconds);
        int nameWidth = classes.stream().mapToInt(c -> c.name().length()).max().orElse(5);
        for (ImageScanner.ClassFolder folder : classes) {
            int count = perClass.getOrDefault(folder.name(), 0);
            String note = folder.images().isEmpty()
                    ? "  (no images: not a class for training)"
                    : count < folder.images().size()
                            ? "  (" + (folder.images().size() - count) + " not published)"
                            : "";
            out.printf("  %-" + nameWidth + "s  %5d%s%n", folder.name(), count, note);
        }
        if (skipped > 0) {
            err.println(
                    "Skipped " + skipped + " file(s) that could not be read or are too large (see warnings above).");
        }
        if (failed.get() > 0) {
            err.println("Kafka refused " + failed.get() + " image(s):");
            errors.stream().limit(10).forEach(e -> err.println("  " + e));
        }
        return new Result(
                acked.get(),
                skipped,
                failed.get(),
                Map.copyOf(perClass),
                new ExtractionProgress.Target(from, to),
                dlqFrom);
    }

    private static String progress(int done, int total, long start) {
        return ProgressBar.render(done, total, "images", ProgressBar.rate(done, start), "img/s");
    }

    /** The file's bytes, or null (after a warning) when it cannot be read or is too large for one record. */
    /** The file's bytes, or null (with a warning) when it cannot be read or is too large (in bytes or pixels). */
    private static byte[] read(Path image, ImageLimits limits, StatusLine status, PrintStream err) {
        try {
            long size = Files.size(image);
            if (size > MAX_IMAGE_BYTES) {
                status.clear();
                err.printf(
                        "Warning: skipping %s: %d bytes is more than the %d a record can hold%n",
                        image, size, MAX_IMAGE_BYTES);
                return null;
            }
            byte[] bytes = Files.readAllBytes(image);
            try {
                limits.checkPixels(bytes);
            } catch (ImageTooLargeException e) {
                throw e;
            } catch (ImageDecodeException e) {
                // not readable from its header: the extractor dead-letters it with TensorFlow's reason
            }
            return bytes;
        } catch (ImageTooLargeException e) {
            status.clear();
            err.println("Warning: skipping " + image + ": " + e.getMessage());
            return null;
        } catch (IOException | SecurityException e) {
            status.clear();
            err.println("Warning: skipping " + image + ": cannot read it (" + e + ")");
            return null;
        }
    }

    /** Fails, saying what to start or set, unless the broker answers these clients within a few seconds. */
    private static void checkReachable(KafkaClients clients) throws InterruptedException {
        try (Admin admin = clients.admin((int) REACH_TIMEOUT.toMillis())) {
            admin.describeCluster().nodes().get(REACH_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw new CliException(
                    "Cannot reach " + clients + ": " + clients.explain(e)
                            + " Start a broker with ./retrain up, or pass --bootstrap HOST:PORT; a secured broker"
                            + " needs KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM, KAFKA_SASL_JAAS_CONFIG and"
                            + " KAFKA_SSL_TRUSTSTORE_LOCATION (or kafka.* system properties).",
                    e);
        }
    }

    /** The shared settings of {@code clients} (acks=all, idempotence, security) and the publisher's own. */
    static Properties producerConfig(KafkaClients clients) {
        Properties props = clients.producerProperties();
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "retrain-cli-publish");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return props;
    }
}
