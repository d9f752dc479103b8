package io.retrainstream.trainer.service;

import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.trainer.data.WarmStart;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/** The head a warm run continues from: the serving model's, when it takes the run's architecture and features. */
@ApplicationScoped
public class WarmStarts {

    private final Promoter promoter;

    public WarmStarts(Promoter promoter) {
        this.promoter = promoter;
    }

    /** The serving model when a warm start can continue from it: same architecture and feature layer. */
    Optional<ModelPublished> from(TrainingRun run, String architecture, FeatureLayer layer) {
        Optional<ModelPublished> serving = promoter.serving();
        if (serving.isEmpty()) {
            run.progress("No model is served yet: a cold start");
            return Optional.empty();
        }
        ModelPublished model = serving.get();
        if (!model.architecture().equals(architecture) || model.featureLayer() != layer) {
            run.progress(String.format(
                    "The serving model (version %d) takes %s features of %s, this run %s of %s: a cold start",
                    model.version(), model.feature(), model.architecture(), layer.id(), architecture));
            return Optional.empty();
        }
        return serving;
    }

    /** A published model's head as the start of a training. */
    static WarmStart of(ModelPublished model) {
        Double l2 = model.metrics() == null ? null : model.metrics().l2();
        return new WarmStart(model.labels(), model.weights(), model.biases(), l2 == null ? null : l2.floatValue());
    }
}
