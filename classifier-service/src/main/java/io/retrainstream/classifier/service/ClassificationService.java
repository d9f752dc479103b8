package io.retrainstream.classifier.service;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.retrainstream.classifier.model.ModelHolder;

/** Classifies one image with the model being served and ranks the classes. */
@ApplicationScoped
public class ClassificationService {

    /** One class and its softmax score. */
    public record Prediction(String label, float score) {
    }

    /** The top predictions and the model version that made them. */
    public record Classification(long modelVersion, String architecture, List<Prediction> predictions) {
    }

    private final ModelHolder holder;
    private final Timer inference;

    public ClassificationService(ModelHolder holder, MeterRegistry registry) {
        this.holder = holder;
        this.inference = Timer.builder("classifier.inference")
                .description("Decode, resize, CNN and head for one image").publishPercentiles(0.5, 0.99)
                .register(registry);
    }

    /** The top {@code topK} classes, or empty when no model has been published yet. */
    public Optional<Classification> classify(byte[] image, int topK) {
        return holder.withModel(model -> {
            float[] scores = inference.record(() -> model.classify(image));
            List<Prediction> predictions = new ArrayList<>(scores.length);
            for (int i = 0; i < scores.length; i++) {
                predictions.add(new Prediction(model.labels().get(i), scores[i]));
            }
            predictions.sort(Comparator.comparingDouble(Prediction::score).reversed());
            return new Classification(model.model().version(), model.model().architecture(),
                    List.copyOf(predictions.subList(0, Math.min(topK, predictions.size()))));
        });
    }
}
