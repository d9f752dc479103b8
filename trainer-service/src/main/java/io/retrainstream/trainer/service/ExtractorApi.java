package io.retrainstream.trainer.service;

import io.retrainstream.common.tf.DistortionRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** The extractor's HTTP API as the trainer calls it, a MicroProfile REST Client built by {@link DistortionClient}. */
@Path("/")
public interface ExtractorApi extends AutoCloseable {

    /**
     * The bottlenecks of distorted images: compact little-endian float32 rows ({@code FeatureRows}), one per
     * requested image. {@code authorization} is the admin token's header value, or null to send none.
     */
    @POST
    @Path("distorted-bottlenecks")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.WILDCARD)
    Response distortedBottlenecks(
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, DistortionRequest request);

    /** The bytes of a photo the extractor's image store keeps, by the SHA-256 of its bytes (read-only, open). */
    @GET
    @Path("images/{hash}")
    @Produces(MediaType.WILDCARD)
    Response image(@PathParam("hash") String hash);
}
