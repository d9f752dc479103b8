package io.retrainstream.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/** A training run's report (the trainer's {@code report} JSON) as text for the terminal. */
public final class RunReportText {

    private RunReportText() {}

    static String format(JsonNode report) {
        StringBuilder text = new StringBuilder();
        text.append("\nParameters: ");
        Iterator<Map.Entry<String, JsonNode>> parameters =
                report.path("parameters").fields();
        while (parameters.hasNext()) {
            Map.Entry<String, JsonNode> entry = parameters.next();
            text.append(entry.getKey())
                    .append('=')
                    .append(entry.getValue().asText())
                    .append(parameters.hasNext() ? ", " : "\n");
        }
        text.append(String.format(
                Locale.ROOT,
                "Features: %s of %s; images: %s; kept: %s%n",
                report.path("feature").asText(),
                report.path("architecture").asText(),
                report.path("images"),
                report.path("chosen").asText()));
        JsonNode labels = report.path("labels");
        int width = 10;
        for (JsonNode label : labels) {
            width = Math.max(width, label.asText().length() + 1);
        }
        text.append("\nConfusion matrix on the test images (rows: true label, columns: predicted):\n");
        text.append(String.format("%-" + width + "s", ""));
        for (JsonNode label : labels) {
            text.append(String.format("%" + width + "s", label.asText()));
        }
        text.append('\n');
        for (int row = 0; row < labels.size(); row++) {
            text.append(String.format("%-" + width + "s", labels.get(row).asText()));
            for (JsonNode count : report.path("confusion").path(row)) {
                text.append(String.format("%" + width + "d", count.asInt()));
            }
            text.append('\n');
        }
        text.append(String.format("%n%-" + width + "s %9s %9s %9s%n", "class", "precision", "recall", "images"));
        for (JsonNode score : report.path("classes")) {
            text.append(String.format(
                    Locale.ROOT,
                    "%-" + width + "s %9s %9s %9d%n",
                    score.path("label").asText(),
                    percent(score.path("precision")),
                    percent(score.path("recall")),
                    score.path("support").asInt()));
        }
        text.append(String.format(
                Locale.ROOT,
                "%nHit rate %s, mean score of hits %s, of misses %s%n",
                percent(report.path("hitRate")),
                decimal(report.path("meanScoreHits")),
                decimal(report.path("meanScoreMisses"))));
        JsonNode misclassified = report.path("misclassified");
        if (misclassified.size() > 0) {
            text.append("Misclassified test images:\n");
            for (JsonNode image : misclassified) {
                text.append(String.format(
                        Locale.ROOT,
                        "  %s  %s (score = %.5f)%n",
                        image.path("imageId").asText(),
                        image.path("predicted").asText(),
                        image.path("score").asDouble()));
            }
        }
        text.append("Timings (ms): ").append(report.path("timingsMillis")).append('\n');
        text.append("Start: ").append(report.path("start").asText("cold")).append('\n');
        JsonNode promotion = report.path("promotion");
        if (promotion.isObject()) {
            text.append("Promotion gate: ")
                    .append(promotion.path("published").asBoolean() ? "published" : "rejected")
                    .append(", ")
                    .append(promotion.path("reason").asText())
                    .append('\n');
        }
        JsonNode freshness = report.path("freshness");
        if (freshness.path("images").asInt() > 0) {
            text.append(String.format(
                    Locale.ROOT,
                    "Freshness: %d new training images waited %.1f s (median), "
                            + "%.1f s (p95) from their event to this model's publication%n",
                    freshness.path("images").asInt(),
                    freshness.path("p50Seconds").asDouble(),
                    freshness.path("p95Seconds").asDouble()));
        }
        return text.toString();
    }

    private static String percent(JsonNode value) {
        return value.isNumber() ? String.format(Locale.ROOT, "%.1f%%", value.asDouble() * 100) : "n/a";
    }

    private static String decimal(JsonNode value) {
        return value.isNumber() ? String.format(Locale.ROOT, "%.5f", value.asDouble()) : "n/a";
    }
}
