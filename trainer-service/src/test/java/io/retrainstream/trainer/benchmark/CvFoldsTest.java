package io.retrainstream.trainer.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CvFoldsTest {

    /** 750 photos as flowers-small has them: five classes of 150. */
    private static final List<String> CLASSES = classes();

    private static List<String> classes() {
        List<String> classes = new ArrayList<>();
        for (String label : List.of("daisy", "dandelion", "roses", "sunflowers", "tulips")) {
            classes.addAll(Collections.nCopies(150, label));
        }
        return classes;
    }

    @Test
    void everyPhotoIsTestedOncePerRepeatAndNeverInTwoSetsOfAFold() {
        List<CvFolds.Fold> folds = new CvFolds(5, 5, 8, 1).folds(CLASSES);

        assertThat(folds).hasSize(25);
        for (int repeat = 0; repeat < 5; repeat++) {
            List<Integer> tested = new ArrayList<>();
            for (CvFolds.Fold fold : folds.subList(repeat * 5, repeat * 5 + 5)) {
                tested.addAll(fold.testing());
                Set<Integer> all = new HashSet<>(fold.training());
                all.addAll(fold.validation());
                all.addAll(fold.testing());
                assertThat(all).hasSize(CLASSES.size());
                assertThat(fold.training().size()
                                + fold.validation().size()
                                + fold.testing().size())
                        .isEqualTo(CLASSES.size());
            }
            assertThat(tested).doesNotHaveDuplicates().hasSize(CLASSES.size());
        }
    }

    @Test
    void foldsAreStratifiedAndValidationIsAboutATenth() {
        for (CvFolds.Fold fold : new CvFolds(5, 2, 8, 7).folds(CLASSES)) {
            for (String label : Set.copyOf(CLASSES)) {
                assertThat(fold.testing().stream().filter(i -> CLASSES.get(i).equals(label)))
                        .hasSize(30);
                assertThat(fold.validation().stream().filter(i -> CLASSES.get(i).equals(label)))
                        .hasSize(15);
            }
        }
    }

    @Test
    void repeatsShuffleDifferentlyAndTheSameSeedRepeats() {
        List<CvFolds.Fold> first = new CvFolds(5, 2, 8, 1).folds(CLASSES);
        assertThat(first.get(0).testing()).isNotEqualTo(first.get(5).testing());
        assertThat(new CvFolds(5, 2, 8, 1).folds(CLASSES)).isEqualTo(first);
    }
}
