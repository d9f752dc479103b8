package io.retrainstream.trainer.service;

import io.quarkus.runtime.StartupEvent;
import io.retrainstream.trainer.config.TrainerConfig;
import io.retrainstream.trainer.data.RunSample;
import io.retrainstream.trainer.data.StepRule;
import io.retrainstream.trainer.data.TrainingParams;
import io.retrainstream.trainer.model.MiniBatches;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A run's parameters: the configuration with a request's overrides by {@code retrain.py} name, the Inception sample's
 * {@value StepRule#OPTION} (the steps from the training-set size, {@link StepRule}), and two options of the
 * trainer's own, {@value #WARM_START} (continue from the serving head, with {@code trainer.continuous.warm-steps}
 * steps unless the steps are given) and {@value #FORCE_PUBLISH} (skip the promotion gate). File options among the
 * overrides are paths under {@code trainer.output-root} ({@link OutputRoot#confined}).
 */
@ApplicationScoped
public class RunOptions {

    static final String WARM_START = "warm_start";
    static final String FORCE_PUBLISH = "force_publish";
    static final String STEPS = "how_many_training_steps";

    private final TrainerConfig config;
    private final OutputRoot outputRoot;

    public RunOptions(TrainerConfig config, OutputRoot outputRoot) {
        this.config = config;
        this.outputRoot = outputRoot;
    }

    /**
     * @param params       the run's parameters
     * @param warmStart    whether the run continues from the serving head
     * @param forcePublish whether the run skips the promotion gate
     * @param sample       which images the run trains and validates on when the sets are large
     * @param miniBatches  when the improved mode trains in mini-batches, and for how many epochs
     */
    public record Parsed(
            TrainingParams params,
            boolean warmStart,
            boolean forcePublish,
            RunSample sample,
            MiniBatches miniBatches,
            OptionalInt samplesPerTrainingPhoto) {

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
        return new Parsed(
                TrainingParams.from(config, seed).withOverrides(options),
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
                samples);
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
