package io.retrainstream.classifier.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Kept heads: bounded by bytes, least recently used out first, each closed only after its last call. */
class ModelVersionsTest {

    /** (1001 x 2 + 2) floats of a two-class head on mobilenet_0.25_128's bottleneck. */
    private static final long HEAD_BYTES = 8016;

    private final Map<Long, CountingFeatures> features = new HashMap<>();

    private ServingModel model(long version) {
        CountingFeatures cnn = new CountingFeatures(false, false);
        features.put(version, cnn);
        return new ServingModel(CountingFeatures.model(version), cnn);
    }

    private boolean closed(long version) {
        return features.get(version).closes.get() > 0;
    }

    @Test
    void keepsHeadsWithinTheirBytesAndClosesThemAfterTheirLastCall() {
        ModelHolder holder = new ModelHolder();
        ModelVersions versions = new ModelVersions(holder, 2 * HEAD_BYTES, new SimpleMeterRegistry());
        holder.swap(model(1));
        assertThat(model(9).headBytes()).isEqualTo(HEAD_BYTES);

        versions.adopt(model(2));
        versions.adopt(model(3));
        assertThat(versions.kept()).containsExactly(2L, 3L);
        assertThat(versions.keptBytes()).isEqualTo(2 * HEAD_BYTES);
        assertThat(versions.loaded(1)).isTrue();
        assertThat(versions.loaded(4)).isFalse();

        // A call on 2 makes 3 the least recently used; it stays open until the call's future completes.
        CompletableFuture<String> call = new CompletableFuture<>();
        assertThat(versions.withVersionAsync(2, m -> call)).isPresent();
        versions.adopt(model(4));
        assertThat(versions.kept()).containsExactly(2L, 4L);
        assertThat(closed(3)).isTrue();
        versions.adopt(model(5));
        assertThat(versions.kept()).containsExactly(4L, 5L);
        assertThat(closed(2)).as("closed while its call runs").isFalse();
        call.complete("done");
        assertThat(closed(2)).isTrue();

        // The served version is addressable through the holder; an unloaded one is not.
        assertThat(versions.withVersionAsync(1, m -> CompletableFuture.completedFuture(m.version())))
                .hasValueSatisfying(f -> assertThat(f.join()).isEqualTo(1L));
        assertThat(versions.withVersionAsync(3, m -> CompletableFuture.completedFuture(m.version())))
                .isEmpty();

        // A version served again is taken out with its reference; the one it replaces is kept.
        ServingModel four = versions.take(4).orElseThrow();
        holder.current().ifPresent(versions::keep);
        holder.swap(four);
        assertThat(versions.kept()).containsExactly(1L, 5L);
        assertThat(closed(1)).isFalse();
        assertThat(closed(4)).isFalse();

        // Serving another CNN lets go of every head on the old one.
        versions.retainArchitecture("mobilenet_1.0_224");
        assertThat(versions.kept()).isEmpty();
        assertThat(versions.keptBytes()).isZero();
        assertThat(closed(1)).isTrue();
        assertThat(closed(5)).isTrue();
        assertThat(closed(4)).isFalse();
    }

    @Test
    void aHeadOverTheBoundAloneIsKeptUntilTheNext() {
        ModelVersions versions = new ModelVersions(new ModelHolder(), HEAD_BYTES / 2, new SimpleMeterRegistry());
        versions.adopt(model(1));
        assertThat(versions.kept()).containsExactly(1L);
        versions.adopt(model(2));
        assertThat(versions.kept()).containsExactly(2L);
        assertThat(closed(1)).isTrue();
    }
}
