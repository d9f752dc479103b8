package io.retrainstream.classifier.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.retrainstream.classifier.service.ClassificationService.Scores;
import io.retrainstream.common.event.ModelPublished;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Open Inference Protocol's shapes for this image model: the metadata, an inference request (JSON, or JSON then
 * binary tensor data) and its response.
 */
final class OpenInference {

    /** The header that gives the length of the JSON before the binary tensor data. */
    static final String BINARY_HEADER = "Inference-Header-Content-Length";
    /** The binary tensor data extension, as servers name it in their metadata. */
    static final String EXTENSION = "binary_tensor_data";

    static final String INPUT = "image";
    static final String SCORES = "scores";
    static final String LABELS = "labels";
    private static final Set<String> OUTPUTS = Set.of(SCORES, LABELS);

    private OpenInference() {}

    /** {@code GET /v2/models/{name}}: the versions a request can name and the tensors of {@code model}. */
    static Map<String, Object> metadata(String name, List<Long> versions, ModelPublished model) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        body.put("versions", versions.stream().map(String::valueOf).toList());
        body.put("platform", "retrain-stream");
        body.put("inputs", List.of(tensor(INPUT, "BYTES", List.of(-1))));
        body.put(
                "outputs",
                List.of(
                        tensor(SCORES, "FP32", List.of(-1, model.labels().size())),
                        tensor(LABELS, "BYTES", List.of(model.labels().size()))));
        body.put(
                "parameters",
                Protocols.ordered(
                        "version", String.valueOf(model.version()), "labels", model.labels(), "views", model.views()));
        return body;
    }

    private static Map<String, Object> tensor(String name, String datatype, List<Integer> shape) {
        return Protocols.ordered("name", name, "datatype", datatype, "shape", shape);
    }

    /** An inference request: the images, the request's id, and which outputs it wants, raw or not. */
    record Request(String id, List<byte[]> images, Set<String> outputs, Set<String> binaryOutputs) {

        /**
         * Reads a request: all JSON, or with {@code headerLength} the JSON header of that many bytes then the binary
         * tensor data. Throws {@link ProtocolException} (400) saying what is wrong.
         */
        static Request parse(ObjectMapper json, byte[] body, String headerLength) {
            int jsonLength = body.length;
            if (headerLength != null && !headerLength.isBlank()) {
                try {
                    jsonLength = Integer.parseInt(headerLength.trim());
                } catch (NumberFormatException e) {
                    jsonLength = -1;
                }
                if (jsonLength < 0 || jsonLength > body.length) {
                    throw ProtocolException.badRequest(BINARY_HEADER + " must be the length of the JSON header, at "
                            + "most the body's " + body.length + " bytes, got '" + headerLength + "'");
                }
            }
            JsonNode root;
            try {
                root = json.readTree(Arrays.copyOf(body, jsonLength));
            } catch (IOException e) {
                throw ProtocolException.badRequest("The request is not JSON"
                        + (headerLength == null
                                ? " (send raw tensor data after it with header " + BINARY_HEADER + ")"
                                : "")
                        + ": "
                        + (e instanceof JsonProcessingException parse ? parse.getOriginalMessage() : e.getMessage()));
            }
            if (root == null || !root.isObject()) {
                throw ProtocolException.badRequest("The request must be a JSON object with 'inputs'");
            }
            JsonNode inputs = root.path("inputs");
            if (!inputs.isArray() || inputs.size() != 1) {
                throw ProtocolException.badRequest(
                        "The request needs 'inputs' with one tensor, '" + INPUT + "' (BYTES, "
                                + "shape [n]: the encoded images), got " + (inputs.isArray() ? inputs.size() : "none"));
            }
            List<byte[]> images = images(inputs.get(0), body, jsonLength);
            Set<String> outputs = new LinkedHashSet<>();
            Set<String> binary = new LinkedHashSet<>();
            boolean allBinary =
                    root.path("parameters").path("binary_data_output").asBoolean(false);
            JsonNode requested = root.path("outputs");
            if (requested.isArray() && !requested.isEmpty()) {
                for (JsonNode output : requested) {
                    String name = output.path("name").asText();
                    if (!OUTPUTS.contains(name)) {
                        throw ProtocolException.badRequest(
                                "Unknown output '" + name + "': the outputs are '" + SCORES + "' and '" + LABELS + "'");
                    }
                    outputs.add(name);
                    if (allBinary
                            || output.path("parameters").path("binary_data").asBoolean(false)) {
                        binary.add(name);
                    }
                }
            } else {
                outputs.addAll(List.of(SCORES, LABELS));
                if (allBinary) {
                    binary.addAll(outputs);
                }
            }
            String id = root.hasNonNull("id") ? root.get("id").asText() : null;
            return new Request(id, images, outputs, binary);
        }

        private static List<byte[]> images(JsonNode input, byte[] body, int jsonLength) {
            String name = input.path("name").asText();
            if (!INPUT.equals(name)) {
                throw ProtocolException.badRequest("Unknown input '" + name + "': the model's input is '" + INPUT
                        + "' (BYTES, shape [n]: the encoded images)");
            }
            String datatype = input.path("datatype").asText();
            if (!"BYTES".equals(datatype)) {
                throw ProtocolException.badRequest(
                        "Input '" + INPUT + "' must have datatype BYTES (encoded images), got '" + datatype + "'");
            }
            long count = 1;
            JsonNode shape = input.path("shape");
            if (!shape.isArray() || shape.isEmpty()) {
                throw ProtocolException.badRequest("Input '" + INPUT + "' needs its shape, [n] for n images");
            }
            for (JsonNode dim : shape) {
                if (!dim.canConvertToLong() || dim.asLong() < 0) {
                    throw ProtocolException.badRequest("Input '" + INPUT + "' has a bad shape " + shape);
                }
                count *= dim.asLong();
            }
            if (count < 1) {
                throw ProtocolException.badRequest("Input '" + INPUT + "' holds no image (shape " + shape + ")");
            }
            List<byte[]> images = input.path("parameters").has("binary_data_size")
                    ? binary(input.path("parameters").path("binary_data_size").asLong(-1), body, jsonLength)
                    : base64(input.path("data"));
            if (images.size() != count) {
                throw ProtocolException.badRequest("Input '" + INPUT + "' has shape " + shape + " (" + count
                        + " elements) but holds " + images.size() + " images");
            }
            return images;
        }

        /** Elements in JSON: base64 strings, possibly nested row-major. */
        private static List<byte[]> base64(JsonNode data) {
            if (!data.isArray()) {
                throw ProtocolException.badRequest("Input '" + INPUT + "' needs 'data': the images base64-encoded, or "
                        + "parameter binary_data_size and the raw bytes after the JSON (header " + BINARY_HEADER + ")");
            }
            List<byte[]> images = new ArrayList<>();
            List<JsonNode> flat = new ArrayList<>();
            flatten(data, flat);
            for (JsonNode element : flat) {
                if (!element.isTextual()) {
                    throw ProtocolException.badRequest("Element " + images.size() + " of input '" + INPUT
                            + "' is not a string: send each image base64-encoded");
                }
                try {
                    images.add(Base64.getDecoder().decode(element.asText()));
                } catch (IllegalArgumentException e) {
                    throw ProtocolException.badRequest("Element " + images.size() + " of input '" + INPUT
                            + "' is not base64 (" + e.getMessage() + "): send each image base64-encoded in JSON, or "
                            + "raw with the binary tensor data extension");
                }
            }
            return images;
        }

        private static void flatten(JsonNode node, List<JsonNode> into) {
            if (node.isArray()) {
                node.forEach(child -> flatten(child, into));
            } else {
                into.add(node);
            }
        }

        /** Elements after the JSON: each a 4-byte little-endian length, then that many bytes. */
        private static List<byte[]> binary(long size, byte[] body, int jsonLength) {
            if (size < 0 || jsonLength + size != body.length) {
                throw ProtocolException.badRequest("Input '" + INPUT + "' says binary_data_size " + size + " but "
                        + (body.length - jsonLength) + " bytes follow the JSON header of " + jsonLength
                        + " bytes (" + BINARY_HEADER + ")");
            }
            ByteBuffer data = ByteBuffer.wrap(body, jsonLength, (int) size).order(ByteOrder.LITTLE_ENDIAN);
            List<byte[]> images = new ArrayList<>();
            while (data.hasRemaining()) {
                if (data.remaining() < Integer.BYTES) {
                    throw ProtocolException.badRequest("The binary data of input '" + INPUT + "' ends inside the "
                            + "length of element " + images.size() + " (each: 4-byte little-endian length, bytes)");
                }
                long length = Integer.toUnsignedLong(data.getInt());
                if (length > data.remaining()) {
                    throw ProtocolException.badRequest("Element " + images.size() + " of input '" + INPUT + "' says "
                            + length + " bytes but only " + data.remaining() + " follow");
                }
                byte[] image = new byte[(int) length];
                data.get(image);
                images.add(image);
            }
            return images;
        }

        /**
         * The response: {@code scores} FP32 {@code [n, classes]} and {@code labels} BYTES {@code [classes]}, those asked
         * raw after the JSON (then the JSON's length in {@value #BINARY_HEADER}).
         */
        Response response(ObjectMapper json, String name, List<Scores> scored) {
            Scores first = scored.get(0);
            int classes = first.labels().size();
            ObjectNode body = json.createObjectNode();
            body.put("model_name", name);
            body.put("model_version", String.valueOf(first.modelVersion()));
            if (id != null) {
                body.put("id", id);
            }
            ArrayNode tensors = body.putArray("outputs");
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            for (String output : outputs) {
                ObjectNode tensor = tensors.addObject();
                tensor.put("name", output);
                boolean binary = binaryOutputs.contains(output);
                if (SCORES.equals(output)) {
                    tensor.put("datatype", "FP32");
                    tensor.putArray("shape").add(scored.size()).add(classes);
                    if (binary) {
                        ByteBuffer bytes = ByteBuffer.allocate(Float.BYTES * classes * scored.size())
                                .order(ByteOrder.LITTLE_ENDIAN);
                        scored.forEach(each -> {
                            for (float score : each.scores()) {
                                bytes.putFloat(score);
                            }
                        });
                        raw.writeBytes(bytes.array());
                        tensor.putObject("parameters").put("binary_data_size", bytes.capacity());
                    } else {
                        ArrayNode data = tensor.putArray("data");
                        scored.forEach(each -> {
                            for (float score : each.scores()) {
                                data.add(score);
                            }
                        });
                    }
                } else {
                    tensor.put("datatype", "BYTES");
                    tensor.putArray("shape").add(classes);
                    if (binary) {
                        int before = raw.size();
                        for (String label : first.labels()) {
                            byte[] utf8 = label.getBytes(StandardCharsets.UTF_8);
                            raw.writeBytes(ByteBuffer.allocate(Integer.BYTES)
                                    .order(ByteOrder.LITTLE_ENDIAN)
                                    .putInt(utf8.length)
                                    .array());
                            raw.writeBytes(utf8);
                        }
                        tensor.putObject("parameters").put("binary_data_size", raw.size() - before);
                    } else {
                        ArrayNode data = tensor.putArray("data");
                        first.labels().forEach(data::add);
                    }
                }
            }
            byte[] header;
            try {
                header = json.writeValueAsBytes(body);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            if (binaryOutputs.isEmpty()) {
                return Response.ok(header, MediaType.APPLICATION_JSON).build();
            }
            ByteArrayOutputStream all = new ByteArrayOutputStream(header.length + raw.size());
            all.writeBytes(header);
            all.writeBytes(raw.toByteArray());
            return Response.ok(all.toByteArray(), MediaType.APPLICATION_OCTET_STREAM)
                    .header(BINARY_HEADER, header.length)
                    .build();
        }
    }
}
