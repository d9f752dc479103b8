package io.retrainstream.extractor.service;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.retrainstream.common.Concurrency;
import io.retrainstream.common.Labels;
import io.retrainstream.common.event.BottleneckComputed;
import io.retrainstream.common.model.Features;
import io.retrainstream.common.tf.BatchIsolation;
import io.retrainstream.common.tf.ImageDecodeException;
import io.retrainstream.extractor.model.BottleneckModel;
import io.retrainstream.extractor.model.ImageEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Turns image records into bottleneck events: checks each record, reuses the bottleneck of content already seen,
 * runs the rest through the CNN in batches, and names the reason for every record it cannot use.
 */
@ApplicationScoped
public class ExtractionService {

    /** What became of one record: a bottleneck, or the reason it was rejected. */
    public record Outcome(RawImage raw, BottleneckComputed bottleneck, String rejection) {
        public boolean rejected() {
            return rejection != null;
        }
    }

    private final BottleneckModel model;
    private final BottleneckCache cache;
    private final ImageStore images;
    private final Timer cnnTimer;
    private final Counter extracted;
    private final Counter cached;
    private final Counter rejected;
    /** Files each finished batch's results (cache, image store), off the CNN's threads, one batch at a time. */
    private final ExecutorService results =
            Executors.newSingleThreadExecutor(Concurrency.daemonThreads("extraction-results"));

    public ExtractionService(BottleneckModel model, BottleneckCache cache, ImageStore images, MeterRegistry registry) {
        this.model = model;
        this.cache = cache;
        this.images = images;
        this.cnnTimer = Timer.builder("extractor.cnn.batch")
                .description("Decode, resize and CNN per batch of records, from queueing to its last run")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        this.extracted = imagesCounter(registry, "extracted");
        this.cached = imagesCounter(registry, "cached");
        this.rejected = imagesCounter(registry, "rejected");
    }

    private static Counter imagesCounter(MeterRegistry registry, String outcome) {
        return Counter.builder("extractor.images")
                .description("Image events processed, by outcome")
                .tag("outcome", outcome)
                .register(registry);
    }

    /**
     * What becomes of each record, in order. The records are checked and looked up in the cache now; the rest runs
     * through the CNN queued behind earlier calls, so the future completes once their bottlenecks are computed.
     */
    public CompletableFuture<List<Outcome>> process(List<RawImage> raws) {
        List<Outcome> outcomes = new ArrayList<>(raws.size());
        Map<String, List<Integer>> pending = new LinkedHashMap<>();
        List<ImageEvent> events = new ArrayList<>(raws.size());
        for (RawImage raw : raws) {
            outcomes.add(null);
            events.add(null);
        }
        for (int i = 0; i < raws.size(); i++) {
            RawImage raw = raws.get(i);
            try {
                ImageEvent event = parse(raw, model);
                events.set(i, event);
                var vector = cache.get(event.contentHash());
                if (vector.isPresent()) {
                    cached.increment();
                    images.put(event.contentHash(), event.image());
                    outcomes.set(i, new Outcome(raw, bottleneck(event, vector.get()), null));
                } else {
                    pending.computeIfAbsent(event.contentHash(), h -> new ArrayList<>())
                            .add(i);
                }
            } catch (RejectedImageException | ImageDecodeException e) {
                outcomes.set(i, reject(raw, e.getMessage()));
            }
        }
        if (pending.isEmpty()) {
            return CompletableFuture.completedFuture(outcomes);
        }
        List<byte[]> unseen = new ArrayList<>();
        for (List<Integer> indexes : pending.values()) {
            unseen.add(events.get(indexes.get(0)).image());
        }
        return runOrIsolate(unseen)
                .thenApplyAsync(
                        extractions -> {
                            int k = 0;
                            for (Map.Entry<String, List<Integer>> entry : pending.entrySet()) {
                                Extraction extraction = extractions.get(k++);
                                if (extraction.vector() != null) {
                                    cache.put(entry.getKey(), extraction.vector());
                                    images.put(
                                            entry.getKey(),
                                            events.get(entry.getValue().get(0)).image());
                                }
                                for (int i : entry.getValue()) {
                                    if (extraction.vector() == null) {
                                        outcomes.set(i, reject(raws.get(i), extraction.failure()));
                                    } else {
                                        extracted.increment();
                                        outcomes.set(
                                                i,
                                                new Outcome(
                                                        raws.get(i),
                                                        bottleneck(events.get(i), extraction.vector()),
                                                        null));
                                    }
                                }
                            }
                            return outcomes;
                        },
                        results);
    }

    /** The bottleneck of one image, or why TensorFlow could not compute it. */
    private record Extraction(Features vector, String failure) {}

    /**
     * Runs the whole batch at once; when an image in it cannot be decoded, runs each image alone so that only the
     * bad ones are lost ({@link BatchIsolation}).
     */
    private CompletableFuture<List<Extraction>> runOrIsolate(List<byte[]> images) {
        Timer.Sample batch = Timer.start();
        return BatchIsolation.runOrIsolate(images, model::extractAsync).thenApply(results -> {
            if (results.batchFailure() == null) {
                batch.stop(cnnTimer);
            } else {
                Log.debugf(
                        "A batch of %d failed (%s); running its images one by one",
                        images.size(), results.batchFailure().getMessage());
            }
            List<Extraction> extractions = new ArrayList<>(images.size());
            for (BatchIsolation.Each<Features> each : results.each()) {
                if (!each.failed()) {
                    extractions.add(new Extraction(each.value(), null));
                } else if (each.failure() instanceof ImageDecodeException decode) {
                    extractions.add(new Extraction(null, decode.getMessage()));
                } else {
                    throw new CompletionException(each.failure());
                }
            }
            return extractions;
        });
    }

    private Outcome reject(RawImage raw, String reason) {
        rejected.increment();
        Log.warnf("Rejected image %s: %s", raw.key(), reason);
        return new Outcome(raw, null, reason);
    }

    private BottleneckComputed bottleneck(ImageEvent event, Features features) {
        return new BottleneckComputed(
                event.imageId(),
                event.label(),
                event.fileName(),
                model.architectureId(),
                event.contentHash(),
                event.timestamp(),
                System.currentTimeMillis(),
                features.bottleneck(),
                features.pooled(),
                features.mirror());
    }

    /** Checks a record and normalises its label; the exception's message is the reason it cannot be used. */
    static ImageEvent parse(RawImage raw, BottleneckModel model) {
        String fileName = raw.fileName();
        if ((fileName == null || fileName.isBlank()) && raw.key() != null) {
            fileName = raw.key().substring(raw.key().lastIndexOf('/') + 1);
        }
        String imageId = raw.key() != null && !raw.key().isBlank() ? raw.key() : fileName;
        if (imageId == null || imageId.isBlank()) {
            throw new RejectedImageException("no record key (image id) and no 'filename' header");
        }
        if (raw.label() == null || raw.label().isBlank()) {
            throw new RejectedImageException("no 'label' header: every image event needs its class name");
        }
        String label = Labels.normalize(raw.label()).trim();
        if (label.isEmpty()) {
            throw new RejectedImageException("label '" + raw.label() + "' has no letters or digits");
        }
        if (raw.value() == null || raw.value().length == 0) {
            throw new RejectedImageException("the record has no value: the image file's bytes belong there");
        }
        // The header against the pixel budget, before anything is decoded
        model.limits().check(raw.value(), model.architecture().inputSize());
        return new ImageEvent(imageId, label, fileName, raw.value(), sha256(raw.value()), raw.timestamp());
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @PreDestroy
    void close() {
        results.shutdown();
    }
}
