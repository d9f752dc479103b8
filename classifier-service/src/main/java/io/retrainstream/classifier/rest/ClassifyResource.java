package io.retrainstream.classifier.rest;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.retrainstream.classifier.config.ClassifierConfig;
import io.retrainstream.classifier.model.ModelHolder;
import io.retrainstream.classifier.service.ClassificationService;
import io.retrainstream.classifier.service.ClassificationService.Classification;
import io.retrainstream.classifier.service.ModelService;
import io.retrainstream.common.Concurrency;
import io.retrainstream.common.model.View;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.multipart.FileUpload;

/** {@code POST /classify}: an image in, the model's top classes out. */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Classify")
public class ClassifyResource {

    private static final String REPLY_EXAMPLE = "{\"modelVersion\": 2, \"architecture\": "
            + "\"mobilenet_0.25_128@sha256:1b5f1a3e2c4d\", \"label\": \"daisy\", \"predictions\": [{\"label\": \"daisy\", "
            + "\"score\": 0.97}, {\"label\": \"dandelion\", \"score\": 0.02}]}";

    private static final String UNKNOWN_EXAMPLE = "{\"modelVersion\": 2, \"architecture\": "
            + "\"mobilenet_0.25_128@sha256:1b5f1a3e2c4d\", \"label\": \"unknown\", \"minScore\": 0.6, \"bestGuess\": "
            + "{\"label\": \"roses\", \"score\": 0.41}, \"predictions\": [{\"label\": \"roses\", \"score\": 0.41}, "
            + "{\"label\": \"tulips\", \"score\": 0.33}]}";

    private static final String NO_MODEL = Failure.NO_MODEL.message();

    private final ClassificationService classification;
    private final ModelHolder holder;
    private final ModelService models;
    private final ClassifierConfig config;
    private final ObjectMapper json;

    public ClassifyResource(
            ClassificationService classification,
            ModelHolder holder,
            ModelService models,
            ClassifierConfig config,
            ObjectMapper json) {
        this.classification = classification;
        this.holder = holder;
        this.models = models;
        this.config = config;
        this.json = json;
    }

    /** The raw image file as the body, {@code Content-Type: image/*}. Runs on the I/O thread; nothing waits. */
    @POST
    @Path("classify")
    @Consumes({"image/*", MediaType.APPLICATION_OCTET_STREAM})
    @Operation(
            summary = "The top classes of one image (the file as the body)",
            description = "top_k: how many classes (default retrain.classifier.default-top-k); version: a published "
                    + "version to ask instead of the served one (404 naming the versions there are); min_score: the "
                    + "lowest top score, 0 to 1, that names a class (default retrain.classifier.min-score, none): "
                    + "below it 'label' is 'unknown' and 'bestGuess' holds the top class. 400 for a body "
                    + "that is no decodable image, 413 over the body or pixel limit, 503 before any model and, with "
                    + "Retry-After, when the queue is full.")
    @APIResponse(
            responseCode = "200",
            description = "The top classes and the model version that answered",
            content =
                    @Content(
                            examples = {
                                @ExampleObject(name = "daisy", value = REPLY_EXAMPLE),
                                @ExampleObject(name = "below min_score=0.6", value = UNKNOWN_EXAMPLE)
                            }))
    public CompletionStage<Response> classify(
            byte[] image,
            @RestQuery("top_k") String topK,
            @RestQuery("version") String version,
            @RestQuery("min_score") String minScore) {
        return respond(image, topK, version, minScore);
    }

    /** A multipart form with the image in field {@code image} (read from the upload's file, so on a worker). */
    @POST
    @Path("classify")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Operation(summary = "The top classes of one image sent as multipart form field 'image'")
    @Blocking
    public CompletionStage<Response> classifyForm(
            @RestForm("image") FileUpload upload,
            @RestQuery("top_k") String topK,
            @RestQuery("version") String version,
            @RestQuery("min_score") String minScore)
            throws IOException {
        if (upload == null) {
            return CompletableFuture.completedFuture(
                    error(Response.Status.BAD_REQUEST, "The multipart form has no field 'image'"));
        }
        return respond(Files.readAllBytes(upload.uploadedFile()), topK, version, minScore);
    }

    /**
     * The model being served: version, architecture, labels, the views its answers average over ({@code [original]},
     * or {@code [original, mirror]}), pinned version, metrics and freshness.
     */
    @GET
    @Path("model")
    @Operation(
            summary =
                    "The served model: version, architecture, labels, views (original, mirror), pinned version, metrics "
                            + "and freshness")
    public Response model() {
        return holder.current()
                .map(serving -> {
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("version", serving.model().version());
                    body.put("architecture", serving.model().architecture());
                    body.put("labels", serving.model().labels());
                    body.put("views", View.ids(serving.views()));
                    body.put("pinned", models.pinned().orElse(null));
                    Map<String, Object> metrics = serving.model().metrics() == null
                            ? null
                            : json.convertValue(serving.model().metrics(), new TypeReference<Map<String, Object>>() {});
                    if (metrics != null) {
                        metrics.remove("newImageTimes");
                    }
                    body.put("metrics", metrics);
                    body.put("publishedAt", serving.model().publishedAt());
                    body.put("freshness", models.freshness());
                    return Response.ok(body).build();
                })
                .orElseGet(() -> error(Response.Status.SERVICE_UNAVAILABLE, NO_MODEL));
    }

    private CompletionStage<Response> respond(byte[] image, String topK, String version, String minScore) {
        OptionalLong wanted;
        OptionalDouble threshold;
        try {
            wanted = Versions.parse(version);
            threshold = ClassificationService.minScore(minScore);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(error(Response.Status.BAD_REQUEST, e.getMessage()));
        }
        int k;
        try {
            k = topK == null || topK.isBlank() ? config.classifier().defaultTopK() : Integer.parseInt(topK.trim());
        } catch (NumberFormatException e) {
            k = 0;
        }
        if (k < 1) {
            return CompletableFuture.completedFuture(
                    error(Response.Status.BAD_REQUEST, "top_k must be a positive integer, got '" + topK + "'"));
        }
        if (image == null || image.length == 0) {
            return CompletableFuture.completedFuture(
                    error(Response.Status.BAD_REQUEST, "The request has no image: send the image file as the body"));
        }
        CompletableFuture<Optional<Classification>> result;
        try {
            result = classification.classify(image, k, wanted, threshold);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(failed(e));
        }
        return result.handle((classification, failure) -> {
            if (failure == null) {
                return classification
                        .map(done -> Response.ok(done).build())
                        .orElseGet(() -> error(Response.Status.SERVICE_UNAVAILABLE, NO_MODEL));
            }
            return failed(Concurrency.cause(failure));
        });
    }

    private static Response failed(Throwable failure) {
        Failure reply = Failure.of(failure);
        return reply.response(new ErrorResponse(reply.status().getStatusCode(), reply.message()));
    }

    private static Response error(Response.Status status, String message) {
        return Response.status(status)
                .entity(new ErrorResponse(status.getStatusCode(), message))
                .type(MediaType.APPLICATION_JSON)
                .build();
    }
}
