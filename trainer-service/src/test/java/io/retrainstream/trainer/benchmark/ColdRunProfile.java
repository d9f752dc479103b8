package io.retrainstream.trainer.benchmark;

import io.retrainstream.common.DataSet;
import io.retrainstream.common.SplitRule;
import io.retrainstream.common.event.SyntheticBottlenecks;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.trainer.data.RunSample;
import io.retrainstream.trainer.data.TrainedHead;
import io.retrainstream.trainer.data.TrainingData;
import io.retrainstream.trainer.data.TrainingParams;
import io.retrainstream.trainer.model.HeadTrainer;
import io.retrainstream.trainer.model.MiniBatches;
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
 * Not a test (Surefire skips it by name): a default cold run's training at scale without Kafka, full-batch against
 * mini-batch, and the promotion gate on the capped test sample. Fills a store with {@code -Dprofile.sizes} synthetic
 * images (pooled layer only, 512 wide, noise {@code -Dprofile.noise}), then for each size samples the sets as a cold run
 * does (trainer.large-sets defaults) and trains the improved mode both ways on the same vectors.
 * {@code ./mvnw -B -o -pl trainer-service -am verify -Dtest=ColdRunProfile -Dsurefire.failIfNoSpecifiedTests=false}
 */
class ColdRunProfile {

    @Test
    void profile() throws Exception {
        TrainingDevices.probe();
        double noise = Double.parseDouble(System.getProperty("profile.noise", "8"));
        SyntheticBottlenecks events =
                new SyntheticBottlenecks(5, 1001, 512, noise, 7, SyntheticBottlenecks.ARCHITECTURE);
        SplitRule rule = new SplitRule(10, 10);
        Path folder = Files.createTempDirectory("cold-run-profile-");
        BottleneckStore store = new BottleneckStore(rule, Set.of(FeatureLayer.POOLED), folder);
        TrainingParams params = TrainingParams.retrainPy(1).withOverrides(Map.of("mode", "improved"));
        RunSample sample = new RunSample(10_000, 5_000, 2_000, 20_000);
        boolean fullBatch = Boolean.parseBoolean(System.getProperty("profile.full-batch", "true"));
        long added = 0;
        for (String size :
                System.getProperty("profile.sizes", "20000,100000,300000").split(",")) {
            long n = Long.parseLong(size);
            for (; added < n; added++) {
                store.add(events.event(added, 1_000 + added));
            }
            BottleneckStore.Snapshot snapshot = store.snapshot();
            DataSet[] sets = snapshot.sets(rule);
            RunSample.Selection cold =
                    sample.select(snapshot.size(), i -> sets[i], snapshot::imageTime, snapshot::imageId, false, 0);
            TrainingData data = snapshot.trainingData(events.labels(), cold.indices(), sets, FeatureLayer.POOLED);
            long t0 = System.nanoTime();
            TrainedHead mini = null;
            for (String variant :
                    System.getProperty("profile.mini", "5000:0.002:100").split(",")) {
                String[] v = variant.split(":");
                long s0 = System.nanoTime();
                mini = new HeadTrainer(
                                params.withOverrides(Map.of(
                                        "learning_rate", Double.parseDouble(v[1]),
                                        "train_batch_size", Integer.parseInt(v[2]))),
                                line -> {})
                        .withMiniBatches(new MiniBatches(5_000, 20, Integer.parseInt(v[0]), 1))
                        .train(data);
                System.out.printf(
                        "  mini-batch %s: %.1f s %.2f%%%n",
                        variant, (System.nanoTime() - s0) / 1e9, mini.testAccuracy() * 100);
            }
            long t1 = System.nanoTime();
            TrainedHead full = fullBatch ? new HeadTrainer(params, line -> {}).train(data) : null;
            long t2 = System.nanoTime();
            PromotionGate.Head head = new PromotionGate.Head(
                    SyntheticBottlenecks.ARCHITECTURE,
                    FeatureLayer.POOLED,
                    events.labels(),
                    mini.weights(),
                    mini.biases());
            new PromotionGate(0.01).decide(head, Optional.empty(), snapshot.images(cold.testing()), rule);
            long t3 = System.nanoTime();
            System.out.printf(
                    "%,d images (%d train, %d val, %d of %d test): mini-batch %.1f s %.2f%%, full-batch %s, "
                            + "gate on one head %.2f s%n",
                    n,
                    data.training().count(),
                    data.validation().count(),
                    data.testing().count(),
                    data.testing().count() + cold.testingLeftOut(),
                    (t1 - t0) / 1e9,
                    mini.testAccuracy() * 100,
                    full == null
                            ? "skipped"
                            : String.format("%.1f s %.2f%%", (t2 - t1) / 1e9, full.testAccuracy() * 100),
                    (t3 - t2) / 1e9);
        }
    }
}
