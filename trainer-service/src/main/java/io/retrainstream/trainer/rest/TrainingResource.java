package io.retrainstream.trainer.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.retrainstream.common.quarkus.AdminToken;
import io.retrainstream.trainer.service.ExtractionBarrier;
import io.retrainstream.trainer.service.RunBarrier;
import io.retrainstream.trainer.service.RunInProgressException;
import io.retrainstream.trainer.service.TrainingRefusedException;
import io.retrainstream.trainer.service.TrainingRun;
import io.retrainstream.trainer.service.TrainingService;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Starts, cancels and reports on training runs. Starting and cancelling need the admin token when one is set. */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Training runs")
public class TrainingResource {

    /** The trainer's own option of a requested run: false trains on the bottlenecks there are, without waiting. */
    static final String WAIT_FOR_EXTRACTION = "wait_for_extraction";

    private final TrainingService training;
    private final ExtractionBarrier extraction;
    /** Quarkus's configured mapper, for the optional body that JAX-RS cannot bind (see {@link #train}). */
    private final ObjectMapper json;

    public TrainingResource(TrainingService training, ExtractionBarrier extraction, ObjectMapper json) {
        this.training = training;
        this.extraction = extraction;
        this.json = json;
    }

    /**
     * Starts a run: 202 with the run, 400 naming an unknown option or bad value, 409 when one is in progress, 415 for
     * a body that is not {@code application/json}, 422 when the data cannot make a model, 503 when Kafka cannot say
     * which photos the run must wait for. The run first waits for the photos published before the request
     * ({@link ExtractionBarrier}; {@code {"wait_for_extraction": false}} trains on what there is now). The optional JSON body
     * overrides parameters by {@code retrain.py} name, e.g. {@code {"how_many_training_steps": 500, "mode":
     * "retrain"}}; no body at all (and no content type) means the configured defaults. JAX-RS cannot say "JSON, or
     * nothing", hence the check here rather than {@code @Consumes}.
     */
    @POST
    @Path("train")
    @Consumes(MediaType.WILDCARD)
    @RolesAllowed(AdminToken.ROLE)
    @Operation(
            summary =
                    "Start a training run (admin): optional JSON body of retrain.py options, e.g. {\"how_many_training_steps\": 500}")
    public Response train(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType, String body) {
        boolean empty = body == null || body.isEmpty();
        if (!(empty && contentType == null) && !isJson(contentType)) {
            return Response.status(Response.Status.UNSUPPORTED_MEDIA_TYPE)
                    .entity(Map.of(
                            "message",
                            "POST /train takes a JSON object of training options as application/json, or no body at all; got "
                                    + (contentType == null ? "a body without a content type" : contentType)))
                    .build();
        }
        Map<String, Object> options;
        try {
            options = empty ? Map.of() : json.readValue(body, new TypeReference<Map<String, Object>>() {});
        } catch (JsonProcessingException e) {
            return Response.status(Response.Status.BAD_REQUEST)
                    .entity(Map.of(
                            "message", "The body must be a JSON object of training options: " + e.getOriginalMessage()))
                    .build();
        }
        if (options == null) {
            return Response.status(Response.Status.BAD_REQUEST)
                    .entity(Map.of("message", "The body must be a JSON object of training options, got null"))
                    .build();
        }
        try {
            options = new HashMap<>(options);
            Object wait = options.remove(WAIT_FOR_EXTRACTION);
            Optional<RunBarrier> barrier = waitForExtraction(wait) ? extraction.begin() : Optional.empty();
            TrainingRun run = training.start(TrainingRun.Trigger.REQUEST, options, barrier);
            return Response.accepted(run.view(0))
                    .header("Location", "/runs/" + run.runId())
                    .build();
        } catch (RunInProgressException e) {
            return Response.status(Response.Status.CONFLICT)
                    .entity(Map.of("message", e.getMessage(), "runId", e.runId()))
                    .build();
        } catch (TrainingRefusedException e) {
            return Response.status(422)
                    .entity(Map.of("message", e.getMessage()))
                    .build();
        } catch (IllegalArgumentException e) {
            return Response.status(Response.Status.BAD_REQUEST)
                    .entity(Map.of("message", e.getMessage()))
                    .build();
        } catch (IllegalStateException e) {
            return Response.status(Response.Status.SERVICE_UNAVAILABLE)
                    .entity(Map.of("message", e.getMessage()))
                    .build();
        }
    }

    /**
     * Whether a requested run first waits for the photos published before it ({@code trainer.extraction-wait.*}),
     * as its {@value #WAIT_FOR_EXTRACTION} option says, else as configured.
     */
    private boolean waitForExtraction(Object option) {
        if (option == null) {
            return extraction.enabled();
        }
        if (option instanceof Boolean flag) {
            return flag;
        }
        String text = String.valueOf(option).trim();
        if (text.equals("true") || text.equals("false")) {
            return Boolean.parseBoolean(text);
        }
        throw new IllegalArgumentException(WAIT_FOR_EXTRACTION + " must be true or false, got '" + option + "'");
    }

    private static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        try {
            MediaType type = MediaType.valueOf(contentType);
            return !type.isWildcardType()
                    && !type.isWildcardSubtype()
                    && MediaType.APPLICATION_JSON_TYPE.isCompatible(type);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Cancels a running run: 200 with the run once it has stopped ({@code CANCELLED}; it stops before its next
     * training step, so within a second), 202 if it is still stopping after {@code TrainingService.CANCEL_WAIT}, 404
     * for an unknown run, 409 when it has ended already or is publishing its model.
     */
    @DELETE
    @Path("runs/{runId}")
    @RolesAllowed(AdminToken.ROLE)
    @Operation(summary = "Cancel a run (admin): it ends CANCELLED within a second and publishes nothing")
    public Response cancel(@PathParam("runId") long runId) throws InterruptedException {
        TrainingRun.CancelOutcome outcome =
                training.cancel(runId).orElseThrow(() -> new NotFoundException("No run " + runId));
        TrainingRun.View view = training.run(runId)
                .orElseThrow(() -> new NotFoundException("No run " + runId))
                .view(Integer.MAX_VALUE);
        if (outcome == TrainingRun.CancelOutcome.PUBLISHING) {
            return conflict(runId, "is publishing its model: too late to cancel", view);
        }
        if (outcome == TrainingRun.CancelOutcome.FINISHED) {
            return conflict(runId, "has ended already: " + view.status(), view);
        }
        return switch (view.status()) {
            case CANCELLED -> Response.ok(view).build();
            case RUNNING -> Response.accepted(view).build();
            default -> conflict(runId, "has ended already: " + view.status(), view);
        };
    }

    private static Response conflict(long runId, String what, TrainingRun.View view) {
        return Response.status(Response.Status.CONFLICT)
                .entity(Map.of("message", "Run " + runId + " " + what, "runId", runId, "status", view.status()))
                .build();
    }

    /** All recent runs, without their log lines. */
    @GET
    @Path("runs")
    @Operation(summary = "The training runs with their progress")
    public List<TrainingRun.View> runs() {
        return training.runs().stream().map(run -> run.view(Integer.MAX_VALUE)).toList();
    }

    /** One run with its log lines from {@code from} on (to follow a run, pass the number of lines already read). */
    @GET
    @Path("runs/{runId}")
    @Operation(summary = "One run with its progress lines from line N on, and its report once it succeeded")
    public TrainingRun.View run(@PathParam("runId") long runId, @QueryParam("from") int from) {
        return training.run(runId)
                .orElseThrow(() -> new NotFoundException("No run " + runId))
                .view(from);
    }
}
