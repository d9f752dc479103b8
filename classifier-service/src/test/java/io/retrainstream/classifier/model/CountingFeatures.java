package io.retrainstream.classifier.model;

import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.Features;
import io.retrainstream.common.tf.ImageFeatures;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A seam for ownership tests: features of zeros that count their warm-ups and closes, and fail a warm-up or every
 * extraction on request, the way a CNN does when TensorFlow fails. Tests of the real CNN are elsewhere.
 */
public final class CountingFeatures implements ImageFeatures {

    public static final Architecture ARCHITECTURE = Architecture.of("mobilenet_0.25_128");

    public final AtomicInteger warmUps = new AtomicInteger();
    public final AtomicInteger closes = new AtomicInteger();
    private final boolean failWarmUp;
    private final boolean failExtract;

    /** A model of two classes (zero weights) on {@link #ARCHITECTURE}'s bottleneck. */
    public static ModelPublished model(long version) {
        int size = ARCHITECTURE.bottleneckSize();
        return new ModelPublished(
                version,
                ARCHITECTURE.name(),
                null,
                List.of("a", "b"),
                size,
                new float[size * 2],
                new float[2],
                null,
                0);
    }

    public CountingFeatures(boolean failWarmUp, boolean failExtract) {
        this.failWarmUp = failWarmUp;
        this.failExtract = failExtract;
    }

    @Override
    public Architecture architecture() {
        return ARCHITECTURE;
    }

    @Override
    public int maxBatch() {
        return 1;
    }

    @Override
    public List<Features> extract(List<byte[]> images) {
        List<Features> out = new ArrayList<>();
        for (byte[] image : images) {
            out.add(extract(image));
        }
        return out;
    }

    @Override
    public Features extract(byte[] image) {
        if (failExtract) {
            throw new IllegalStateException("extraction failed");
        }
        return new Features(new float[ARCHITECTURE.bottleneckSize()], new float[ARCHITECTURE.pooledSize()]);
    }

    @Override
    public void warmUp() {
        warmUps.incrementAndGet();
        if (failWarmUp) {
            throw new IllegalStateException("warm-up failed");
        }
    }

    @Override
    public void close() {
        closes.incrementAndGet();
    }
}
