package io.retrainstream.classifier.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.retrainstream.classifier.model.CountingFeatures;
import io.retrainstream.classifier.model.ModelHolder;
import io.retrainstream.classifier.model.ModelVersions;
import io.retrainstream.classifier.model.ServingModel;
import io.retrainstream.common.event.ModelPublished;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What {@code GET /model} reads never waits for a model being loaded. */
class ModelServiceTest {

    @Test
    void readsDoNotWaitForALoad() throws Exception {
        CountDownLatch loading = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ModelLoader slow = new ModelLoader(null, null) {
            @Override
            public ServingModel load(ModelPublished model) {
                loading.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return new ServingModel(model, new CountingFeatures(false, false));
            }
        };
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ModelHolder holder = new ModelHolder();
        ModelService service = new ModelService(
                holder, new ModelVersions(holder, 0, registry), slow, new ServingFreshness(registry), registry);
        CompletableFuture<Void> offer =
                CompletableFuture.runAsync(() -> service.offer(List.of(CountingFeatures.model(1))));
        try {
            assertThat(loading.await(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<List<Object>> reads =
                    CompletableFuture.supplyAsync(() -> List.of(service.pinned(), service.freshness()));
            assertThat(reads.get(5, TimeUnit.SECONDS)).hasSize(2);
        } finally {
            release.countDown();
        }
        offer.get(10, TimeUnit.SECONDS);
        assertThat(holder.current())
                .hasValueSatisfying(m -> assertThat(m.model().version()).isEqualTo(1));
    }
}
