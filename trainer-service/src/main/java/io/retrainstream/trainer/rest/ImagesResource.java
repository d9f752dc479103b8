package io.retrainstream.trainer.rest;

import io.retrainstream.common.Labels;
import io.retrainstream.common.kafka.ImageRecords;
import io.retrainstream.common.quarkus.AdminToken;
import io.retrainstream.common.tf.ImageDecodeException;
import io.retrainstream.common.tf.ImageLimits;
import io.retrainstream.common.tf.ImageTooLargeException;
import io.retrainstream.trainer.config.ConsoleConfig;
import io.retrainstream.trainer.messaging.ImagePublisher;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.multipart.FileUpload;

/**
 * Photos added to a class from the web console: each becomes an ordinary image event on {@code images}, exactly as
 * {@code ./retrain publish} makes it, so the extractor, the trainer's continuous runs and the classifier pick it up as
 * any other. Every photo is checked before any is published: one bad photo publishes none.
 */
@Path("/images")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Images")
public class ImagesResource {

    /** What was published: the class the extractor learns it as, and the image id of each photo, in order. */
    public record Published(String label, String className, int published, List<String> imageIds) {}

    private final ImagePublisher publisher;
    private final ConsoleConfig config;

    public ImagesResource(ImagePublisher publisher, ConsoleConfig config) {
        this.publisher = publisher;
        this.config = config;
    }

    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @RolesAllowed(AdminToken.ROLE)
    @Operation(
            summary = "Add photos to a class (admin): multipart files, each published as an image event on 'images' "
                    + "as ./retrain publish does; 202 with their image ids, 400/413 naming a bad photo and nothing "
                    + "published")
    public Response add(@RestQuery String label, @RestForm(FileUpload.ALL) List<FileUpload> files) {
        String checked;
        try {
            checked = ImageRecords.checkLabel(label);
        } catch (IllegalArgumentException e) {
            return error(Response.Status.BAD_REQUEST, e.getMessage());
        }
        if (files == null || files.isEmpty()) {
            return error(
                    Response.Status.BAD_REQUEST,
                    "No photo in the request: send them as multipart/form-data file fields (any field name, e.g. "
                            + "curl -F image=@daisy.jpg)");
        }
        if (files.size() > config.maxUploadImages()) {
            return error(
                    Response.Status.REQUEST_ENTITY_TOO_LARGE,
                    files.size() + " photos in one request; at most " + config.maxUploadImages()
                            + " are taken (retrain.console.max-upload-images): send them in several requests");
        }
        ImageLimits limits = new ImageLimits(config.maxImagePixels());
        List<ImagePublisher.Photo> photos = new ArrayList<>(files.size());
        for (int i = 0; i < files.size(); i++) {
            FileUpload file = files.get(i);
            String fileName = ImageRecords.safeFileName(file.fileName(), "upload-" + (i + 1) + ".jpg");
            String refused = "Nothing was published: " + fileName + " (file " + (i + 1) + " of " + files.size() + ") ";
            try {
                long size = Files.size(file.uploadedFile());
                if (size == 0) {
                    return error(Response.Status.BAD_REQUEST, refused + "is empty");
                }
                if (size > ImageRecords.MAX_IMAGE_BYTES) {
                    return error(
                            Response.Status.REQUEST_ENTITY_TOO_LARGE,
                            refused + "has " + size + " bytes, more than the " + ImageRecords.MAX_IMAGE_BYTES
                                    + " an image event can hold");
                }
                byte[] bytes = Files.readAllBytes(file.uploadedFile());
                limits.checkPixels(bytes);
                photos.add(new ImagePublisher.Photo(checked, fileName, bytes));
            } catch (ImageTooLargeException e) {
                return error(Response.Status.REQUEST_ENTITY_TOO_LARGE, refused + "is too large: " + e.getMessage());
            } catch (ImageDecodeException e) {
                return error(
                        Response.Status.BAD_REQUEST,
                        refused + "is not an image the extractor can read (JPEG, PNG, GIF or BMP): " + e.getMessage());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        try {
            List<String> ids = publisher.publish(photos);
            return Response.status(Response.Status.ACCEPTED)
                    .entity(new Published(checked, Labels.normalize(checked).trim(), ids.size(), ids))
                    .build();
        } catch (IllegalStateException e) {
            return error(Response.Status.SERVICE_UNAVAILABLE, e.getMessage());
        }
    }

    private static Response error(Response.Status status, String message) {
        return Response.status(status).entity(Map.of("message", message)).build();
    }
}
