package io.retrainstream.classifier.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.retrainstream.classifier.config.ClassifierConfig;
import io.retrainstream.classifier.service.ClassificationService;
import io.retrainstream.classifier.service.ModelService;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;

/**
 * TensorFlow Serving's REST API for the model the trainer exports as a SavedModel: version status, the
 * {@code serving_default} signature, {@code :predict} (row and column forms) and {@code :classify}, any published
 * version addressed by {@code /versions/{v}}. Errors are {@code {"error": "..."}}.
 */
@Path("/v1/models")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "TensorFlow Serving REST")
public class TfServingResource {

    private static final String PREDICT_EXAMPLE = "{\"instances\": [{\"b64\": \"/9j/4AAQSkZJRgABAQ...\"}]}";
    private static final String COLUMNS_EXAMPLE = "{\"inputs\": {\"image\": {\"b64\": \"/9j/4AAQSkZJRgABAQ...\"}}}";
    private static final String CLASSIFY_EXAMPLE =
            "{\"examples\": [{\"image\": {\"b64\": \"/9j/4AAQSkZJRgABAQ...\"}}]}";

    private final ClassificationService classification;
    private final ModelService models;
    private final String modelName;
    private final ObjectMapper json;

    public TfServingResource(
            ClassificationService classification, ModelService models, ClassifierConfig config, ObjectMapper json) {
        this.classification = classification;
        this.models = models;
        this.modelName = config.classifier().modelName();
        this.json = json;
    }

    @GET
    @Path("{name}")
    @Operation(summary = "Status of every version a request can name (each AVAILABLE: loaded on first use)")
    public Response status(@RestPath String name) {
        return Protocols.describe(models, modelName, name, null, model -> TfServing.status(models.addressable()));
    }

    @GET
    @Path("{name}/versions/{version}")
    @Operation(summary = "Status of one version (404 naming the versions there are when it cannot be served)")
    public Response status(@RestPath String name, @RestPath String version) {
        return Protocols.describe(
                models, modelName, name, version, model -> TfServing.status(List.of(model.version())));
    }

    @GET
    @Path("{name}/metadata")
    @Operation(summary = "The serving_default signature of the served version, as the exported SavedModel has it")
    public Response metadata(@RestPath String name) {
        return metadata(name, null);
    }

    @GET
    @Path("{name}/versions/{version}/metadata")
    @Operation(summary = "The serving_default signature of one version")
    public Response metadata(@RestPath String name, @RestPath String version) {
        return Protocols.describe(models, modelName, name, version, model -> TfServing.metadata(modelName, model));
    }

    @POST
    @Path("{call}")
    @Consumes(MediaType.WILDCARD)
    @Blocking
    @Operation(
            summary = "NAME:predict or NAME:classify, by the served version",
            description =
                    "retrain:predict, row form {\"instances\": [{\"b64\": ...}, ...]}, answers "
                            + "{\"predictions\": [{\"scores\": [...], \"labels\": [...]}, ...]}; column form {\"inputs\": "
                            + "{\"image\": {\"b64\": ...}}} (or a list of them) answers {\"outputs\": {\"scores\": [[...]], "
                            + "\"labels\": [...]}}. retrain:classify, {\"examples\": [{\"image\": {\"b64\": ...}}]}, answers "
                            + "{\"result\": [[[\"daisy\", 0.93], [\"roses\", 0.04], ...], ...]}: every class, most likely first.")
    @RequestBody(
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            examples = {
                                @ExampleObject(name = ":predict, rows", value = PREDICT_EXAMPLE),
                                @ExampleObject(name = ":predict, columns", value = COLUMNS_EXAMPLE),
                                @ExampleObject(name = ":classify", value = CLASSIFY_EXAMPLE)
                            }))
    public CompletionStage<Response> call(
            @Parameter(description = "the model name and the method, e.g. retrain:predict", example = "retrain:predict")
                    @RestPath
                    String call,
            byte[] body) {
        return call(null, call, body);
    }

    @POST
    @Path("{name}/versions/{call}")
    @Consumes(MediaType.WILDCARD)
    @Blocking
    @Operation(summary = "VERSION:predict or VERSION:classify: as NAME:predict and NAME:classify, by this version")
    @RequestBody(
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            examples = @ExampleObject(name = ":predict, rows", value = PREDICT_EXAMPLE)))
    public CompletionStage<Response> call(
            @RestPath String name,
            @Parameter(description = "the version and the method, e.g. 2:predict", example = "2:predict") @RestPath
                    String call,
            byte[] body) {
        int colon = call.lastIndexOf(':');
        String target = colon < 0 ? call : call.substring(0, colon);
        String method = colon < 0 ? "" : call.substring(colon + 1);
        String model = name == null ? target : name;
        String version = name == null ? null : target;
        return switch (method) {
            case "predict" -> Protocols.score(
                    classification,
                    modelName,
                    model,
                    version,
                    () -> TfServing.Predict.parse(json, body),
                    TfServing.Predict::images,
                    (request, scored) -> Response.ok(request.response(scored)).build());
            case "classify" -> Protocols.score(
                    classification,
                    modelName,
                    model,
                    version,
                    () -> TfServing.classifyExamples(json, body),
                    images -> images,
                    (images, scored) ->
                            Response.ok(TfServing.classifyResponse(scored)).build());
            default -> CompletableFuture.completedFuture(Protocols.error(Failure.notFound("Unknown method '" + call
                    + "': POST /v1/models/" + modelName + ":predict or :classify (or /versions/V:predict, "
                    + "/versions/V:classify)")));
        };
    }
}
