package io.retrainstream.trainer.data;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The Inception sample's step rule ({@code retrain.sh}): a run given {@code samples_per_training_photo} trains
 * {@code ceil(samples × training images / train_batch_size)} steps, so that each training photo is sampled about that
 * many times whatever the size of the set; capped at {@link TrainingParams#MAX_TRAINING_STEPS}.
 *
 * @param samplesPerTrainingPhoto how many times each training photo should be sampled
 * @param trainingImages          the run's training images
 * @param trainBatchSize          images per step
 * @param steps                   the steps chosen
 */
public record StepRule(int samplesPerTrainingPhoto, int trainingImages, int trainBatchSize, int steps) {

    /** Option name in a request and in the run report's parameters. */
    public static final String OPTION = "samples_per_training_photo";
    /** Largest {@code samples_per_training_photo}. */
    public static final int MAX_SAMPLES = 100_000;

    /** The steps for {@code samples} per photo of {@code trainingImages} in batches of {@code trainBatchSize}. */
    public static StepRule of(int samples, int trainingImages, int trainBatchSize) {
        long wanted = ((long) samples * trainingImages + trainBatchSize - 1) / trainBatchSize;
        int steps = (int) Math.max(1, Math.min(TrainingParams.MAX_TRAINING_STEPS, wanted));
        return new StepRule(samples, trainingImages, trainBatchSize, steps);
    }

    /** {@code samples_per_training_photo} as a request gives it: a whole number from 1 to {@link #MAX_SAMPLES}. */
    public static int parse(Object value) {
        double number;
        if (value instanceof Number n) {
            number = n.doubleValue();
        } else {
            try {
                number = Double.parseDouble(String.valueOf(value).trim());
            } catch (NumberFormatException e) {
                number = Double.NaN;
            }
        }
        if (!(number >= 1 && number <= MAX_SAMPLES) || number != Math.rint(number)) {
            throw new IllegalArgumentException(
                    OPTION + " must be a whole number from 1 to " + MAX_SAMPLES + ", got '" + value + "'");
        }
        return (int) number;
    }

    /** E.g. {@code 450 steps = ceil(75 samples per training photo × 600 training images / train_batch_size 100)}. */
    public String explain() {
        long wanted = ((long) samplesPerTrainingPhoto * trainingImages + trainBatchSize - 1) / trainBatchSize;
        return String.format(
                Locale.ROOT,
                "%d steps = ceil(%d samples per training photo × %d training images / train_batch_size %d)%s",
                steps,
                samplesPerTrainingPhoto,
                trainingImages,
                trainBatchSize,
                wanted > steps ? ", capped at " + TrainingParams.MAX_TRAINING_STEPS : "");
    }

    /** What the run report adds to its parameters. */
    public Map<String, Object> reportParameters() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put(OPTION, samplesPerTrainingPhoto);
        map.put("steps_chosen", explain());
        return map;
    }
}
