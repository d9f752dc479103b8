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
 * training set does not grow with the number of images. The test set is always whole.
 * Sets within the limits are taken whole, so small sets train exactly as before.
 *
 * @param maxTraining   most training images of a cold run
 * @param maxValidation most validation images of any run
 * @param warmReplay    most older training images a warm run replays besides the new ones
 */
public record RunSample(int maxTraining, int maxValidation, int warmReplay) {

    public RunSample {
        if (maxTraining < 1 || maxValidation < 1 || warmReplay < 0) {
            throw new IllegalArgumentException("A run needs 1+ training and validation images and 0+ replayed ones");
        }
    }

    /**
     * What {@link #select} chose.
     *
     * @param indices           positions of the chosen images in the list given, ascending
     * @param trainingLeftOut   training images not chosen
     * @param validationLeftOut validation images not chosen
     */
    public record Selection(int[] indices, int trainingLeftOut, int validationLeftOut) {

        public boolean whole() {
            return trainingLeftOut == 0 && validationLeftOut == 0;
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
     * @param warm     whether the run continues from a model
     * @param newAfter for a warm run, the epoch ms after which a training image is new (the start model's newest)
     */
    public Selection select(
            int count, IntFunction<DataSet> sets, IntToLongFunction times, boolean warm, long newAfter) {
        List<Integer> training = new ArrayList<>();
        List<Integer> fresh = new ArrayList<>();
        List<Integer> validation = new ArrayList<>();
        List<Integer> chosen = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            switch (sets.apply(i)) {
                case TRAINING -> (warm && times.applyAsLong(i) > newAfter ? fresh : training).add(i);
                case VALIDATION -> validation.add(i);
                case TESTING -> chosen.add(i);
            }
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
                validation.size() - validated.size());
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
