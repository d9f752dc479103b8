package io.retrainstream.common.quarkus;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FatalFailuresTest {

    @Test
    void aHealthyHeapIsNotFatalAndTheFirstFailureIsKept() {
        FatalFailures failures = new FatalFailures();
        failures.watchHeap(null);
        byte[][] garbage = new byte[64][];
        for (int i = 0; i < 2_000; i++) {
            garbage[i % garbage.length] = new byte[64 * 1024];
        }
        System.gc();
        assertThat(failures.fatal())
                .as("young pools full after a collection are normal")
                .isEmpty();

        failures.fatal("Reading bottlenecks", new OutOfMemoryError("Java heap space"));
        failures.fatal("Something later", new IllegalStateException("second"));
        assertThat(failures.fatal()).hasValue("Reading bottlenecks failed: OutOfMemoryError: Java heap space");
    }
}
