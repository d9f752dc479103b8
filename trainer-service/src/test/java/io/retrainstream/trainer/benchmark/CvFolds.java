package io.retrainstream.trainer.benchmark;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Repeated stratified k-fold over whole photos: for each repeat, every class's photos are shuffled (by the repeat's
 * seed) and dealt round-robin into {@code k} folds, so each fold holds each class in proportion and no photo is in
 * two folds. For fold {@code f}, the photos of fold {@code f} are the test set; of the rest, every
 * {@code validationEvery}-th photo of each class (in the same shuffled order) is the validation set that early
 * stopping and the L2 choice read, and the others train. All views of a photo go wherever the photo goes.
 *
 * @param k               folds per repeat
 * @param repeats         how many shuffles
 * @param validationEvery one photo in this many of the non-test photos of a class validates (8: 10% of all)
 * @param seed            seed of the first repeat's shuffle (repeat r uses {@code seed + r})
 */
record CvFolds(int k, int repeats, int validationEvery, long seed) {

    CvFolds {
        if (k < 2 || repeats < 1 || validationEvery < 2) {
            throw new IllegalArgumentException("cross-validation needs k >= 2, repeats >= 1, validationEvery >= 2; got "
                    + k + ", " + repeats + ", " + validationEvery);
        }
    }

    /** The three sets of one fold, as indices into the photo list. */
    record Fold(int repeat, int fold, List<Integer> training, List<Integer> validation, List<Integer> testing) {}

    /** Every fold of every repeat, for photos whose class is {@code classes.get(i)}. */
    List<Fold> folds(List<String> classes) {
        Map<String, List<Integer>> byClass = new LinkedHashMap<>();
        for (int i = 0; i < classes.size(); i++) {
            byClass.computeIfAbsent(classes.get(i), c -> new ArrayList<>()).add(i);
        }
        List<Fold> folds = new ArrayList<>();
        for (int repeat = 0; repeat < repeats; repeat++) {
            Random random = new Random(seed + repeat);
            List<List<Integer>> shuffled = new ArrayList<>();
            for (List<Integer> members : byClass.values()) {
                List<Integer> order = new ArrayList<>(members);
                Collections.shuffle(order, random);
                shuffled.add(order);
            }
            for (int fold = 0; fold < k; fold++) {
                List<Integer> training = new ArrayList<>();
                List<Integer> validation = new ArrayList<>();
                List<Integer> testing = new ArrayList<>();
                for (List<Integer> order : shuffled) {
                    int rest = 0;
                    for (int position = 0; position < order.size(); position++) {
                        int photo = order.get(position);
                        if (position % k == fold) {
                            testing.add(photo);
                        } else if (rest++ % validationEvery == 0) {
                            validation.add(photo);
                        } else {
                            training.add(photo);
                        }
                    }
                }
                folds.add(new Fold(repeat, fold, training, validation, testing));
            }
        }
        return folds;
    }
}
