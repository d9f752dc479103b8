package io.retrainstream.extractor.rest;

import io.retrainstream.common.tf.ImageFormats;
import io.retrainstream.extractor.service.ImageStore;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import java.util.regex.Pattern;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code GET /images/{sha256}}: the bytes of a photo the image store keeps, read-only, for the web console's
 * thumbnails (the trainer asks on its behalf). Only a lower-case SHA-256 names a file, so no request reaches outside
 * the store's folder.
 */
@Path("/images/{hash}")
@Tag(name = "Images")
public class ImageResource {

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final ImageStore store;

    public ImageResource(ImageStore store) {
        this.store = store;
    }

    @GET
    @Blocking
    @Operation(
            summary = "The bytes of a stored photo by the SHA-256 of its bytes (404 when the store does not hold it)")
    public Response image(@PathParam("hash") String hash) {
        if (!SHA256.matcher(hash).matches()) {
            return Response.status(Response.Status.NOT_FOUND)
                    .type(MediaType.APPLICATION_JSON)
                    .entity(Map.of(
                            "message", "A stored photo is named by the SHA-256 of its bytes: 64 lower-case hex digits"))
                    .build();
        }
        return store.get(hash)
                .map(bytes -> Response.ok(bytes, contentType(bytes))
                        .header("Cache-Control", "max-age=86400, immutable")
                        .header("X-Content-Type-Options", "nosniff")
                        .build())
                .orElseGet(() -> Response.status(Response.Status.NOT_FOUND)
                        .type(MediaType.APPLICATION_JSON)
                        .entity(
                                Map.of(
                                        "message",
                                        "The image store does not hold " + hash
                                                + " (never extracted here, or evicted: retrain.extractor.image-store-max-bytes)"))
                        .build());
    }

    private static String contentType(byte[] bytes) {
        return ImageFormats.sniff(bytes).map(format -> "image/" + format).orElse(MediaType.APPLICATION_OCTET_STREAM);
    }
}
