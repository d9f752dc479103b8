package io.retrainstream.trainer.benchmark;

import io.retrainstream.common.DataSet;
import io.retrainstream.common.SplitRule;
import io.retrainstream.common.event.BottleneckComputed;
import io.retrainstream.common.event.SyntheticBottlenecks;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.trainer.data.RunSample;
import io.retrainstream.trainer.data.TrainedHead;
import io.retrainstream.trainer.data.TrainingData;
import io.retrainstream.trainer.data.TrainingParams;
import io.retrainstream.trainer.model.HeadTrainer;
import io.retrainstream.trainer.model.TrainingDevices;
import io.retrainstream.trainer.service.BottleneckStore;
import io.retrainstream.trainer.service.PromotionGate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Not a test (Surefire skips it by name): where a warm run's seconds go at scale, stage by stage, without Kafka. Fills
 * a store with {@code -Dprofile.sizes} synthetic images (pooled layer only, 512 wide), then times for a warm run on
 * 100 new images: the sample, building the training tensors from the rows, the training and the test evaluation.
 * {@code ./mvnw -B -o -pl trainer-service -am verify -Dtest=WarmRunProfile -Dsurefire.failIfNoSpecifiedTests=false}
 */
class WarmRunProfile {

    @Test
    void profile() throws Exception {
        TrainingDevices.probe();
        SyntheticBottlenecks events = new SyntheticBottlenecks(5, 1001, 512, 1.5, 7, SyntheticBottlenecks.ARCHITECTURE);
        SplitRule rule = new SplitRule(10, 10);
        Path folder = Files.createTempDirectory("warm-run-profile-");
        BottleneckStore store = new BottleneckStore(rule, Set.of(FeatureLayer.POOLED), folder);
        TrainingParams params = TrainingParams.retrainPy(1).withOverrides(Map.of("mode", "improved"));
        RunSample sample = new RunSample(10_000, 5_000, 2_000, 20_000);
        long added = 0;
        for (String size :
                System.getProperty("profile.sizes", "10000,100000,300000").split(",")) {
            long n = Long.parseLong(size);
            long decodeNanos = 0;
            long addNanos = 0;
            long from = added;
            for (; added < n; added++) {
                byte[] bytes = events.event(added, 1_000 + added).encode();
                long t0 = System.nanoTime();
                BottleneckComputed event = BottleneckComputed.decode(bytes);
                long t1 = System.nanoTime();
                store.add(event);
                decodeNanos += t1 - t0;
                addNanos += System.nanoTime() - t1;
            }
            System.out.printf(
                    "%,d images stored: decode %.1f us, add %.1f us per event%n",
                    n, decodeNanos / 1e3 / (n - from), addNanos / 1e3 / (n - from));
            // the serving head: a cold run on the sample
            BottleneckStore.Snapshot before = store.snapshot();
            DataSet[] beforeSets = before.sets(rule);
            RunSample.Selection cold =
                    sample.select(before.size(), i -> beforeSets[i], before::imageTime, before::imageId, false, 0);
            TrainingData coldData =
                    before.trainingData(events.labels(), cold.indices(), beforeSets, FeatureLayer.POOLED);
            TrainedHead serving = new HeadTrainer(params, line -> {}).train(coldData);
            long through = 1_000 + added - 1;
            for (long i = added; i < added + 100; i++) {
                store.add(events.event(i, 1_000 + i));
            }
            added += 100;
            for (int repeat = 0; repeat < 2; repeat++) {
                long start = System.nanoTime();
                BottleneckStore.Snapshot snapshot = store.snapshot();
                long t0 = System.nanoTime();
                DataSet[] sets = snapshot.sets(rule);
                RunSample.Selection warm = sample.select(
                        snapshot.size(), i -> sets[i], snapshot::imageTime, snapshot::imageId, true, through);
                long t1 = System.nanoTime();
                TrainingData data = snapshot.trainingData(events.labels(), warm.indices(), sets, FeatureLayer.POOLED);
                long t2 = System.nanoTime();
                long[] last = {t2};
                StringBuilder lines = new StringBuilder();
                TrainedHead head = new HeadTrainer(
                                params.withOverrides(Map.of("how_many_training_steps", 400)), line -> {
                                    long now = System.nanoTime();
                                    if (line.startsWith("L2")
                                            || line.startsWith("Final")
                                            || line.startsWith("Chosen")) {
                                        lines.append(String.format("      +%.2f s %s%n", (now - last[0]) / 1e9, line));
                                        last[0] = now;
                                    }
                                })
                        .train(data, serving.warmStart(events.labels()));
                long t3 = System.nanoTime();
                snapshot.fingerprint();
                long t4 = System.nanoTime();
                int[] test = warm.testing();
                new PromotionGate(0.01)
                        .decide(
                                new PromotionGate.Head(
                                        SyntheticBottlenecks.ARCHITECTURE,
                                        FeatureLayer.POOLED,
                                        events.labels(),
                                        head.weights(),
                                        head.biases()),
                                Optional.empty(),
                                snapshot.images(test),
                                rule);
                long t5 = System.nanoTime();
                System.out.printf(
                        "    fingerprint %.2f s, gate on one head %.2f s%n", (t4 - t3) / 1e9, (t5 - t4) / 1e9);
                System.out.printf(
                        "  %,d: warm run (%d train, %d val, %d test): snapshot %.2f s, sample %.2f s, tensors %.2f s,"
                                + " train+test %.2f s, total %.2f s, accuracy %.3f%n%s",
                        snapshot.size(),
                        data.training().count(),
                        data.validation().count(),
                        data.testing().count(),
                        (t0 - start) / 1e9,
                        (t1 - t0) / 1e9,
                        (t2 - t1) / 1e9,
                        (t3 - t2) / 1e9,
                        (t3 - start) / 1e9,
                        head.testAccuracy(),
                        lines);
            }
        }
    }
}
