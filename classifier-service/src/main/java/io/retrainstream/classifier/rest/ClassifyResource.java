package io.retrainstream.classifier.rest;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.logging.Log;
import io.retrainstream.classifier.config.ClassifierConfig;
import io.retrainstream.classifier.model.ModelHolder;
import io.retrainstream.classifier.service.ClassificationService;
import io.retrainstream.classifier.service.ClassificationService.Classification;
import io.retrainstream.classifier.service.ModelService;
import io.retrainstream.common.Concurrency;
import io.retrainstream.common.tf.ImageDecodeException;
import io.retrainstream.common.tf.ImageRunException;
import io.retrainstream.common.tf.ImageTooLargeException;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.multipart.FileUpload;

/** {@code POST /classify}: an image in, the model's top classes out. */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public class ClassifyResource {

    private static final String NO_MODEL = "No model has been published yet: publish labelled images to topic "
            + "'images' and train one (./retrain train --wait), then try again";

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
    public CompletionStage<Response> classify(byte[] image, @RestQuery("top_k") String topK) {
        return respond(image, topK);
    }

    /** A multipart form with the image in field {@code image} (read from the upload's file, so on a worker). */
    @POST
    @Path("classify")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Blocking
    public CompletionStage<Response> classifyForm(@RestForm("image") FileUpload upload, @RestQuery("top_k") String topK)
            throws IOException {
        if (upload == null) {
            return CompletableFuture.completedFuture(
                    error(Response.Status.BAD_REQUEST, "The multipart form has no field 'image'"));
        }
        return respond(Files.readAllBytes(upload.uploadedFile()), topK);
    }

    /** The model being served: version, architecture, labels and metrics. */
    @GET
    @Path("model")
    public Response model() {
        return holder.current()
                .map(serving -> {
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("version", serving.model().version());
                    body.put("architecture", serving.model().architecture());
                    body.put("labels", serving.model().labels());
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

    private CompletionStage<Response> respond(byte[] image, String topK) {
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
            result = classification.classify(image, k);
        } catch (ImageDecodeException | ClassificationService.OverloadedException e) {
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

    /**
     * The reply to a failed classification: an image over the pixel budget (413), the client's fault (400), too busy
     * (503 with {@code Retry-After}), else ours (500, also when TensorFlow failed on the image for want of memory).
     */
    private static Response failed(Throwable failure) {
        if (failure instanceof ImageTooLargeException) {
            return error(Response.Status.REQUEST_ENTITY_TOO_LARGE, "Image too large: " + failure.getMessage());
        }
        if (failure instanceof ImageRunException) {
            Log.warnf("Classifying an image failed: %s", failure.getMessage());
            return error(Response.Status.INTERNAL_SERVER_ERROR, "Classifying failed: " + failure.getMessage());
        }
        if (failure instanceof ImageDecodeException) {
            return error(Response.Status.BAD_REQUEST, "Not a decodable image: " + failure.getMessage());
        }
        if (failure instanceof ClassificationService.OverloadedException) {
            return Response.fromResponse(error(Response.Status.SERVICE_UNAVAILABLE, failure.getMessage()))
                    .header("Retry-After", ClassificationService.RETRY_AFTER_SECONDS)
                    .build();
        }
        Log.errorf(failure, "Classifying failed");
        return error(Response.Status.INTERNAL_SERVER_ERROR, "Classifying failed: " + failure.getMessage());
    }

    private static Response error(Response.Status status, String message) {
        return Response.status(status)
                .entity(new ErrorResponse(status.getStatusCode(), message))
                .type(MediaType.APPLICATION_JSON)
                .build();
    }
}
