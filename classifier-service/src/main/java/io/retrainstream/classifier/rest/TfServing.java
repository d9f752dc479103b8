package io.retrainstream.classifier.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.retrainstream.classifier.service.ClassificationService.Prediction;
import io.retrainstream.classifier.service.ClassificationService.Scores;
import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.tf.ExportedModel;
import io.retrainstream.common.tf.SoftmaxHead;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * TensorFlow Serving's REST shapes for the SavedModel the trainer exports ({@link ExportedModel}): its
 * {@code serving_default} signature takes input {@value ExportedModel#SIGNATURE_IMAGE} (an encoded image, a string
 * sent as {@code {"b64": "..."}}) and gives {@value ExportedModel#SIGNATURE_SCORES} ({@code [1, classes]}) and
 * {@value ExportedModel#SIGNATURE_LABELS} ({@code [classes]}).
 */
final class TfServing {

    static final String SIGNATURE = "serving_default";
    /**
     * The signature's method name as the exported SavedModel has it: TensorFlow Java's exporter leaves it empty, and
     * TF Serving's {@code :predict} runs such a signature as it is.
     */
    static final String METHOD_NAME = "";

    private TfServing() {}

    /** {@code GET /v1/models/{name}[/versions/{v}]}: each version AVAILABLE. */
    static Map<String, Object> status(List<Long> versions) {
        List<Map<String, Object>> statuses = new ArrayList<>();
        for (long version : versions) {
            statuses.add(Protocols.ordered(
                    "version",
                    String.valueOf(version),
                    "state",
                    "AVAILABLE",
                    "status",
                    Protocols.ordered("error_code", "OK", "error_message", "")));
        }
        return Map.of("model_version_status", statuses);
    }

    /** {@code GET .../metadata}: the exported SavedModel's {@code serving_default} signature for {@code model}. */
    static Map<String, Object> metadata(String name, ModelPublished model) {
        int classes = model.labels().size();
        Map<String, Object> inputs =
                Map.of(ExportedModel.SIGNATURE_IMAGE, tensor("DT_STRING", List.of(), ExportedModel.ENCODED_INPUT));
        Map<String, Object> outputs = new LinkedHashMap<>();
        outputs.put(
                ExportedModel.SIGNATURE_LABELS, tensor("DT_STRING", List.of(classes), ExportedModel.SIGNATURE_LABELS));
        outputs.put(
                ExportedModel.SIGNATURE_SCORES, tensor("DT_FLOAT", List.of(1, classes), SoftmaxHead.FINAL_TENSOR_NAME));
        Map<String, Object> signature = new LinkedHashMap<>();
        signature.put("inputs", inputs);
        signature.put("outputs", outputs);
        signature.put("method_name", METHOD_NAME);
        signature.put("defaults", Map.of());
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("name", name);
        spec.put("signature_name", "");
        spec.put("version", String.valueOf(model.version()));
        return Protocols.ordered(
                "model_spec",
                spec,
                "metadata",
                Map.of("signature_def", Map.of("signature_def", Map.of(SIGNATURE, signature))));
    }

    private static Map<String, Object> tensor(String dtype, List<Integer> dims, String op) {
        List<Map<String, Object>> dim = dims.stream()
                .map(size -> Protocols.ordered("size", String.valueOf(size), "name", ""))
                .toList();
        return Protocols.ordered(
                "dtype",
                dtype,
                "tensor_shape",
                Protocols.ordered("dim", dim, "unknown_rank", false),
                "name",
                op + ":0");
    }

    /** A {@code :predict} request: the images, and whether it came in the row ({@code instances}) form. */
    record Predict(List<byte[]> images, boolean rows) {

        static Predict parse(ObjectMapper json, byte[] body) {
            JsonNode root = object(json, body);
            boolean rows = root.has("instances");
            if (rows == root.has("inputs")) {
                throw ProtocolException.badRequest("The request needs either 'instances' (rows, e.g. {\"instances\": "
                        + "[{\"b64\": \"<base64 image>\"}]}) or 'inputs' (columns, e.g. {\"inputs\": {\"image\": "
                        + "{\"b64\": \"<base64 image>\"}}}), " + (rows ? "not both" : "got neither"));
            }
            List<byte[]> images = new ArrayList<>();
            if (rows) {
                JsonNode instances = root.get("instances");
                if (!instances.isArray() || instances.isEmpty()) {
                    throw ProtocolException.badRequest("'instances' must be a non-empty list, one image per instance");
                }
                for (JsonNode instance : instances) {
                    images.add(image(named(instance), "instance " + images.size()));
                }
            } else {
                JsonNode inputs = named(root.get("inputs"));
                if (inputs.isArray()) {
                    for (JsonNode each : inputs) {
                        images.add(image(each, "input " + images.size()));
                    }
                } else {
                    images.add(image(inputs, "input"));
                }
                if (images.isEmpty()) {
                    throw ProtocolException.badRequest("'inputs' holds no image");
                }
            }
            return new Predict(images, rows);
        }

        /**
         * Row form: {@code {"predictions": [{"scores": [...], "labels": [...]}, ...]}} (one object per instance, as TF
         * Serving gives a signature's several outputs); column form: {@code {"outputs": {"scores": [[...], ...],
         * "labels": [...]}}}, which is what TF Serving answers the exported SavedModel for one image.
         */
        Map<String, Object> response(List<Scores> scored) {
            if (rows) {
                List<Map<String, Object>> predictions = new ArrayList<>();
                for (Scores each : scored) {
                    Map<String, Object> prediction = new LinkedHashMap<>();
                    prediction.put(ExportedModel.SIGNATURE_SCORES, each.scores());
                    prediction.put(ExportedModel.SIGNATURE_LABELS, each.labels());
                    predictions.add(prediction);
                }
                return Map.of("predictions", predictions);
            }
            Map<String, Object> outputs = new LinkedHashMap<>();
            outputs.put(
                    ExportedModel.SIGNATURE_SCORES,
                    scored.stream().map(Scores::scores).toList());
            outputs.put(ExportedModel.SIGNATURE_LABELS, scored.get(0).labels());
            return Map.of("outputs", outputs);
        }
    }

    /** A {@code :classify} request: {@code examples}, each with feature {@code image}, or one in {@code context}. */
    static List<byte[]> classifyExamples(ObjectMapper json, byte[] body) {
        JsonNode root = object(json, body);
        JsonNode examples = root.path("examples");
        JsonNode context = root.path("context");
        List<byte[]> images = new ArrayList<>();
        if (examples.isArray()) {
            for (JsonNode example : examples) {
                JsonNode image = example.has(ExportedModel.SIGNATURE_IMAGE)
                        ? example.get(ExportedModel.SIGNATURE_IMAGE)
                        : context.path(ExportedModel.SIGNATURE_IMAGE);
                images.add(image(image, "example " + images.size()));
            }
        }
        if (images.isEmpty()) {
            throw ProtocolException.badRequest("The request needs 'examples', each with feature 'image' "
                    + "({\"examples\": [{\"image\": {\"b64\": \"<base64 image>\"}}]})");
        }
        return images;
    }

    /** {@code {"result": [[[label, score], ...], ...]}}: every class of each example, most likely first. */
    static Map<String, Object> classifyResponse(List<Scores> scored) {
        List<List<List<Object>>> result = new ArrayList<>();
        for (Scores each : scored) {
            List<List<Object>> classes = new ArrayList<>();
            for (Prediction prediction : each.top(each.labels().size()).predictions()) {
                classes.add(List.of(prediction.label(), prediction.score()));
            }
            result.add(classes);
        }
        return Map.of("result", result);
    }

    private static JsonNode object(ObjectMapper json, byte[] body) {
        JsonNode root;
        try {
            root = body == null || body.length == 0 ? null : json.readTree(body);
        } catch (IOException e) {
            throw ProtocolException.badRequest("The request body is not JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw ProtocolException.badRequest("The request body must be a JSON object, e.g. {\"instances\": "
                    + "[{\"b64\": \"<base64 image>\"}]}");
        }
        JsonNode signature = root.path("signature_name");
        if (!signature.isMissingNode() && !signature.isNull() && !SIGNATURE.equals(signature.asText())) {
            throw ProtocolException.badRequest("Serving signature key \"" + signature.asText()
                    + "\" not found: the model has only \"" + SIGNATURE + "\"");
        }
        return root;
    }

    /** An input given by the signature's input name ({@code {"image": ...}}) or as the only input. */
    private static JsonNode named(JsonNode value) {
        return value.isObject() && value.has(ExportedModel.SIGNATURE_IMAGE)
                ? value.get(ExportedModel.SIGNATURE_IMAGE)
                : value;
    }

    /** One encoded image, {@code {"b64": "..."}}. */
    private static byte[] image(JsonNode value, String where) {
        if (value == null || !value.isObject() || !value.path("b64").isTextual()) {
            throw ProtocolException.badRequest("The image of " + where + " must be {\"b64\": \"<base64 image>\"} "
                    + "(input '" + ExportedModel.SIGNATURE_IMAGE + "' is a string of binary image bytes)");
        }
        try {
            return Base64.getDecoder().decode(value.get("b64").asText());
        } catch (IllegalArgumentException e) {
            throw ProtocolException.badRequest("The 'b64' of " + where + " is not base64: " + e.getMessage());
        }
    }
}
