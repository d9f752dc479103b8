package io.retrainstream.trainer.rest;

import io.retrainstream.trainer.config.ConsoleConfig;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** What the web console's page (served at {@code /console/}) needs to know beyond the trainer's own endpoints. */
@Path("/console/config")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Console")
public class ConsoleResource {

    /** @param classifierUrl the classifier the page sends photos to, as the browser reaches it */
    public record Settings(String classifierUrl) {}

    private final ConsoleConfig config;

    public ConsoleResource(ConsoleConfig config) {
        this.config = config;
    }

    @GET
    @Operation(
            summary = "The web console's settings: the classifier URL its page calls (retrain.console.classifier-url)")
    public Settings settings() {
        return new Settings(config.classifierUrl().replaceAll("/+$", ""));
    }
}
