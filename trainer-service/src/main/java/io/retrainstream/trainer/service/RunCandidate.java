package io.retrainstream.trainer.service;

import io.retrainstream.common.event.ModelMetrics;
import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.model.View;
import io.retrainstream.trainer.data.TrainedHead;
import io.retrainstream.trainer.data.TrainingData;
import io.retrainstream.trainer.data.TrainingParams;
import java.util.List;

/**
 * A run's trained head as a candidate for the next model version: the one place a run becomes a
 * {@link ModelPublished} event.
 *
 * @param runId          the run
 * @param architecture   the CNN the head was trained on
 * @param layer          the features it takes
 * @param labels         its classes, in column order
 * @param params         the run's parameters
 * @param data           what it was trained on
 * @param trained        the trained head
 * @param startNanos     {@link System#nanoTime()} at the run's start
 * @param fingerprint    the fingerprint of the images the run saw
 * @param learnedThrough epoch ms of the newest training image event the model has learned from
 * @param newImageTimes  a sample of the event times of training images no earlier model learned from
 */
record RunCandidate(
        long runId,
        String architecture,
        FeatureLayer layer,
        List<String> labels,
        TrainingParams params,
        TrainingData data,
        TrainedHead trained,
        long startNanos,
        String fingerprint,
        long learnedThrough,
        long[] newImageTimes)
        implements Promoter.Candidate {

    @Override
    public PromotionGate.Head head() {
        return new PromotionGate.Head(architecture, layer, labels, trained.weights(), trained.biases(), data.views());
    }

    @Override
    public ModelPublished withVersion(long version) {
        ModelMetrics metrics = new ModelMetrics(
                runId,
                params.howManyTrainingSteps(),
                params.learningRate(),
                data.training().photos(),
                trained.trainAccuracy(),
                trained.validationAccuracy(),
                trained.validationCount(),
                trained.testAccuracy(),
                trained.testCount(),
                (System.nanoTime() - startNanos) / 1_000_000,
                fingerprint,
                trained.l2() == null ? null : trained.l2().doubleValue(),
                learnedThrough,
                newImageTimes,
                data.training().mirrorRows());
        return new ModelPublished(
                version,
                architecture,
                layer.id(),
                labels,
                data.bottleneckSize(),
                trained.weights(),
                trained.biases(),
                metrics,
                System.currentTimeMillis(),
                View.ids(data.views()));
    }
}
