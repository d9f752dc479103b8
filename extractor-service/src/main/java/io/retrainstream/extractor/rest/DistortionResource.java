package io.retrainstream.extractor.rest;

import java.util.Map;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import io.retrainstream.common.tf.DistortionRequest;
import io.retrainstream.common.tf.FeatureRows;
import io.retrainstream.common.tf.ImageDecodeException;
import io.retrainstream.extractor.service.DistortionService;
import io.smallrye.common.annotation.Blocking;

/**
 * {@code POST /distorted-bottlenecks}: the bottlenecks of freshly distorted copies of stored images, as
 * {@link FeatureRows} binary; 400 for bad values, 404 naming images the store does not hold.
 */
@Path("/distorted-bottlenecks")
public class DistortionResource {

    private final DistortionService distortions;

    public DistortionResource(DistortionService distortions) {
        this.distortions = distortions;
    }

    @POST
    @Blocking
    @Consumes(MediaType.APPLICATION_JSON)
    public Response distort(DistortionRequest request) {
        if (request == null) {
            return error(Response.Status.BAD_REQUEST, "The body must be a JSON distortion request");
        }
        try {
            float[][] rows = distortions.distort(request);
            int size = rows.length == 0 ? 0 : rows[0].length;
            return Response.ok(FeatureRows.encode(rows, size), FeatureRows.MEDIA_TYPE).build();
        } catch (DistortionService.MissingImagesException e) {
            return error(Response.Status.NOT_FOUND, e.getMessage());
        } catch (UnsupportedOperationException e) {
            return error(Response.Status.BAD_REQUEST, e.getMessage());
        } catch (ImageDecodeException | IllegalArgumentException e) {
            return error(Response.Status.BAD_REQUEST, e.getMessage());
        }
    }

    private static Response error(Response.Status status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(Map.of("message", message)).build();
    }
}
