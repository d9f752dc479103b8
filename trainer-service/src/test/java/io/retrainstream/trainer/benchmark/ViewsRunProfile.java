package io.retrainstream.trainer.benchmark;

import io.retrainstream.common.DataSet;
import io.retrainstream.common.SplitRule;
import io.retrainstream.common.event.BottleneckComputed;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.model.View;
import io.retrainstream.trainer.data.MirroredFlowers;
import io.retrainstream.trainer.data.TrainedHead;
import io.retrainstream.trainer.data.TrainingData;
import io.retrainstream.trainer.data.TrainingParams;
import io.retrainstream.trainer.model.HeadTrainer;
import io.retrainstream.trainer.model.TrainingDevices;
import io.retrainstream.trainer.service.BottleneckStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Not a test (Surefire skips it by name): a default cold run's training on flowers-small (mobilenet_0.50_224_quantized,
 * the real extractor graph with the mirror on) with views [original] and [original, mirror], on the store's 8-bit
 * vectors as a run reads them, {@code -Dprofile.repeats} times each, alternating (median seconds, and the test
 * accuracy on flowers-small's default split).
 * {@code ./mvnw -B -o -pl trainer-service -am verify -Dtest=ViewsRunProfile -Dsurefire.failIfNoSpecifiedTests=false}
 */
class ViewsRunProfile {

    @Test
    void profile() throws Exception {
        TrainingDevices.probe();
        int repeats = Integer.parseInt(System.getProperty("profile.repeats", "3"));
        Path folder = Files.createTempDirectory("views-run-profile-");
        BottleneckStore store =
                new BottleneckStore(SplitRule.DEFAULT, EnumSet.of(FeatureLayer.POOLED, FeatureLayer.MIRROR), folder);
        for (BottleneckComputed event : MirroredFlowers.events()) {
            store.add(event);
        }
        BottleneckStore.Snapshot snapshot = store.snapshot();
        DataSet[] sets = snapshot.sets(SplitRule.DEFAULT);
        int[] all = IntStream.range(0, snapshot.size()).toArray();
        List<List<View>> choices = List.of(View.ORIGINAL_ONLY, List.of(View.ORIGINAL, View.MIRROR));
        TrainingParams params = TrainingParams.retrainPy(7).withOverrides(Map.of("mode", "improved"));
        double[][] seconds = new double[choices.size()][repeats];
        TrainedHead[] heads = new TrainedHead[choices.size()];
        TrainingData[] data = new TrainingData[choices.size()];
        for (int r = 0; r < repeats; r++) {
            for (int v = 0; v < choices.size(); v++) {
                long start = System.nanoTime();
                data[v] = snapshot.trainingData(snapshot.labels(), all, sets, FeatureLayer.POOLED, choices.get(v));
                heads[v] = new HeadTrainer(params, line -> {}).train(data[v]);
                seconds[v][r] = (System.nanoTime() - start) / 1e9;
            }
        }
        for (int v = 0; v < choices.size(); v++) {
            double[] sorted = seconds[v].clone();
            Arrays.sort(sorted);
            System.out.printf(
                    "views %s: %d training rows (%d of mirrors), cold run (data + train + test) median %.1f s of %s, "
                            + "test accuracy %.1f%% (N=%d), %s%n",
                    View.ids(choices.get(v)),
                    data[v].training().count(),
                    data[v].training().mirrorRows(),
                    sorted[repeats / 2],
                    Arrays.toString(Arrays.stream(seconds[v])
                            .map(s -> Math.round(s * 10) / 10.0)
                            .toArray()),
                    heads[v].testAccuracy() * 100,
                    heads[v].testCount(),
                    heads[v].chosen());
        }
    }
}
