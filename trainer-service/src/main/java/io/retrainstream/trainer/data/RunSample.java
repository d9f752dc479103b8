package io.retrainstream.trainer.data;

import io.retrainstream.common.SplitRule;
import java.util.ArrayList;
import java.util.List;

/**
 * Which images a run trains and validates on when the sets are large, so that a run's cost stops growing with the
 * number of images: at most {@code maxTraining} training and {@code maxValidation} validation images, each an evenly
 * spread sample of its set in id order (so every class in proportion); a warm run on more than {@code maxTraining}
 * training images trains on those new since the model it starts from plus at most {@code warmReplay} of the older
 * ones. The test set is always whole.
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
        List<Integer> training = new ArrayList<>();
        List<Integer> fresh = new ArrayList<>();
        List<Integer> validation = new ArrayList<>();
        List<Integer> chosen = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            LabelledBottleneck image = images.get(i);
            switch (rule.assign(image.fileName())) {
                case TRAINING -> (warm && image.imageTime() > newAfter ? fresh : training).add(i);
                case VALIDATION -> validation.add(i);
                case TESTING -> chosen.add(i);
            }
        }
        int all = training.size() + fresh.size();
        int trained;
        if (warm && all > maxTraining) {
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
