package io.retrainstream.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;

import io.retrainstream.common.DataSet;
import io.retrainstream.common.SplitRule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class RunSampleTest {

    private static final SplitRule RULE = SplitRule.DEFAULT;

    /** {@code count} images of 3 classes, image {@code i} at time {@code i}, in id order. */
    private static List<LabelledBottleneck> images(int count) {
        List<LabelledBottleneck> images = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String label = "c" + i % 3;
            String file = "img-" + i + ".jpg";
            images.add(new LabelledBottleneck(
                    label + "/" + file, label, file, "h", RULE.assign(file), new float[0], new float[0], i));
        }
        images.sort(java.util.Comparator.comparing(LabelledBottleneck::imageId));
        return images;
    }

    private static Map<DataSet, Long> sets(List<LabelledBottleneck> images, int[] indices) {
        return Arrays.stream(indices)
                .mapToObj(images::get)
                .collect(Collectors.groupingBy(LabelledBottleneck::dataSet, TreeMap::new, Collectors.counting()));
    }

    @Test
    void setsWithinTheLimitsAreTakenWhole() {
        List<LabelledBottleneck> images = images(750);
        RunSample.Selection selection = new RunSample(10_000, 5_000, 2_000, 20_000).select(images, RULE, false, 0);
        assertThat(selection.whole()).isTrue();
        assertThat(selection.indices()).hasSize(750).isSorted();
    }

    @Test
    void aColdRunOnALargeSetTrainsOnAnEvenSampleOfEveryClassAndTestsOnTheWholeTestSet() {
        List<LabelledBottleneck> images = images(30_000);
        long testing =
                images.stream().filter(i -> i.dataSet() == DataSet.TESTING).count();
        long training =
                images.stream().filter(i -> i.dataSet() == DataSet.TRAINING).count();
        RunSample.Selection selection = new RunSample(3_000, 1_000, 500, 20_000).select(images, RULE, false, 0);
        Map<DataSet, Long> sets = sets(images, selection.indices());
        assertThat(sets).containsEntry(DataSet.TRAINING, 3_000L).containsEntry(DataSet.VALIDATION, 1_000L);
        assertThat(sets).containsEntry(DataSet.TESTING, testing);
        assertThat(selection.trainingLeftOut()).isEqualTo(training - 3_000);
        Map<String, Long> classes = Arrays.stream(selection.indices())
                .mapToObj(images::get)
                .filter(i -> i.dataSet() == DataSet.TRAINING)
                .collect(Collectors.groupingBy(LabelledBottleneck::label, Collectors.counting()));
        assertThat(classes.values()).allSatisfy(n -> assertThat(n).isBetween(990L, 1010L));
    }

    @Test
    void aLargeTestSetIsScoredOnAStableSampleThatDoesNotGrowPastTheCap() {
        RunSample sample = new RunSample(3_000, 1_000, 500, 1_000);
        Set<String> before = null;
        for (int count : new int[] {20_000, 40_000, 80_000}) {
            List<LabelledBottleneck> images = images(count);
            long testing =
                    images.stream().filter(i -> i.dataSet() == DataSet.TESTING).count();
            RunSample.Selection selection = sample.select(images, RULE, true, count - 101);
            assertThat(selection.testing()).hasSize(1_000).isSorted();
            assertThat(selection.testingLeftOut()).isEqualTo(testing - 1_000);
            assertThat(selection.whole()).isFalse();
            assertThat(sets(images, selection.indices())).containsEntry(DataSet.TESTING, 1_000L);
            Set<String> tested = Arrays.stream(selection.testing())
                    .mapToObj(i -> images.get(i).imageId())
                    .collect(Collectors.toSet());
            assertThat(Arrays.stream(selection.indices())
                            .mapToObj(images::get)
                            .filter(i -> i.dataSet() == DataSet.TESTING)
                            .map(LabelledBottleneck::imageId))
                    .containsExactlyInAnyOrderElementsOf(tested);
            if (before != null) {
                // an image already there is in the sample only if it was before: only newer ones displace any
                Set<String> earlier = before;
                Set<String> kept = tested.stream()
                        .filter(id -> Integer.parseInt(id.replaceAll("\\D", "").substring(1)) < count / 2)
                        .collect(Collectors.toSet());
                assertThat(kept).isSubsetOf(earlier);
                assertThat(kept).hasSizeGreaterThan(300);
            }
            before = tested;
        }
    }

    @Test
    void theTestSampleIsTheSameWhateverOrderTheImagesArrivedIn() {
        List<LabelledBottleneck> images = images(30_000);
        List<LabelledBottleneck> reversed = new ArrayList<>();
        for (LabelledBottleneck i : images) {
            reversed.add(new LabelledBottleneck(
                    i.imageId(),
                    i.label(),
                    i.fileName(),
                    i.contentHash(),
                    i.dataSet(),
                    new float[0],
                    new float[0],
                    30_000 - i.imageTime()));
        }
        RunSample sample = new RunSample(3_000, 1_000, 500, 1_000);
        assertThat(sample.select(reversed, RULE, false, 0).testing())
                .containsExactly(sample.select(images, RULE, false, 0).testing())
                .containsExactly(sample.select(reversed, RULE, true, 10_000).testing());
    }

    @Test
    void aWarmRunWithinTheReplayTrainsOnTheWholeTrainingSet() {
        List<LabelledBottleneck> images = images(3_000);
        RunSample.Selection selection = new RunSample(10_000, 5_000, 2_500, 20_000).select(images, RULE, true, 2_900);
        assertThat(selection.whole()).isTrue();
        assertThat(selection.indices()).hasSize(3_000);
    }

    @Test
    void aWarmRunsTrainingSetDoesNotGrowWithTheNumberOfImages() {
        RunSample sample = new RunSample(10_000, 5_000, 2_000, 20_000);
        List<Long> trained = new ArrayList<>();
        for (int count : new int[] {5_000, 20_000, 100_000}) {
            List<LabelledBottleneck> images = images(count);
            // the same 100 newest images are new in each
            long newAfter = count - 101;
            RunSample.Selection selection = sample.select(images, RULE, true, newAfter);
            Map<DataSet, Long> sets = sets(images, selection.indices());
            long fresh = images.stream()
                    .filter(i -> i.dataSet() == DataSet.TRAINING && i.imageTime() > newAfter)
                    .count();
            assertThat(sets.get(DataSet.TRAINING)).isEqualTo(fresh + 2_000);
            assertThat(sets.get(DataSet.VALIDATION)).isLessThanOrEqualTo(5_000L);
            trained.add(sets.get(DataSet.TRAINING) - fresh);
        }
        // 4,000 training images at 5,000 and 80,000 at 100,000: always 2,000 of the older ones
        assertThat(trained).containsOnly(2_000L);
    }

    @Test
    void aWarmRunTrainsOnEveryNewImageAndAReplayOfTheOldOnes() {
        List<LabelledBottleneck> images = images(30_000);
        long newAfter = 29_899;
        RunSample.Selection selection = new RunSample(3_000, 1_000, 500, 20_000).select(images, RULE, true, newAfter);
        List<LabelledBottleneck> trained = Arrays.stream(selection.indices())
                .mapToObj(images::get)
                .filter(i -> i.dataSet() == DataSet.TRAINING)
                .toList();
        long fresh = images.stream()
                .filter(i -> i.dataSet() == DataSet.TRAINING && i.imageTime() > newAfter)
                .count();
        assertThat(fresh).isGreaterThan(50);
        assertThat(trained.stream().filter(i -> i.imageTime() > newAfter).count())
                .isEqualTo(fresh);
        assertThat(trained).hasSize((int) fresh + 500);
    }
}
