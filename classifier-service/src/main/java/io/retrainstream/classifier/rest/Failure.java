package io.retrainstream.classifier.rest;

import io.quarkus.logging.Log;
import io.retrainstream.classifier.service.ClassificationService;
import io.retrainstream.classifier.service.UnknownVersionException;
import io.retrainstream.common.Concurrency;
import io.retrainstream.common.tf.ImageDecodeException;
import io.retrainstream.common.tf.ImageRunException;
import io.retrainstream.common.tf.ImageTooLargeException;
import jakarta.ws.rs.core.Response;

/**
 * Why a request failed, as an HTTP status and a message saying what to do: one mapping for every API of the
 * classifier, each of which wraps it in its own error shape.
 *
 * @param retryAfterSeconds for a 503 of an overloaded classifier, the {@code Retry-After}; 0 otherwise
 */
public record Failure(Response.Status status, String message, int retryAfterSeconds) {

    /** The reply when no model has been published yet. */
    public static final Failure NO_MODEL = new Failure(
            Response.Status.SERVICE_UNAVAILABLE,
            "No model has been published yet: publish labelled images to topic 'images' and train one (./retrain "
                    + "train --wait), then try again",
            0);

    public static Failure badRequest(String message) {
        return new Failure(Response.Status.BAD_REQUEST, message, 0);
    }

    public static Failure notFound(String message) {
        return new Failure(Response.Status.NOT_FOUND, message, 0);
    }

    /**
     * A failed classification: a version that cannot be served (404, naming those that can), an image over the pixel
     * budget (413), the client's fault (400), too busy (503 with {@code Retry-After}), else ours (500, also when
     * TensorFlow failed on the image for want of memory).
     */
    public static Failure of(Throwable thrown) {
        Throwable failure = Concurrency.cause(thrown);
        if (failure instanceof UnknownVersionException) {
            return notFound(failure.getMessage());
        }
        if (failure instanceof ImageTooLargeException) {
            return new Failure(Response.Status.REQUEST_ENTITY_TOO_LARGE, "Image too large: " + failure.getMessage(), 0);
        }
        if (failure instanceof ImageRunException) {
            Log.warnf("Classifying an image failed: %s", failure.getMessage());
            return new Failure(Response.Status.INTERNAL_SERVER_ERROR, "Classifying failed: " + failure.getMessage(), 0);
        }
        if (failure instanceof ImageDecodeException) {
            return badRequest("Not a decodable image: " + failure.getMessage());
        }
        if (failure instanceof ClassificationService.OverloadedException) {
            return new Failure(
                    Response.Status.SERVICE_UNAVAILABLE,
                    failure.getMessage(),
                    ClassificationService.RETRY_AFTER_SECONDS);
        }
        Log.errorf(failure, "Classifying failed");
        return new Failure(Response.Status.INTERNAL_SERVER_ERROR, "Classifying failed: " + failure.getMessage(), 0);
    }

    /** The reply with {@code body} (the API's error shape for {@link #message()}), as JSON. */
    public Response response(Object body) {
        Response.ResponseBuilder reply =
                Response.status(status).entity(body).type(jakarta.ws.rs.core.MediaType.APPLICATION_JSON);
        if (retryAfterSeconds > 0) {
            reply.header("Retry-After", retryAfterSeconds);
        }
        return reply.build();
    }
}
