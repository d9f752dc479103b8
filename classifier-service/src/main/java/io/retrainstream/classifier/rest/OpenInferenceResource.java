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
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestPath;

/**
 * The Open Inference Protocol (KServe v2, also spoken by Triton, Seldon MLServer and OpenVINO Model Server) over
 * REST: server and model health and metadata, and inference on one or more images, a {@code BYTES} tensor base64 in
 * JSON or raw with the binary tensor data extension. Errors are {@code {"error": "..."}}.
 */
@Path("/v2")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Open Inference Protocol (KServe v2)")
public class OpenInferenceResource {

    static final String BINARY_HEADER = OpenInference.BINARY_HEADER;

    private static final String INFER_EXAMPLE = "{\"id\": \"42\", \"inputs\": [{\"name\": \"image\", \"shape\": [1], "
            + "\"datatype\": \"BYTES\", \"data\": [\"/9j/4AAQSkZJRgABAQ...\"]}], \"outputs\": [{\"name\": \"scores\"}, "
            + "{\"name\": \"labels\"}]}";

    private final ClassificationService classification;
    private final ModelService models;
    private final String modelName;
    private final ObjectMapper json;

    public OpenInferenceResource(
            ClassificationService classification, ModelService models, ClassifierConfig config, ObjectMapper json) {
        this.classification = classification;
        this.models = models;
        this.modelName = config.classifier().modelName();
        this.json = json;
    }

    @GET
    @Operation(summary = "Server metadata: name, version and the protocol extensions supported")
    public Map<String, Object> server() {
        return Protocols.ordered(
                "name", "retrain-stream classifier", "version", "2", "extensions", List.of(OpenInference.EXTENSION));
    }

    @GET
    @Path("health/live")
    @Operation(summary = "200 while the classifier can classify (its dispatcher and CNN runners are alive)")
    public Response live() {
        boolean live = classification.broken().isEmpty();
        return Response.status(live ? 200 : 503).entity(Map.of("live", live)).build();
    }

    @GET
    @Path("health/ready")
    @Operation(summary = "200 once a model is served, 400 (the protocol's 4xx for false) before")
    public Response ready() {
        boolean ready = models.published(OptionalLong.empty()).isPresent();
        return Response.status(ready ? 200 : 400).entity(Map.of("ready", ready)).build();
    }

    @GET
    @Path("models/{name}")
    @Operation(summary = "The model's metadata: its versions, the image input and the scores and labels outputs")
    public Response metadata(@RestPath String name) {
        return metadata(name, null);
    }

    @GET
    @Path("models/{name}/versions/{version}")
    @Operation(summary = "One version's metadata (its labels make the shape of its outputs)")
    public Response metadata(@RestPath String name, @RestPath String version) {
        return Protocols.describe(
                models,
                modelName,
                name,
                version,
                model -> OpenInference.metadata(modelName, models.addressable(), model));
    }

    @GET
    @Path("models/{name}/ready")
    @Operation(summary = "200 when the model (the served version) can answer; 503 naming what to do before any model")
    public Response modelReady(@RestPath String name) {
        return modelReady(name, null);
    }

    @GET
    @Path("models/{name}/versions/{version}/ready")
    @Operation(summary = "200 when this version can answer (404 naming the versions there are when it cannot)")
    public Response modelReady(@RestPath String name, @RestPath String version) {
        return Protocols.describe(
                models, modelName, name, version, model -> Protocols.ordered("name", modelName, "ready", true));
    }

    @POST
    @Path("models/{name}/infer")
    @Consumes(MediaType.WILDCARD)
    @Blocking
    @Operation(
            summary = "Scores of one or more images by the served version",
            description = "Input 'image': a BYTES tensor of shape [n], each element an encoded image (JPEG, PNG, GIF "
                    + "or BMP), base64 in JSON, or raw after the JSON header with the binary tensor data extension "
                    + "(header Inference-Header-Content-Length, input parameter binary_data_size, each element a "
                    + "4-byte little-endian length and the bytes). Outputs 'scores' (FP32 [n, classes]) and 'labels' "
                    + "(BYTES [classes]); an output with parameter binary_data true comes back raw.")
    @RequestBody(
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            examples = @ExampleObject(name = "one image, base64", value = INFER_EXAMPLE)))
    public CompletionStage<Response> infer(
            @RestPath String name, @RestHeader(BINARY_HEADER) String headerLength, byte[] body) {
        return infer(name, null, headerLength, body);
    }

    @POST
    @Path("models/{name}/versions/{version}/infer")
    @Consumes(MediaType.WILDCARD)
    @Blocking
    @Operation(summary = "Scores of one or more images by this published version (as /v2/models/{name}/infer)")
    @RequestBody(
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            examples = @ExampleObject(name = "one image, base64", value = INFER_EXAMPLE)))
    public CompletionStage<Response> infer(
            @RestPath String name,
            @RestPath String version,
            @RestHeader(BINARY_HEADER) String headerLength,
            byte[] body) {
        return Protocols.score(
                classification,
                modelName,
                name,
                version,
                () -> OpenInference.Request.parse(json, body, headerLength),
                OpenInference.Request::images,
                (request, scored) -> request.response(json, modelName, scored));
    }
}
