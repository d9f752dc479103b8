package io.retrainstream.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Prints a classification as TensorFlow's {@code label_image.py} does: a header naming the file and the model, then
 * one {@code daisy (score = 0.99071)} line per prediction, best first.
 */
public final class LabelImageFormat {

    private LabelImageFormat() {}

    /** @param reply the classifier's JSON: {@code {"modelVersion":3,"architecture":"...","predictions":[...]}} */
    static List<String> format(String file, JsonNode reply) {
        List<String> lines = new ArrayList<>();
        String model = reply.hasNonNull("modelVersion")
                ? "model version " + reply.get("modelVersion").asText()
                : "model version ?";
        if (reply.hasNonNull("architecture")) {
            model += ", " + reply.get("architecture").asText();
        }
        lines.add(file + " (" + model + "):");
        for (JsonNode prediction : reply.path("predictions")) {
            lines.add(prediction(
                    prediction.path("label").asText("?"),
                    prediction.path("score").asDouble()));
        }
        return lines;
    }

    static String prediction(String label, double score) {
        return String.format(Locale.ROOT, "%s (score = %.5f)", label, score);
    }
}
