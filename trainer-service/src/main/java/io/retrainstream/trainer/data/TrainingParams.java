package io.retrainstream.trainer.data;

import io.retrainstream.common.RequestLimits;
import io.retrainstream.common.SplitRule;
import io.retrainstream.common.tf.Distortions;
import io.retrainstream.trainer.config.TrainerConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The parameters of one training run, as {@code retrain.py} names them. Built from the trainer's configuration,
 * then overridden per run by name ({@link #withOverrides(Map)}), every value checked against its bounds (the
 * constants below; the README lists them), so that a request cannot ask for more work or memory than they allow.
 *
 * @param howManyTrainingSteps         steps of training
 * @param learningRate                 optimiser step size
 * @param testingPercentage            share of images in the test set
 * @param validationPercentage         share of images in the validation set
 * @param evalStepInterval             steps between evaluations
 * @param trainBatchSize               images per step (retrain mode)
 * @param testBatchSize                test images evaluated, -1 for the whole set
 * @param validationBatchSize          validation images per evaluation, -1 for the whole set
 * @param printMisclassifiedTestImages log each misclassified test image
 * @param finalTensorName              name of the softmax in exported graphs
 * @param outputLabels                 file to write the labels to, one per line; empty for none
 * @param outputGraph                  file to write the frozen graph to; empty for none
 * @param savedModelDir                folder to write the SavedModel to (must not exist); empty for none
 * @param summariesDir                 folder for TensorBoard event files; empty for none
 * @param intermediateStoreFrequency   steps between intermediate frozen graphs; 0 for none
 * @param intermediateOutputGraphsDir  folder of the intermediate frozen graphs
 * @param mode                         {@code retrain} or {@code improved}
 * @param seed                         seed for weight initialisation and batch sampling
 * @param distortions                  {@code flip_left_right}, {@code random_crop}, {@code random_scale},
 *                                     {@code random_brightness} of training images (retrain mode only)
 */
public record TrainingParams(
        int howManyTrainingSteps,
        double learningRate,
        double testingPercentage,
        double validationPercentage,
        int evalStepInterval,
        int trainBatchSize,
        int testBatchSize,
        int validationBatchSize,
        boolean printMisclassifiedTestImages,
        String finalTensorName,
        String outputLabels,
        String outputGraph,
        String savedModelDir,
        String summariesDir,
        int intermediateStoreFrequency,
        String intermediateOutputGraphsDir,
        TrainingMode mode,
        long seed,
        Distortions distortions) {

    private static final Pattern OP_NAME = Pattern.compile("[A-Za-z0-9.][A-Za-z0-9_.\\-/]*");
    /** Most training steps of one run ({@code how_many_training_steps}, {@code eval_step_interval}). */
    public static final int MAX_TRAINING_STEPS = 1_000_000;
    /** Largest {@code learning_rate}. */
    public static final double MAX_LEARNING_RATE = 10;
    /** Largest {@code train_batch_size}, {@code validation_batch_size} and {@code test_batch_size}. */
    public static final int MAX_BATCH_SIZE = RequestLimits.MAX_DISTORTED_IMAGES;
    /** Most intermediate frozen graphs one training may store ({@code intermediate_store_frequency}). */
    public static final int MAX_INTERMEDIATE_GRAPHS = 100;
    /** Largest {@code testing_percentage} and {@code validation_percentage}. */
    private static final int MAX_PERCENTAGE = 100;

    private static final int MAX_TENSOR_NAME_LENGTH = 200;

    public TrainingParams {
        within(howManyTrainingSteps, 1, MAX_TRAINING_STEPS, "how_many_training_steps");
        if (!(learningRate > 0 && learningRate <= MAX_LEARNING_RATE)) {
            throw new IllegalArgumentException(
                    "learning_rate must be above 0 and at most " + MAX_LEARNING_RATE + ", got " + learningRate);
        }
        within(evalStepInterval, 1, MAX_TRAINING_STEPS, "eval_step_interval");
        within(trainBatchSize, 1, MAX_BATCH_SIZE, "train_batch_size");
        wholeOrWithin(testBatchSize, "test_batch_size");
        wholeOrWithin(validationBatchSize, "validation_batch_size");
        percentage(testingPercentage, "testing_percentage");
        percentage(validationPercentage, "validation_percentage");
        new SplitRule(validationPercentage, testingPercentage);
        if (finalTensorName == null
                || finalTensorName.length() > MAX_TENSOR_NAME_LENGTH
                || !OP_NAME.matcher(finalTensorName).matches()) {
            throw new IllegalArgumentException(
                    "final_tensor_name must be a TensorFlow op name, got '" + finalTensorName + "'");
        }
        outputLabels = outputLabels == null ? "" : outputLabels;
        outputGraph = outputGraph == null ? "" : outputGraph;
        savedModelDir = savedModelDir == null ? "" : savedModelDir;
        summariesDir = summariesDir == null ? "" : summariesDir;
        intermediateOutputGraphsDir = intermediateOutputGraphsDir == null ? "" : intermediateOutputGraphsDir;
        if (intermediateStoreFrequency < 0 || intermediateStoreFrequency > MAX_TRAINING_STEPS) {
            throw new IllegalArgumentException("intermediate_store_frequency must be 0 (none) or from 1 to "
                    + MAX_TRAINING_STEPS + ", got " + intermediateStoreFrequency);
        }
        if (intermediateStoreFrequency > 0
                && howManyTrainingSteps / intermediateStoreFrequency > MAX_INTERMEDIATE_GRAPHS) {
            throw new IllegalArgumentException("intermediate_store_frequency " + intermediateStoreFrequency
                    + " would store " + howManyTrainingSteps / intermediateStoreFrequency + " intermediate graphs in "
                    + howManyTrainingSteps + " steps; at most " + MAX_INTERMEDIATE_GRAPHS + ": use at least "
                    + (howManyTrainingSteps / (MAX_INTERMEDIATE_GRAPHS + 1) + 1));
        }
        if (intermediateStoreFrequency > 0 && intermediateOutputGraphsDir.isBlank()) {
            throw new IllegalArgumentException("intermediate_store_frequency " + intermediateStoreFrequency
                    + " needs intermediate_output_graphs_dir");
        }
        if (mode == null) {
            throw new IllegalArgumentException("mode is required");
        }
        distortions = distortions == null ? Distortions.NONE : distortions;
        within(distortions.randomCrop(), 0, RequestLimits.MAX_DISTORTION_PERCENT, "random_crop");
        within(distortions.randomScale(), 0, RequestLimits.MAX_DISTORTION_PERCENT, "random_scale");
        if (distortions.any() && mode != TrainingMode.RETRAIN) {
            throw new IllegalArgumentException("flip_left_right, random_crop, random_scale and random_brightness "
                    + "need mode 'retrain' (retrain.py's head fed distorted bottlenecks each step); mode '" + mode.id()
                    + "' trains full-batch on fixed features. Add \"mode\": \"retrain\" or leave the distortions off");
        }
    }

    private static void within(long value, long min, long max, String name) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be from " + min + " to " + max + ", got " + value);
        }
    }

    private static void wholeOrWithin(int value, String name) {
        if (value != -1 && (value < 1 || value > MAX_BATCH_SIZE)) {
            throw new IllegalArgumentException(
                    name + " must be -1 (the whole set) or from 1 to " + MAX_BATCH_SIZE + ", got " + value);
        }
    }

    private static void percentage(double value, String name) {
        if (!(value >= 0 && value <= MAX_PERCENTAGE)) {
            throw new IllegalArgumentException(name + " must be from 0 to " + MAX_PERCENTAGE + ", got " + value);
        }
    }

    /** {@code retrain.py}'s defaults with the plain {@link TrainingMode#RETRAIN} mode. */
    public static TrainingParams retrainPy(long seed) {
        return new TrainingParams(
                4000,
                0.01,
                10,
                10,
                10,
                100,
                -1,
                100,
                false,
                "final_result",
                "",
                "",
                "",
                "",
                0,
                "",
                TrainingMode.RETRAIN,
                seed,
                Distortions.NONE);
    }

    public static TrainingParams from(TrainerConfig config, long seed) {
        return new TrainingParams(
                config.howManyTrainingSteps(),
                config.learningRate(),
                config.testingPercentage(),
                config.validationPercentage(),
                config.evalStepInterval(),
                config.trainBatchSize(),
                config.testBatchSize(),
                config.validationBatchSize(),
                config.printMisclassifiedTestImages(),
                config.finalTensorName(),
                config.outputLabels().orElse(""),
                config.outputGraph().orElse(""),
                config.savedModelDir().orElse(""),
                config.summariesDir().orElse(""),
                config.intermediateStoreFrequency(),
                config.intermediateOutputGraphsDir().orElse(""),
                TrainingMode.of(config.mode()),
                seed,
                new Distortions(
                        config.flipLeftRight(), config.randomCrop(), config.randomScale(), config.randomBrightness()));
    }

    /** Whether the run writes any file that needs the CNN's graph. */
    public boolean exportsGraphs() {
        return !outputGraph.isBlank() || !savedModelDir.isBlank() || intermediateStoreFrequency > 0;
    }

    /** The split rule of these percentages. */
    public SplitRule splitRule() {
        return new SplitRule(validationPercentage, testingPercentage);
    }

    /** The parameters by {@code retrain.py} name, as the run report shows them. */
    public Map<String, Object> asMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("how_many_training_steps", howManyTrainingSteps);
        map.put("learning_rate", learningRate);
        map.put("testing_percentage", testingPercentage);
        map.put("validation_percentage", validationPercentage);
        map.put("eval_step_interval", evalStepInterval);
        map.put("train_batch_size", trainBatchSize);
        map.put("test_batch_size", testBatchSize);
        map.put("validation_batch_size", validationBatchSize);
        map.put("print_misclassified_test_images", printMisclassifiedTestImages);
        map.put("final_tensor_name", finalTensorName);
        map.put("output_labels", outputLabels);
        map.put("output_graph", outputGraph);
        map.put("saved_model_dir", savedModelDir);
        map.put("summaries_dir", summariesDir);
        map.put("intermediate_store_frequency", intermediateStoreFrequency);
        map.put("intermediate_output_graphs_dir", intermediateOutputGraphsDir);
        map.put("flip_left_right", distortions.flipLeftRight());
        map.put("random_crop", distortions.randomCrop());
        map.put("random_scale", distortions.randomScale());
        map.put("random_brightness", distortions.randomBrightness());
        map.put("mode", mode.id());
        map.put("random_seed", seed);
        return map;
    }

    /**
     * These parameters with some replaced by name ({@code retrain.py}'s snake_case names, plus {@code mode} and
     * {@code random_seed}). Values may be JSON numbers, booleans or strings.
     *
     * @throws IllegalArgumentException naming the unknown name or the bad value
     */
    public TrainingParams withOverrides(Map<String, ?> overrides) {
        if (overrides == null || overrides.isEmpty()) {
            return this;
        }
        Map<String, Object> map = asMap();
        for (Map.Entry<String, ?> entry : overrides.entrySet()) {
            if (!map.containsKey(entry.getKey())) {
                throw new IllegalArgumentException(
                        "Unknown training option '" + entry.getKey() + "'; known: " + new TreeSet<>(map.keySet()));
            }
            if (entry.getValue() == null) {
                throw new IllegalArgumentException(entry.getKey() + " must have a value, got null");
            }
            map.put(entry.getKey(), entry.getValue());
        }
        return new TrainingParams(
                integer(map, "how_many_training_steps"),
                number(map, "learning_rate"),
                number(map, "testing_percentage"),
                number(map, "validation_percentage"),
                integer(map, "eval_step_interval"),
                integer(map, "train_batch_size"),
                integer(map, "test_batch_size"),
                integer(map, "validation_batch_size"),
                bool(map, "print_misclassified_test_images"),
                String.valueOf(map.get("final_tensor_name")),
                String.valueOf(map.get("output_labels")),
                String.valueOf(map.get("output_graph")),
                String.valueOf(map.get("saved_model_dir")),
                String.valueOf(map.get("summaries_dir")),
                integer(map, "intermediate_store_frequency"),
                String.valueOf(map.get("intermediate_output_graphs_dir")),
                TrainingMode.of(String.valueOf(map.get("mode"))),
                seed(map.get("random_seed")),
                new Distortions(
                        bool(map, "flip_left_right"),
                        integer(map, "random_crop"),
                        integer(map, "random_scale"),
                        integer(map, "random_brightness")));
    }

    private static long seed(Object value) {
        if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
            return n.longValue();
        }
        try {
            return Long.parseLong(String.valueOf(value).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("random_seed must be a whole number, got '" + value + "'", e);
        }
    }

    private static double number(Map<String, Object> map, String name) {
        Object value = map.get(name);
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        try {
            return Double.parseDouble(String.valueOf(value).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number, got '" + value + "'", e);
        }
    }

    private static int integer(Map<String, Object> map, String name) {
        return (int) whole(map, name, Integer.MAX_VALUE);
    }

    private static double whole(Map<String, Object> map, String name, long max) {
        double value = number(map, name);
        if (value != Math.rint(value)) {
            throw new IllegalArgumentException(name + " must be a whole number, got '" + map.get(name) + "'");
        }
        if (Math.abs(value) > max) {
            throw new IllegalArgumentException(name + " is out of range, got '" + map.get(name) + "'");
        }
        return value;
    }

    private static boolean bool(Map<String, Object> map, String name) {
        Object value = map.get(name);
        if (value instanceof Boolean b) {
            return b;
        }
        String text = String.valueOf(value).trim().toLowerCase(java.util.Locale.ROOT);
        if (text.equals("true") || text.equals("false")) {
            return Boolean.parseBoolean(text);
        }
        throw new IllegalArgumentException(name + " must be true or false, got '" + value + "'");
    }
}
