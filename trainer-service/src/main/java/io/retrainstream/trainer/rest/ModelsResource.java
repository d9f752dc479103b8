package io.retrainstream.trainer.rest;

import io.retrainstream.common.quarkus.AdminToken;
import io.retrainstream.trainer.service.ModelCatalog;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Published model versions, and pinning one of them (rollback) or following the newest again; pinning needs the
 * admin token when one is set.
 */
@Path("/models")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Models")
public class ModelsResource {

    private final ModelCatalog catalog;

    public ModelsResource(ModelCatalog catalog) {
        this.catalog = catalog;
    }

    @GET
    @Operation(summary = "The published model versions, newest first, and the one classifiers serve")
    public ModelCatalog.Catalog models() {
        return catalog.catalog();
    }

    /** Classifiers serve {@code version} until unpinned; 404 for a version that was never published. */
    @POST
    @Path("{version}/pin")
    @RolesAllowed(AdminToken.ROLE)
    @Operation(summary = "Pin classifiers to a published version (admin; 404 for a version never published)")
    public Response pin(@PathParam("version") long version) {
        try {
            return Response.ok(catalog.pin(version)).build();
        } catch (IllegalArgumentException e) {
            return Response.status(Response.Status.NOT_FOUND)
                    .entity(Map.of("message", e.getMessage()))
                    .build();
        }
    }

    /** Classifiers follow the newest version again. */
    @DELETE
    @Path("pin")
    @RolesAllowed(AdminToken.ROLE)
    @Operation(summary = "Classifiers follow the newest version again (admin)")
    public ModelCatalog.Catalog unpin() {
        return catalog.unpin();
    }
}
