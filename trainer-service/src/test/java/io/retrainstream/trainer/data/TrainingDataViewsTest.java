package io.retrainstream.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.retrainstream.common.DataSet;
import io.retrainstream.common.SplitRule;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.model.View;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The rows of a run with the mirror view: each photo's mirror right after it, in the photo's own set. */
class TrainingDataViewsTest {

    private static final List<View> BOTH = List.of(View.ORIGINAL, View.MIRROR);

    /**
     * Photo {@code i} of class a in the first half, b in the second (rows in id order: classes in blocks); its pooled
     * vector is {@code {i, 0}}, its mirror's {@code {i, 1}}; a third of the photos, at random, have no mirror.
     */
    private static List<LabelledBottleneck> photos(int count, boolean mirrors) {
        List<LabelledBottleneck> images = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String label = i < count / 2 ? "a" : "b";
            String file = "photo_" + i + ".jpg";
            images.add(new LabelledBottleneck(
                    label + "/" + file,
                    label,
                    file,
                    "hash" + i,
                    SplitRule.DEFAULT.assign(file),
                    new float[] {i, 0, 0},
                    new float[] {i, 0},
                    i,
                    mirrors && hasMirror(i) ? new float[] {i, 1} : null));
        }
        return images;
    }

    private static boolean hasMirror(int photo) {
        return new Random(photo).nextInt(3) != 0;
    }

    @Test
    void eachPhotoWithAMirrorHasItsMirrorRowRightAfterItInItsOwnSet() {
        List<LabelledBottleneck> images = photos(300, true);
        TrainingData data = TrainingData.of(List.of("a", "b"), images, null, FeatureLayer.POOLED, BOTH);
        assertThat(data.views()).isEqualTo(BOTH);
        for (DataSet set : DataSet.values()) {
            TrainingData.Split split = set == DataSet.TRAINING
                    ? data.training()
                    : set == DataSet.VALIDATION ? data.validation() : data.testing();
            List<LabelledBottleneck> inSet =
                    images.stream().filter(image -> image.dataSet() == set).toList();
            long mirrored =
                    inSet.stream().filter(image -> image.mirror().length > 0).count();
            assertThat(split.photos()).isEqualTo(inSet.size());
            assertThat(split.mirrorRows()).isEqualTo(mirrored).isPositive();
            assertThat(split.count()).isEqualTo(inSet.size() + mirrored);
            for (int row : split.originals()) {
                int photo = (int) split.vectors()[row * 2];
                assertThat(split.vectors()[row * 2 + 1]).isZero();
                int mirror = split.mirrorOf(row);
                if (!hasMirror(photo)) {
                    assertThat(mirror).isEqualTo(-1);
                } else {
                    assertThat(mirror).isEqualTo(row + 1);
                    assertThat(split.vectors()[mirror * 2]).isEqualTo(photo);
                    assertThat(split.vectors()[mirror * 2 + 1]).isEqualTo(1);
                    assertThat(split.classes()[mirror]).isEqualTo(split.classes()[row]);
                    assertThat(split.ids().get(mirror)).isEqualTo(split.ids().get(row));
                }
            }
        }
    }

    @Test
    void theCheapPathAndPhotosWithoutMirrorsHaveOneRowEach() {
        List<LabelledBottleneck> withMirrors = photos(100, true);
        TrainingData original = TrainingData.of(List.of("a", "b"), withMirrors, null, FeatureLayer.POOLED);
        assertThat(original.views()).isEqualTo(View.ORIGINAL_ONLY);
        assertThat(original.training().mirrorRows()).isZero();
        assertThat(original.training().count()).isEqualTo(original.training().photos());
        TrainingData old = TrainingData.of(List.of("a", "b"), photos(100, false), null, FeatureLayer.POOLED, BOTH);
        assertThat(old.training().count()).isEqualTo(original.training().count());
        assertThat(old.training().mirrorRows()).isZero();
    }

    @Test
    void theMirrorViewNeedsThePooledLayer() {
        assertThatThrownBy(
                        () -> TrainingData.of(List.of("a", "b"), photos(10, true), null, FeatureLayer.BOTTLENECK, BOTH))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mirror view needs a head on the pooled features");
    }

    @Test
    void aTrainingSampleKeepsEachPhotoWithItsMirror() {
        TrainingData data = TrainingData.of(List.of("a", "b"), photos(3000, true), null, FeatureLayer.POOLED, BOTH);
        int limit = 1000;
        TrainingData sample = data.withTraining(limit);
        TrainingData.Split split = sample.training();
        assertThat(split.count()).isBetween(limit * 9 / 10, limit * 11 / 10);
        assertThat(sample.views()).isEqualTo(BOTH);
        int[] originals = split.originals();
        for (int row : originals) {
            int photo = (int) split.vectors()[row * 2];
            int mirror = split.mirrorOf(row);
            assertThat(mirror >= 0).isEqualTo(hasMirror(photo));
            if (mirror >= 0) {
                assertThat(split.vectors()[mirror * 2]).isEqualTo(photo);
            }
        }
        // every row is a photo's own or the mirror right after it: no mirror without its photo
        for (int row = 0; row < split.count(); row++) {
            if (split.isMirror(row)) {
                assertThat(row).isPositive();
                assertThat(split.isMirror(row - 1)).isFalse();
                assertThat(split.vectors()[(row - 1) * 2]).isEqualTo(split.vectors()[row * 2]);
            }
        }
        // evenly spread: both classes in proportion
        long a = java.util.Arrays.stream(originals)
                .filter(row -> split.classes()[row] == 0)
                .count();
        assertThat((double) a / originals.length).isBetween(0.45, 0.55);
        assertThat(sample.validation()).isSameAs(data.validation());
        assertThat(sample.testing()).isSameAs(data.testing());
    }
}
