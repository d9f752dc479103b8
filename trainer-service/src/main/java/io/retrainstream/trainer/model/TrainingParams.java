package io.retrainstream.trainer.model;

import io.retrainstream.trainer.config.TrainerConfig;

/**
 * The parameters of one training run, as {@code retrain.py} names them.
 *
 * @param howManyTrainingSteps steps of gradient descent
 * @param learningRate         gradient descent step size
 * @param trainBatchSize       images per step
 * @param validationBatchSize  images per validation batch
 * @param evalStepInterval     steps between evaluations
 * @param seed                 seed for weight initialisation and batch sampling
 */
public record TrainingParams(int howManyTrainingSteps, double learningRate, int trainBatchSize,
        int validationBatchSize, int evalStepInterval, long seed) {

    public TrainingParams {
        require(howManyTrainingSteps > 0, "how_many_training_steps", howManyTrainingSteps);
        require(learningRate > 0, "learning_rate", learningRate);
        require(trainBatchSize > 0, "train_batch_size", trainBatchSize);
        require(validationBatchSize > 0, "validation_batch_size", validationBatchSize);
        require(evalStepInterval > 0, "eval_step_interval", evalStepInterval);
    }

    private static void require(boolean valid, String name, Object value) {
        if (!valid) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }

    public static TrainingParams from(TrainerConfig config, long seed) {
        return new TrainingParams(config.howManyTrainingSteps(), config.learningRate(), config.trainBatchSize(),
                config.validationBatchSize(), config.evalStepInterval(), seed);
    }
}
