package io.retrainstream.trainer.service;

import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import io.retrainstream.trainer.config.TrainerConfig;
import io.retrainstream.trainer.data.LabelledBottleneck;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Duration;
import java.util.AbstractList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The photo of an image id the trainer has a bottleneck of, for the web console's thumbnails of misclassified test
 * photos: the trainer knows the SHA-256 of its bytes, the extractor's image store keeps the bytes by it.
 */
@ApplicationScoped
public class StoredPhotos {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** A photo's bytes and its content type as the extractor sent it. */
    public record Photo(byte[] bytes, String contentType) {}

    /** The extractor could not be asked for a photo, or failed; the message says which and where. */
    public static final class PhotoUnavailableException extends RuntimeException {
        PhotoUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final BottleneckStore store;
    private final String extractorUrl;
    private final ExtractorApi extractor;

    @Inject
    public StoredPhotos(BottleneckStore store, TrainerConfig config) {
        this.store = store;
        this.extractorUrl = config.extractorUrl().replaceAll("/+$", "");
        this.extractor = QuarkusRestClientBuilder.newBuilder()
                .baseUri(URI.create(extractorUrl))
                .connectTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .build(ExtractorApi.class);
    }

    /**
     * The photo of {@code imageId}; empty when the trainer has no bottleneck of that id or the extractor's store no
     * longer keeps its bytes.
     *
     * @throws PhotoUnavailableException when the extractor cannot be asked, saying so
     */
    public Optional<Photo> photo(String imageId) {
        // the snapshot is sorted by image id
        List<LabelledBottleneck> images = store.snapshot().headers();
        int index = Collections.binarySearch(
                new AbstractList<String>() {
                    @Override
                    public String get(int i) {
                        return images.get(i).imageId();
                    }

                    @Override
                    public int size() {
                        return images.size();
                    }
                },
                imageId);
        if (index < 0) {
            return Optional.empty();
        }
        String hash = images.get(index).contentHash();
        try (Response response = extractor.image(hash)) {
            if (response.getStatus() == Response.Status.NOT_FOUND.getStatusCode()) {
                return Optional.empty();
            }
            if (response.getStatus() != Response.Status.OK.getStatusCode()) {
                throw new PhotoUnavailableException(
                        "The extractor at " + extractorUrl + " answered " + response.getStatus() + " for image "
                                + imageId,
                        null);
            }
            return Optional.of(
                    new Photo(response.readEntity(byte[].class), response.getHeaderString(HttpHeaders.CONTENT_TYPE)));
        } catch (ProcessingException e) {
            throw new PhotoUnavailableException(
                    "Cannot reach the extractor at " + extractorUrl + " (trainer.extractor-url) for image " + imageId
                            + ": " + e.getMessage(),
                    e);
        } catch (jakarta.ws.rs.WebApplicationException e) {
            if (e.getResponse().getStatus() == Response.Status.NOT_FOUND.getStatusCode()) {
                return Optional.empty();
            }
            throw new PhotoUnavailableException(
                    "The extractor at " + extractorUrl + " answered "
                            + e.getResponse().getStatus() + " for image " + imageId,
                    e);
        }
    }

    @PreDestroy
    void close() throws Exception {
        extractor.close();
    }
}
