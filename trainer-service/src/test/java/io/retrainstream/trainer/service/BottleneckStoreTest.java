package io.retrainstream.trainer.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.retrainstream.common.DataSet;
import io.retrainstream.common.SplitRule;
import io.retrainstream.common.event.BottleneckComputed;
import io.retrainstream.common.event.MalformedEventException;
import io.retrainstream.common.event.SyntheticBottlenecks;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.model.View;
import io.retrainstream.trainer.data.LabelledBottleneck;
import io.retrainstream.trainer.data.TrainingData;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BottleneckStoreTest {

    private static final SyntheticBottlenecks EVENTS = new SyntheticBottlenecks(3, 1001, 512, 0.5, 11);

    @TempDir
    Path folder;

    private BottleneckStore store(Set<FeatureLayer> kept) {
        return new BottleneckStore(SplitRule.DEFAULT, kept, folder);
    }

    @Test
    void keepsOnlyTheConfiguredLayerWithinAQuantisationStepOfEveryValue() {
        BottleneckStore store = store(EnumSet.of(FeatureLayer.POOLED));
        for (int i = 0; i < 50; i++) {
            assertThat(store.add(EVENTS.event(i, 1000 + i))).isTrue();
        }
        List<LabelledBottleneck> images = store.snapshot().images();
        assertThat(images).hasSize(50);
        for (int i = 0; i < 50; i++) {
            BottleneckComputed sent = EVENTS.event(i, 1000 + i);
            LabelledBottleneck kept = images.stream()
                    .filter(image -> image.imageId().equals(sent.imageId()))
                    .findFirst()
                    .orElseThrow();
            assertThat(kept.vector()).isEmpty();
            assertThat(kept.label()).isEqualTo(sent.label());
            assertThat(kept.fileName()).isEqualTo(sent.fileName());
            assertThat(kept.contentHash()).isEqualTo(sent.contentHash());
            assertThat(kept.imageTime()).isEqualTo(1000 + i);
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (float v : sent.pooled()) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            float step = (max - min) / 255;
            for (int k = 0; k < sent.pooled().length; k++) {
                assertThat(kept.pooled()[k]).isCloseTo(sent.pooled()[k], within(step / 2 + 1e-5f));
            }
        }
        // 8 bits a value and 8 bytes a row, 50 rows of 512: no bottleneck vectors written at all
        assertThat(store.vectorBytes()).isEqualTo(50L * (512 + 8));
    }

    @Test
    void aRedeliveredEventChangesNothingAndASnapshotDoesNotSeeLaterChanges() {
        BottleneckStore store = store(EnumSet.of(FeatureLayer.BOTTLENECK, FeatureLayer.POOLED));
        store.add(EVENTS.event(0, 1));
        BottleneckStore.Snapshot before = store.snapshot();
        assertThat(store.add(EVENTS.event(0, 1))).isFalse();
        BottleneckComputed sent = EVENTS.event(0, 1);
        BottleneckComputed relabelled = new BottleneckComputed(
                sent.imageId(),
                "class-2",
                sent.fileName(),
                sent.architecture(),
                sent.contentHash(),
                2,
                2,
                new float[1001],
                new float[512]);
        assertThat(store.add(relabelled)).isTrue();
        assertThat(before.images().get(0).label()).isEqualTo("class-0");
        assertThat(store.snapshot().images().get(0).label()).isEqualTo("class-2");
        assertThat(store.snapshot().images().get(0).pooled()).containsOnly(0f);
        assertThat(before.images().get(0).pooled()).isNotEqualTo(new float[512]);
    }

    @Test
    void aVectorOfAnotherWidthOrWithANaNIsMalformedAndLosesNothing() {
        BottleneckStore store = store(EnumSet.of(FeatureLayer.POOLED));
        store.add(EVENTS.event(0, 1));
        BottleneckComputed narrow = new BottleneckComputed(
                "class-1/x.jpg",
                "class-1",
                "x.jpg",
                SyntheticBottlenecks.ARCHITECTURE,
                "ab",
                1,
                1,
                new float[3],
                new float[7]);
        assertThatThrownBy(() -> store.add(narrow))
                .isInstanceOf(MalformedEventException.class)
                .hasMessageContaining("7 values where synthetic's have 512");
        float[] nan = new float[512];
        nan[3] = Float.NaN;
        BottleneckComputed broken = new BottleneckComputed(
                "class-1/y.jpg", "class-1", "y.jpg", SyntheticBottlenecks.ARCHITECTURE, "ab", 1, 1, new float[3], nan);
        assertThatThrownBy(() -> store.add(broken)).isInstanceOf(MalformedEventException.class);
        assertThat(store.snapshot().size()).isEqualTo(1);
        assertThat(store.add(EVENTS.event(1, 1))).isTrue();
        assertThat(store.snapshot().size()).isEqualTo(2);
    }

    @Test
    void aFileNameOtherThanTheIdsEndAndAHashThatIsNotHexComeBackAsSent() {
        BottleneckStore store = store(EnumSet.of(FeatureLayer.BOTTLENECK));
        store.add(new BottleneckComputed(
                "upload-17", "roses", "IMG_1.JPG", "a", "not hex!", 5, 5, new float[] {1, 2, 3}, new float[0]));
        LabelledBottleneck image = store.snapshot().images().get(0);
        assertThat(image.fileName()).isEqualTo("IMG_1.JPG");
        assertThat(image.contentHash()).isEqualTo("not hex!");
        assertThat(image.vector()[0]).isEqualTo(1f);
        assertThat(image.vector()[1]).isCloseTo(2f, within(1f / 255));
        assertThat(image.vector()[2]).isCloseTo(3f, within(1e-6f));
    }

    @Test
    void theRunsArraysFromTheRowsAreThoseOfTheDecodedImagesAndTheStoresSetsThoseOfItsRule() {
        BottleneckStore store = store(EnumSet.of(FeatureLayer.POOLED));
        for (int i = 0; i < 300; i++) {
            store.add(EVENTS.event(i, 1000 + i));
        }
        BottleneckStore.Snapshot snapshot = store.snapshot();
        SplitRule other = new SplitRule(25, 30);
        for (SplitRule rule : List.of(SplitRule.DEFAULT, other)) {
            DataSet[] sets = snapshot.sets(rule);
            for (int i = 0; i < sets.length; i++) {
                assertThat(sets[i])
                        .isEqualTo(rule.assign(snapshot.images().get(i).fileName()));
            }
            // every other image, and only two of the three classes
            int[] indices = java.util.stream.IntStream.range(0, snapshot.size())
                    .filter(i -> i % 2 == 0)
                    .toArray();
            List<String> labels = EVENTS.labels().subList(1, 3);
            TrainingData fromRows = snapshot.trainingData(labels, indices, sets, FeatureLayer.POOLED);
            TrainingData decoded = TrainingData.of(labels, snapshot.images(indices), rule, FeatureLayer.POOLED);
            assertThat(fromRows.bottleneckSize()).isEqualTo(512);
            for (var pair : List.of(
                    List.of(fromRows.training(), decoded.training()),
                    List.of(fromRows.validation(), decoded.validation()),
                    List.of(fromRows.testing(), decoded.testing()))) {
                assertThat(pair.get(0).count()).isPositive();
                assertThat(pair.get(0).ids()).isEqualTo(pair.get(1).ids());
                assertThat(pair.get(0).classes()).isEqualTo(pair.get(1).classes());
                assertThat(pair.get(0).vectors()).isEqualTo(pair.get(1).vectors());
            }
        }
    }

    @Test
    void theFingerprintNamesTheSetOfImagesWhateverTheOrderTheyCameIn() {
        BottleneckStore forwards = store(EnumSet.of(FeatureLayer.POOLED));
        for (int i = 0; i < 20; i++) {
            forwards.add(EVENTS.event(i, 1000 + i));
        }
        String twenty = forwards.snapshot().fingerprint();
        BottleneckStore backwards =
                new BottleneckStore(SplitRule.DEFAULT, EnumSet.of(FeatureLayer.POOLED), folder.resolve("backwards"));
        for (int i = 19; i >= 0; i--) {
            backwards.add(EVENTS.event(i, 1000 + i));
        }
        assertThat(backwards.snapshot().fingerprint()).isEqualTo(twenty);

        BottleneckComputed first = EVENTS.event(0, 1000);
        forwards.add(new BottleneckComputed(
                first.imageId(),
                EVENTS.labels().get(2),
                first.fileName(),
                first.architecture(),
                first.contentHash(),
                first.imageTime(),
                first.imageTime(),
                first.vector(),
                first.pooled()));
        assertThat(forwards.snapshot().fingerprint()).isNotEqualTo(twenty);
        forwards.add(first);
        assertThat(forwards.snapshot().fingerprint()).isEqualTo(twenty);
        forwards.add(EVENTS.event(20, 1020));
        assertThat(forwards.snapshot().fingerprint()).isNotEqualTo(twenty);
    }

    @Test
    void theSummaryCountsWhatASnapshotCountsThroughReplacementsAndArchitectures() {
        BottleneckStore store = store(EnumSet.of(FeatureLayer.POOLED));
        assertThat(store.summary()).isEqualTo(new BottleneckStore.Summary(null, 0, java.util.Map.of()));
        for (int i = 0; i < 300; i++) {
            store.add(EVENTS.event(i, i));
        }
        // relabel some images, and one becomes the only image of a new class, which it then leaves again
        for (int i = 0; i < 40; i++) {
            BottleneckComputed sent = EVENTS.event(i, i);
            store.add(new BottleneckComputed(
                    sent.imageId(),
                    i == 0 ? "lonely" : "class-2",
                    sent.fileName(),
                    sent.architecture(),
                    sent.contentHash(),
                    sent.imageTime(),
                    sent.computedAt(),
                    sent.vector(),
                    sent.pooled()));
        }
        store.add(EVENTS.event(0, 0));
        BottleneckStore.Snapshot snapshot = store.snapshot();
        assertThat(store.summary())
                .isEqualTo(new BottleneckStore.Summary(snapshot.architecture(), snapshot.size(), snapshot.counts()));
        assertThat(store.summary().counts()).doesNotContainKey("lonely");

        SyntheticBottlenecks other = new SyntheticBottlenecks(2, 1001, 512, 0.5, 3, "other-architecture");
        store.add(other.event(0, 0));
        assertThat(store.summary().architecture()).isEqualTo("other-architecture");
        assertThat(store.summary().images()).isEqualTo(1);
        assertThat(store.summary())
                .isEqualTo(new BottleneckStore.Summary(
                        "other-architecture", 1, store.snapshot().counts()));
    }

    /** Event {@code i} with a mirror view: its pooled features reversed. */
    private static BottleneckComputed mirrored(int i) {
        BottleneckComputed event = EVENTS.event(i, 1000 + i);
        float[] mirror = new float[event.pooled().length];
        for (int k = 0; k < mirror.length; k++) {
            mirror[k] = event.pooled()[mirror.length - 1 - k];
        }
        return new BottleneckComputed(
                event.imageId(),
                event.label(),
                event.fileName(),
                event.architecture(),
                event.contentHash(),
                event.imageTime(),
                event.computedAt(),
                event.vector(),
                event.pooled(),
                mirror);
    }

    @Test
    void keepsTheMirrorWithTheConfiguredLayersOnlyWhenTheViewsHaveIt() {
        List<View> both = List.of(View.ORIGINAL, View.MIRROR);
        Optional<List<String>> pooled = Optional.of(List.of("pooled"));
        assertThat(BottleneckStore.keptLayers(pooled, View.ORIGINAL_ONLY)).containsExactly(FeatureLayer.POOLED);
        assertThat(BottleneckStore.keptLayers(pooled, both))
                .containsExactlyInAnyOrder(FeatureLayer.POOLED, FeatureLayer.MIRROR);
        assertThat(BottleneckStore.keptLayers(Optional.of(List.of("bottleneck")), both))
                .containsExactly(FeatureLayer.BOTTLENECK);
        assertThat(BottleneckStore.keptLayers(Optional.empty(), View.ORIGINAL_ONLY))
                .containsExactlyInAnyOrder(FeatureLayer.values());
        assertThatThrownBy(() -> BottleneckStore.keptLayers(Optional.of(List.of("mirror")), both))
                .hasMessageContaining("add pooled");
    }

    @Test
    void aStoreThatKeepsTheMirrorGivesItBackAndOneThatDoesNotDropsIt() {
        BottleneckStore cheap = new BottleneckStore(
                SplitRule.DEFAULT,
                BottleneckStore.keptLayers(Optional.of(List.of("pooled")), View.ORIGINAL_ONLY),
                folder.resolve("cheap"));
        BottleneckStore viewed = new BottleneckStore(
                SplitRule.DEFAULT,
                BottleneckStore.keptLayers(Optional.of(List.of("pooled")), List.of(View.ORIGINAL, View.MIRROR)),
                folder.resolve("viewed"));
        int count = 200;
        for (int i = 0; i < count; i++) {
            cheap.add(mirrored(i));
            viewed.add(mirrored(i));
        }
        assertThat(cheap.summary().mirrors()).isZero();
        assertThat(cheap.snapshot().images())
                .allSatisfy(image -> assertThat(image.mirror()).isEmpty());
        assertThat(viewed.summary().mirrors()).isEqualTo(count);
        assertThat(viewed.vectorBytes()).isEqualTo(2 * cheap.vectorBytes());
        BottleneckStore.Snapshot snapshot = viewed.snapshot();
        assertThat(snapshot.mirrors()).isEqualTo(count);
        for (LabelledBottleneck image : snapshot.images()) {
            int i = Integer.parseInt(image.fileName().replace("synthetic-", "").replace(".jpg", ""));
            float[] sent = mirrored(i).mirror();
            assertThat(image.mirror()).hasSameSizeAs(sent);
            for (int k = 0; k < sent.length; k++) {
                // quantised alike: the mirror's values are the photo's, reversed, so their steps are the same
                assertThat(image.mirror()[k]).isCloseTo(image.pooled()[sent.length - 1 - k], within(1e-5f));
            }
        }
        // a redelivered event that now carries its mirror replaces the one without
        BottleneckStore later = store(EnumSet.of(FeatureLayer.POOLED, FeatureLayer.MIRROR));
        BottleneckComputed plain = EVENTS.event(1, 1001);
        assertThat(later.add(plain)).isTrue();
        assertThat(later.summary().mirrors()).isZero();
        assertThat(later.add(mirrored(1))).isTrue();
        assertThat(later.add(mirrored(1))).isFalse();
        assertThat(later.summary().mirrors()).isEqualTo(1);

        int[] all = java.util.stream.IntStream.range(0, count).toArray();
        DataSet[] sets = snapshot.sets(SplitRule.DEFAULT);
        List<String> labels = snapshot.labels();
        TrainingData original = snapshot.trainingData(labels, all, sets, FeatureLayer.POOLED);
        TrainingData both =
                snapshot.trainingData(labels, all, sets, FeatureLayer.POOLED, List.of(View.ORIGINAL, View.MIRROR));
        assertThat(original.training().mirrorRows()).isZero();
        assertThat(both.training().count()).isEqualTo(2 * original.training().count());
        assertThat(both.testing().photos()).isEqualTo(original.testing().count());
        assertThat(both.validation().mirrorRows())
                .isEqualTo(original.validation().count());
        // the data of the cheap store have no mirror rows to give
        BottleneckStore.Snapshot none = cheap.snapshot();
        assertThat(none.trainingData(
                                labels,
                                all,
                                none.sets(SplitRule.DEFAULT),
                                FeatureLayer.POOLED,
                                List.of(View.ORIGINAL, View.MIRROR))
                        .training()
                        .mirrorRows())
                .isZero();
        cheap.close();
        viewed.close();
        later.close();
    }
}
