package io.retrainstream.extractor.rest;

import io.retrainstream.common.RequestLimits;
import io.retrainstream.common.quarkus.AdminToken;
import io.retrainstream.common.tf.DistortionRequest;
import io.retrainstream.common.tf.FeatureRows;
import io.retrainstream.common.tf.ImageDecodeException;
import io.retrainstream.extractor.service.DistortionService;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code POST /distorted-bottlenecks}: the bottlenecks of freshly distorted copies of stored images, as
 * {@link FeatureRows} binary. It runs the CNN on request, so it needs the admin token when one is set (the trainer
 * sends it); takes {@code application/json} only (415 otherwise); 400 for a bad value or one beyond
 * {@link RequestLimits}, 404 naming images the store does not hold.
 */
@Path("/distorted-bottlenecks")
@Tag(name = "Distorted bottlenecks")
public class DistortionResource {

    private final DistortionService distortions;

    public DistortionResource(DistortionService distortions) {
        this.distortions = distortions;
    }

    @POST
    @Blocking
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(AdminToken.ROLE)
    @Operation(
            summary =
                    "Features of freshly distorted copies of stored images (admin): JSON request in, little-endian float32 rows out")
    public Response distort(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType, DistortionRequest request) {
        if (contentType == null) {
            // JAX-RS lets a body without a content type through to an @Consumes(JSON) method.
            return error(Response.Status.UNSUPPORTED_MEDIA_TYPE, "The body must be application/json");
        }
        if (request == null) {
            return error(Response.Status.BAD_REQUEST, "The body must be a JSON distortion request");
        }
        String beyond = beyondLimits(request);
        if (beyond != null) {
            return error(Response.Status.BAD_REQUEST, beyond);
        }
        try {
            float[][] rows = distortions.distort(request);
            int size = rows.length == 0 ? 0 : rows[0].length;
            return Response.ok(FeatureRows.encode(rows, size), FeatureRows.MEDIA_TYPE)
                    .build();
        } catch (DistortionService.MissingImagesException e) {
            return error(Response.Status.NOT_FOUND, e.getMessage());
        } catch (UnsupportedOperationException e) {
            return error(Response.Status.BAD_REQUEST, e.getMessage());
        } catch (ImageDecodeException | IllegalArgumentException e) {
            return error(Response.Status.BAD_REQUEST, e.getMessage());
        }
    }

    /** What in the request is beyond the bounds of one request's work, or null. */
    private static String beyondLimits(DistortionRequest request) {
        if (request.images() != null && request.images().size() > RequestLimits.MAX_DISTORTED_IMAGES) {
            return "images must list at most " + RequestLimits.MAX_DISTORTED_IMAGES + " images, got "
                    + request.images().size();
        }
        if (request.randomCrop() > RequestLimits.MAX_DISTORTION_PERCENT) {
            return "random_crop must be from 0 to " + RequestLimits.MAX_DISTORTION_PERCENT + ", got "
                    + request.randomCrop();
        }
        if (request.randomScale() > RequestLimits.MAX_DISTORTION_PERCENT) {
            return "random_scale must be from 0 to " + RequestLimits.MAX_DISTORTION_PERCENT + ", got "
                    + request.randomScale();
        }
        return null;
    }

    private static Response error(Response.Status status, String message) {
        return Response.status(status)
                .type(MediaType.APPLICATION_JSON)
                .entity(Map.of("message", message))
                .build();
    }
}
