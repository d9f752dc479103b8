package io.retrainstream.classifier.rest;

import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.RestForm;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.multipart.FileUpload;

import io.retrainstream.classifier.config.ClassifierConfig;
import io.retrainstream.classifier.model.ModelHolder;
import io.retrainstream.classifier.service.ClassificationService;
import io.retrainstream.classifier.service.ModelService;
import io.retrainstream.common.tf.ImageDecodeException;

/** {@code POST /classify}: an image in, the model's top classes out. */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public class ClassifyResource {

    private static final String NO_MODEL = "No model has been published yet: publish labelled images to topic "
            + "'images' and train one (./retrain train --wait), then try again";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ClassificationService classification;
    private final ModelHolder holder;
    private final ModelService models;
    private final ClassifierConfig config;

    public ClassifyResource(ClassificationService classification, ModelHolder holder, ModelService models,
            ClassifierConfig config) {
        this.classification = classification;
        this.holder = holder;
        this.models = models;
        this.config = config;
    }

    /** The raw image file as the body, {@code Content-Type: image/*}. */
    @POST
    @Path("classify")
    @Consumes({ "image/*", MediaType.APPLICATION_OCTET_STREAM })
    public Response classify(byte[] image, @RestQuery("top_k") Integer topK) {
        return respond(image, topK);
    }

    /** A multipart form with the image in field {@code image}. */
    @POST
    @Path("classify")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    public Response classifyForm(@RestForm("image") FileUpload upload, @RestQuery("top_k") Integer topK)
            throws IOException {
        if (upload == null) {
            return error(Response.Status.BAD_REQUEST, "The multipart form has no field 'image'");
        }
        return respond(Files.readAllBytes(upload.uploadedFile()), topK);
    }

    /** The model being served: version, architecture, labels and metrics. */
    @GET
    @Path("model")
    public Response model() {
        return holder.current().map(serving -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("version", serving.model().version());
            body.put("architecture", serving.model().architecture());
            body.put("labels", serving.model().labels());
            body.put("pinned", models.pinned().orElse(null));
            Map<String, Object> metrics = serving.model().metrics() == null ? null
                    : JSON.convertValue(serving.model().metrics(), new TypeReference<Map<String, Object>>() { });
            if (metrics != null) {
                metrics.remove("newImageTimes");
            }
            body.put("metrics", metrics);
            body.put("publishedAt", serving.model().publishedAt());
            body.put("freshness", models.freshness());
            return Response.ok(body).build();
        }).orElseGet(() -> error(Response.Status.SERVICE_UNAVAILABLE, NO_MODEL));
    }

    private Response respond(byte[] image, Integer topK) {
        int k = topK == null ? config.classifier().defaultTopK() : topK;
        if (k < 1) {
            return error(Response.Status.BAD_REQUEST, "top_k must be at least 1, got " + k);
        }
        if (image == null || image.length == 0) {
            return error(Response.Status.BAD_REQUEST, "The request has no image: send the image file as the body");
        }
        try {
            return classification.classify(image, k).map(result -> Response.ok(result).build())
                    .orElseGet(() -> error(Response.Status.SERVICE_UNAVAILABLE, NO_MODEL));
        } catch (ImageDecodeException e) {
            return error(Response.Status.BAD_REQUEST, "Not a decodable image: " + e.getMessage());
        } catch (ClassificationService.OverloadedException e) {
            return error(Response.Status.SERVICE_UNAVAILABLE, e.getMessage());
        }
    }

    private static Response error(Response.Status status, String message) {
        return Response.status(status).entity(new ErrorResponse(status.getStatusCode(), message))
                .type(MediaType.APPLICATION_JSON).build();
    }
}
