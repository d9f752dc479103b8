package io.retrainstream.classifier.rest;

import io.retrainstream.classifier.service.ClassificationService;
import io.retrainstream.classifier.service.ClassificationService.Scores;
import io.retrainstream.classifier.service.ModelService;
import io.retrainstream.common.event.ModelPublished;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What the TensorFlow Serving and Open Inference Protocol resources share: the model's name, the version a request
 * addresses, scoring its images, and the error shape both protocols use, {@code {"error": "..."}}.
 */
final class Protocols {

    private Protocols() {}

    /** A JSON object with its keys in the order given ({@code key, value, key, value, ...}), as the protocols list them. */
    static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> object = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            object.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return object;
    }

    /** {@code {"error": "..."}} with the failure's status (and {@code Retry-After} when it has one). */
    static Response error(Failure failure) {
        return failure.response(Map.of("error", failure.message()));
    }

    /** 404 unless {@code name} is the configured model name. */
    static void requireName(String modelName, String name) {
        if (!modelName.equals(name)) {
            throw new ProtocolException(Failure.notFound("Model '" + name + "' is not served here: the model is '"
                    + modelName + "' (retrain.classifier.model-name)"));
        }
    }

    /** Answers with {@code body} of the model a metadata or status request addresses, or the error. */
    static Response describe(
            ModelService models, String modelName, String name, String version, Function<ModelPublished, Object> body) {
        try {
            requireName(modelName, name);
            return models.published(Versions.parse(version))
                    .map(model -> Response.ok(body.apply(model)).build())
                    .orElseGet(() -> error(Failure.NO_MODEL));
        } catch (ProtocolException e) {
            return error(e.failure());
        } catch (IllegalArgumentException e) {
            return error(Failure.badRequest(e.getMessage()));
        } catch (RuntimeException e) {
            return error(Failure.of(e));
        }
    }

    /**
     * Checks the name, reads the request ({@code parse} throws {@link ProtocolException} for a bad one), scores its
     * images by the version it names and answers with {@code reply}, or the error.
     */
    static <R> CompletionStage<Response> score(
            ClassificationService classification,
            String modelName,
            String name,
            String version,
            Supplier<R> parse,
            Function<R, List<byte[]>> images,
            java.util.function.BiFunction<R, List<Scores>, Response> reply) {
        R request;
        try {
            requireName(modelName, name);
            var wanted = Versions.parse(version);
            request = parse.get();
            return classification.score(images.apply(request), wanted).handle((scored, failure) -> {
                if (failure != null) {
                    return error(Failure.of(failure));
                }
                return scored.map(all -> reply.apply(request, all)).orElseGet(() -> error(Failure.NO_MODEL));
            });
        } catch (ProtocolException e) {
            return CompletableFuture.completedFuture(error(e.failure()));
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(error(Failure.badRequest(e.getMessage())));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(error(Failure.of(e)));
        }
    }
}
