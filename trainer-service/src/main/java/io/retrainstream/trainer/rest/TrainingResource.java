package io.retrainstream.trainer.rest;

import java.util.List;
import java.util.Map;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import io.retrainstream.trainer.service.RunInProgressException;
import io.retrainstream.trainer.service.TrainingRefusedException;
import io.retrainstream.trainer.service.TrainingRun;
import io.retrainstream.trainer.service.TrainingService;

/** Starts training runs and reports on them. */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public class TrainingResource {

    private final TrainingService training;

    public TrainingResource(TrainingService training) {
        this.training = training;
    }

    /** Starts a run: 202 with the run, 409 when one is in progress, 422 when the data cannot make a model. */
    @POST
    @Path("train")
    public Response train() {
        try {
            TrainingRun run = training.start(TrainingRun.Trigger.REQUEST);
            return Response.accepted(run.view(0)).header("Location", "/runs/" + run.runId()).build();
        } catch (RunInProgressException e) {
            return Response.status(Response.Status.CONFLICT)
                    .entity(Map.of("message", e.getMessage(), "runId", e.runId())).build();
        } catch (TrainingRefusedException e) {
            return Response.status(422).entity(Map.of("message", e.getMessage())).build();
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
