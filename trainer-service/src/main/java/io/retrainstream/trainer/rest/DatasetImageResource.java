package io.retrainstream.trainer.rest;

import io.retrainstream.trainer.service.StoredPhotos;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestQuery;

/**
 * {@code GET /dataset/image?id=IMAGE_ID}: the photo of an image the trainer learns from, read-only (the web console's
 * thumbnails of misclassified test photos). The bytes come from the extractor's image store, by the SHA-256 the
 * trainer has for that id; the id is only looked up, never used as a path.
 */
@Path("/dataset/image")
@Tag(name = "Dataset")
public class DatasetImageResource {

    private final StoredPhotos photos;

    public DatasetImageResource(StoredPhotos photos) {
        this.photos = photos;
    }

    @GET
    @Operation(
            summary = "The photo of an image id of the dataset (404 for an unknown id or one the extractor's store no "
                    + "longer keeps; 503 when the extractor cannot be asked)")
    public Response image(@RestQuery String id) {
        if (id == null || id.isBlank()) {
            return error(
                    Response.Status.BAD_REQUEST,
                    "Name the image: ?id=IMAGE_ID, e.g. ?id=daisy/5547758_eea9edfd54_n.jpg");
        }
        try {
            return photos.photo(id)
                    .map(photo -> Response.ok(photo.bytes(), photo.contentType())
                            .header("Cache-Control", "max-age=3600")
                            .header("X-Content-Type-Options", "nosniff")
                            .build())
                    .orElseGet(() -> error(
                            Response.Status.NOT_FOUND,
                            "No photo of image '" + id + "': the trainer has no bottleneck of it, or the extractor's "
                                    + "image store no longer keeps it"));
        } catch (StoredPhotos.PhotoUnavailableException e) {
            return error(Response.Status.SERVICE_UNAVAILABLE, e.getMessage());
        }
    }

    private static Response error(Response.Status status, String message) {
        return Response.status(status)
                .type(MediaType.APPLICATION_JSON)
                .entity(Map.of("message", message))
                .build();
    }
}
