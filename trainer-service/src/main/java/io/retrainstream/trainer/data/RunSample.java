package io.retrainstream.trainer.data;

import io.retrainstream.common.DataSet;
import io.retrainstream.common.SplitRule;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.IntToLongFunction;

/**
 * Which images a run trains and validates on when the sets are large, so that a run's cost stops growing with the
 * number of images: at most {@code maxTraining} training and {@code maxValidation} validation images, each an evenly
 * spread sample of its set in id order (so every class in proportion). A warm run trains on the images new since the
 * model it starts from (at most {@code maxTraining}) plus at most {@code warmReplay} of the older ones, so that its
 * training set does not grow with the number of images. A test set above {@code maxTest} is scored on the
 * {@code maxTest} test images of lowest {@link #testRank image-id hash}: a stable sample, the same images for every run
 * of a data set whatever order they arrived in (an image leaves it only when a new one of lower hash arrives), so
 * that the promotion gate compares runs on like images and its cost stops growing with the data.
 * Sets within the limits are taken whole, so small sets train and test exactly as before.
 *
 * @param maxTraining   most training images of a cold run
 * @param maxValidation most validation images of any run
 * @param warmReplay    most older training images a warm run replays besides the new ones
 * @param maxTest       most test images a run and its promotion gate score
 */
public record RunSample(int maxTraining, int maxValidation, int warmReplay, int maxTest) {

    public RunSample {
        if (maxTraining < 1 || maxValidation < 1 || warmReplay < 0 || maxTest < 1) {
            throw new IllegalArgumentException(
                    "A run needs 1+ training, validation and test images and 0+ replayed ones");
        }
    }

    /**
     * What {@link #select} chose.
     *
     * @param indices           positions of the chosen images in the list given, ascending
     * @param trainingLeftOut   training images not chosen
     * @param validationLeftOut validation images not chosen
     * @param testing           positions of the chosen test images, ascending (also in {@code indices})
     * @param testingLeftOut    test images not chosen
     */
    public record Selection(
            int[] indices, int trainingLeftOut, int validationLeftOut, int[] testing, int testingLeftOut) {

        public boolean whole() {
            return trainingLeftOut == 0 && validationLeftOut == 0 && testingLeftOut == 0;
        }
    }

    /**
     * @param images   all images of the run, in id order (their vectors are not read: they may be empty)
     * @param rule     the run's split rule
     * @param warm     whether the run continues from a model
     * @param newAfter for a warm run, the epoch ms after which a training image is new (the start model's newest)
     */
    public Selection select(List<LabelledBottleneck> images, SplitRule rule, boolean warm, long newAfter) {
        return select(
                images.size(),
                i -> rule.assign(images.get(i).fileName()),
                i -> images.get(i).imageTime(),
                i -> images.get(i).imageId(),
                warm,
                newAfter);
    }

    /**
     * {@link #select(List, SplitRule, boolean, long)} over images known by position only: what it costs is one pass
     * over {@code count} positions and the chosen lists, whatever the images hold.
     *
     * @param count    how many images the run has, in id order
     * @param sets     the set of the image at a position
     * @param times    the event time of the image at a position
     * @param ids      the image id at a position (read for the test images only, and only when they are too many)
     * @param warm     whether the run continues from a model
     * @param newAfter for a warm run, the epoch ms after which a training image is new (the start model's newest)
     */
    public Selection select(
            int count,
            IntFunction<DataSet> sets,
            IntToLongFunction times,
            IntFunction<String> ids,
            boolean warm,
            long newAfter) {
        List<Integer> training = new ArrayList<>();
        List<Integer> fresh = new ArrayList<>();
        List<Integer> validation = new ArrayList<>();
        List<Integer> testing = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            switch (sets.apply(i)) {
                case TRAINING -> (warm && times.applyAsLong(i) > newAfter ? fresh : training).add(i);
                case VALIDATION -> validation.add(i);
                case TESTING -> testing.add(i);
            }
        }
        int[] tested = lowestRanks(testing, ids, maxTest);
        List<Integer> chosen = new ArrayList<>(tested.length);
        for (int i : tested) {
            chosen.add(i);
        }
        int all = training.size() + fresh.size();
        int trained;
        if (warm && (training.size() > warmReplay || fresh.size() > maxTraining)) {
            List<Integer> newOnes = spread(fresh, maxTraining);
            List<Integer> replayed = spread(training, Math.min(warmReplay, maxTraining - newOnes.size()));
            chosen.addAll(newOnes);
            chosen.addAll(replayed);
            trained = newOnes.size() + replayed.size();
        } else {
            training.addAll(fresh);
            training.sort(null);
            List<Integer> sample = spread(training, maxTraining);
            chosen.addAll(sample);
            trained = sample.size();
        }
        List<Integer> validated = spread(validation, maxValidation);
        chosen.addAll(validated);
        return new Selection(
                chosen.stream().mapToInt(Integer::intValue).sorted().toArray(),
                all - trained,
                validation.size() - validated.size(),
                tested,
                testing.size() - tested.length);
    }

    /**
     * The positions of the {@code limit} images of lowest {@link #testRank} among {@code positions} (ties by
     * position), ascending; all of them within the limit.
     */
    static int[] lowestRanks(List<Integer> positions, IntFunction<String> ids, int limit) {
        if (positions.size() <= limit) {
            return positions.stream().mapToInt(Integer::intValue).toArray();
        }
        long[] ranks = new long[positions.size()];
        for (int i = 0; i < ranks.length; i++) {
            ranks[i] = testRank(ids.apply(positions.get(i)));
        }
        long[] sorted = ranks.clone();
        java.util.Arrays.sort(sorted);
        long threshold = sorted[limit - 1];
        int below = 0;
        while (below < limit && sorted[below] < threshold) {
            below++;
        }
        // every rank below the threshold, then the ties at it in position order until the limit
        int ties = limit - below;
        int[] chosen = new int[limit];
        int n = 0;
        for (int i = 0; i < ranks.length; i++) {
            if (ranks[i] < threshold || (ranks[i] == threshold && ties-- > 0)) {
                chosen[n++] = positions.get(i);
            }
        }
        return chosen;
    }

    /**
     * A stable 64-bit hash of an image id (FNV-1a over its UTF-16 units, then the SplitMix64 finaliser): the same in
     * every JVM, independent of {@link SplitRule}'s hash (which put the image in the test set).
     */
    public static long testRank(String imageId) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < imageId.length(); i++) {
            h ^= imageId.charAt(i);
            h *= 0x100000001b3L;
        }
        h ^= h >>> 30;
        h *= 0xbf58476d1ce4e5b9L;
        h ^= h >>> 27;
        h *= 0x94d049bb133111ebL;
        return h ^ (h >>> 31);
    }

    /** At most {@code limit} of {@code items}, evenly spread; all of them within the limit. */
    static <T> List<T> spread(List<T> items, int limit) {
        if (items.size() <= limit) {
            return items;
        }
        List<T> sample = new ArrayList<>(limit);
        for (int i = 0; i < limit; i++) {
            sample.add(items.get((int) ((long) i * items.size() / limit)));
        }
        return sample;
    }
}
