package io.retrainstream.trainer.service;

import io.quarkus.runtime.StartupEvent;
import io.retrainstream.common.model.View;
import io.retrainstream.trainer.config.TrainerConfig;
import io.retrainstream.trainer.data.RunSample;
import io.retrainstream.trainer.data.StepRule;
import io.retrainstream.trainer.data.TrainingMode;
import io.retrainstream.trainer.data.TrainingParams;
import io.retrainstream.trainer.model.MiniBatches;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ThreadLocalRandom;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A run's parameters: the configuration with a request's overrides by {@code retrain.py} name, the Inception sample's
 * {@value StepRule#OPTION} (the steps from the training-set size, {@link StepRule}), and three options of the
 * trainer's own, {@value #WARM_START} (continue from the serving head, with {@code trainer.continuous.warm-steps}
 * steps unless the steps are given), {@value #FORCE_PUBLISH} (skip the promotion gate) and {@value #VIEWS} (the views
 * of a photo the head learns from and answers the mean over, {@code retrain.views} unless given). File options among
 * the overrides are paths under {@code trainer.output-root} ({@link OutputRoot#confined}).
 */
@ApplicationScoped
public class RunOptions {

    static final String WARM_START = "warm_start";
    static final String FORCE_PUBLISH = "force_publish";
    static final String STEPS = "how_many_training_steps";
    static final String VIEWS = "views";

    private final TrainerConfig config;
    private final OutputRoot outputRoot;
    /** {@code retrain.views}: the views of a run that does not give {@value #VIEWS}. */
    private final List<View> defaultViews;

    public RunOptions(
            TrainerConfig config,
            OutputRoot outputRoot,
            @ConfigProperty(name = TrainerConfig.VIEWS, defaultValue = TrainerConfig.DEFAULT_VIEWS) String views) {
        this.config = config;
        this.outputRoot = outputRoot;
        try {
            this.defaultViews = View.parse(views);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(TrainerConfig.VIEWS + " (RETRAIN_VIEWS): " + e.getMessage(), e);
        }
    }

    /**
     * @param params       the run's parameters
     * @param warmStart    whether the run continues from the serving head
     * @param forcePublish whether the run skips the promotion gate
     * @param sample       which images the run trains and validates on when the sets are large
     * @param miniBatches  when the improved mode trains in mini-batches, and for how many epochs
     * @param views        the views of a photo the head learns from and answers the mean over
     * @param viewsNote    why the views differ from the configured {@code retrain.views}, when they do without the
     *                     run asking (a warning for the run's progress and report)
     */
    public record Parsed(
            TrainingParams params,
            boolean warmStart,
            boolean forcePublish,
            RunSample sample,
            MiniBatches miniBatches,
            OptionalInt samplesPerTrainingPhoto,
            List<View> views,
            Optional<String> viewsNote) {

        /**
         * The run's parameters for {@code trainingImages} training images: with {@code samples_per_training_photo},
         * the steps of the {@link StepRule}; otherwise as parsed.
         */
        public TrainingParams params(int trainingImages) {
            return stepRule(trainingImages)
                    .map(rule -> params.withOverrides(Map.of(STEPS, rule.steps())))
                    .orElse(params);
        }

        /** The step rule for {@code trainingImages}, when the run was given {@code samples_per_training_photo}. */
        public Optional<StepRule> stepRule(int trainingImages) {
            return samplesPerTrainingPhoto.isPresent()
                    ? Optional.of(
                            StepRule.of(samplesPerTrainingPhoto.getAsInt(), trainingImages, params.trainBatchSize()))
                    : Optional.empty();
        }
    }

    /** Refuses to start with a configuration whose runs would all be refused. */
    void checkConfiguration(@Observes StartupEvent event) {
        TrainingParams.from(config, 0)
                .withOverrides(Map.of(STEPS, config.continuous().warmSteps()));
        if (config.continuous().quickSteps() != 0) {
            TrainingParams.from(config, 0)
                    .withOverrides(Map.of(STEPS, config.continuous().quickSteps()));
        }
    }

    /**
     * The parameters of a run with these overrides.
     *
     * @throws IllegalArgumentException naming an unknown option or a bad value
     */
    public Parsed parse(Map<String, ?> overrides) {
        Map<String, Object> options = outputRoot.confined(overrides);
        boolean warm = flag(options.remove(WARM_START), WARM_START);
        boolean force = flag(options.remove(FORCE_PUBLISH), FORCE_PUBLISH);
        boolean viewsGiven = options.containsKey(VIEWS);
        List<View> views = viewsGiven ? views(options.remove(VIEWS)) : defaultViews;
        OptionalInt samples = OptionalInt.empty();
        if (options.containsKey(StepRule.OPTION)) {
            if (options.containsKey(STEPS)) {
                throw new IllegalArgumentException("Give either how_many_training_steps or " + StepRule.OPTION
                        + ", not both: " + StepRule.OPTION + " sets the steps from the training images, "
                        + "ceil(samples × training images / train_batch_size), as the Inception sample's retrain.sh "
                        + "does");
            }
            samples = OptionalInt.of(StepRule.parse(options.remove(StepRule.OPTION)));
        }
        if (warm && !options.containsKey(STEPS) && samples.isEmpty()) {
            options.put(STEPS, config.continuous().warmSteps());
        }
        long seed = config.randomSeed().orElse(ThreadLocalRandom.current().nextLong());
        TrainerConfig.LargeSets large = config.largeSets();
        TrainingParams params = TrainingParams.from(config, seed).withOverrides(options);
        Optional<String> viewsNote = Optional.empty();
        if (View.mirrored(views) && params.mode() == TrainingMode.RETRAIN) {
            if (viewsGiven) {
                throw new IllegalArgumentException("views " + View.ids(views) + " need mode improved: mode retrain "
                        + "trains retrain.py's head on the bottleneck layer, which has no mirror view. Give "
                        + "\"views\": \"original\" with mode retrain, or leave mode improved");
            }
            // retrain.views sets every run's default; a run that asks for retrain.py's method gets it, on the
            // photo alone, rather than a refusal for an option it did not give
            viewsNote = Optional.of(TrainerConfig.VIEWS + " is " + String.join(",", View.ids(views))
                    + ", but mode retrain trains on the bottleneck layer, which has no mirror view: this run's "
                    + "head learns from and answers on the original view alone");
            views = View.ORIGINAL_ONLY;
        }
        return new Parsed(
                params,
                warm,
                force,
                new RunSample(
                        large.maxTrainingImages(),
                        large.maxValidationImages(),
                        large.warmReplayImages(),
                        large.testImages()),
                new MiniBatches(
                        large.miniBatchFrom(),
                        large.epochs(),
                        large.l2SearchImages(),
                        large.miniBatchLearningRateScale()),
                samples,
                views,
                viewsNote);
    }

    /** The {@value #VIEWS} option: {@code "original,mirror"} or a list of view names. */
    private static List<View> views(Object value) {
        if (value instanceof String text) {
            return View.parse(text);
        }
        if (value instanceof Collection<?> names && !names.isEmpty()) {
            return View.of(names.stream().map(String::valueOf).toList());
        }
        throw new IllegalArgumentException(VIEWS + " must be \"original\" or \"original,mirror\" (or a list of "
                + "them), got " + (value instanceof Object[] array ? Arrays.toString(array) : String.valueOf(value)));
    }

    private static boolean flag(Object value, String name) {
        if (value == null || value instanceof Boolean) {
            return Boolean.TRUE.equals(value);
        }
        String text = String.valueOf(value).trim();
        if (text.equals("true") || text.equals("false")) {
            return Boolean.parseBoolean(text);
        }
        throw new IllegalArgumentException(name + " must be true or false, got '" + value + "'");
    }
}
