package io.retrainstream.trainer.rest;

import java.util.List;
import java.util.Map;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.retrainstream.common.quarkus.AdminToken;
import io.retrainstream.trainer.service.RunInProgressException;
import io.retrainstream.trainer.service.TrainingRefusedException;
import io.retrainstream.trainer.service.TrainingRun;
import io.retrainstream.trainer.service.TrainingService;

/** Starts training runs and reports on them; starting one needs the admin token when one is set. */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public class TrainingResource {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final TrainingService training;

    public TrainingResource(TrainingService training) {
        this.training = training;
    }

    /**
     * Starts a run: 202 with the run, 400 naming an unknown option or bad value, 409 when one is in progress, 422
     * when the data cannot make a model. The optional JSON body overrides parameters by {@code retrain.py} name,
     * e.g. {@code {"how_many_training_steps": 500, "mode": "retrain"}}.
     */
    @POST
    @Path("train")
    @Consumes(MediaType.WILDCARD)
    @RolesAllowed(AdminToken.ROLE)
    public Response train(String body) {
        Map<String, Object> options;
        try {
            options = body == null || body.isBlank() ? Map.of()
                    : JSON.readValue(body, new TypeReference<Map<String, Object>>() { });
        } catch (JsonProcessingException e) {
            return Response.status(Response.Status.BAD_REQUEST).entity(Map.of("message",
                    "The body must be a JSON object of training options: " + e.getOriginalMessage())).build();
        }
        try {
            TrainingRun run = training.start(TrainingRun.Trigger.REQUEST, options);
            return Response.accepted(run.view(0)).header("Location", "/runs/" + run.runId()).build();
        } catch (RunInProgressException e) {
            return Response.status(Response.Status.CONFLICT)
                    .entity(Map.of("message", e.getMessage(), "runId", e.runId())).build();
        } catch (TrainingRefusedException e) {
            return Response.status(422).entity(Map.of("message", e.getMessage())).build();
        } catch (IllegalArgumentException e) {
            return Response.status(Response.Status.BAD_REQUEST).entity(Map.of("message", e.getMessage())).build();
        }
    }

    /** All recent runs, without their log lines. */
    @GET
    @Path("runs")
    public List<TrainingRun.View> runs() {
        return training.runs().stream().map(run -> run.view(Integer.MAX_VALUE)).toList();
    }

    /** One run with its log lines from {@code from} on (to follow a run, pass the number of lines already read). */
    @GET
    @Path("runs/{runId}")
    public TrainingRun.View run(@PathParam("runId") long runId, @QueryParam("from") int from) {
        return training.run(runId).orElseThrow(() -> new NotFoundException("No run " + runId)).view(from);
    }
}
