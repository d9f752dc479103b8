package io.retrainstream.common.tf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A batch with an undecodable image runs its images one by one; any other failure fails the batch whole. */
class BatchIsolationTest {

    /** Lengths of the items, asynchronously; "bad" cannot be decoded, "boom" fails TensorFlow. */
    private final AtomicInteger runs = new AtomicInteger();

    private CompletableFuture<List<Integer>> run(List<String> items) {
        runs.incrementAndGet();
        return CompletableFuture.supplyAsync(() -> {
            if (items.contains("bad")) {
                throw new ImageDecodeException("bad is not an image", null);
            }
            if (items.contains("boom")) {
                throw new IllegalStateException("TensorFlow failed");
            }
            return items.stream().map(String::length).toList();
        });
    }

    @Test
    void aBatchThatRunsRunsOnce() throws Exception {
        var results = BatchIsolation.runOrIsolate(List.of("a", "bb"), this::run).get();
        assertThat(results.batchFailure()).isNull();
        assertThat(results.each()).extracting(BatchIsolation.Each::value).containsExactly(1, 2);
        assertThat(runs).hasValue(1);
    }

    @Test
    void anUndecodableImageFailsAloneAndOnlyItself() throws Exception {
        var results = BatchIsolation.runOrIsolate(List.of("a", "bad", "ccc", "boom"), this::run)
                .get();
        assertThat(results.batchFailure()).hasMessageContaining("bad is not an image");
        assertThat(results.each().get(0).value()).isEqualTo(1);
        assertThat(results.each().get(1).failure()).isInstanceOf(ImageDecodeException.class);
        assertThat(results.each().get(2).value()).isEqualTo(3);
        assertThat(results.each().get(3).failure()).isInstanceOf(IllegalStateException.class);
        assertThat(runs).hasValue(5);
    }

    @Test
    void anyOtherFailureFailsTheBatchWhole() {
        assertThatThrownBy(() -> BatchIsolation.runOrIsolate(List.of("a", "boom"), this::run)
                        .get())
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(IllegalStateException.class);
        assertThat(runs).hasValue(1);
    }
}
