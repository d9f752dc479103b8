package io.retrainstream.trainer.rest;

import io.retrainstream.common.DataSet;
import io.retrainstream.trainer.service.BottleneckStore;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** What the trainer has to learn from: images per class and set. */
@Path("/dataset")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Dataset")
public class DatasetResource {

    private final BottleneckStore store;

    public DatasetResource(BottleneckStore store) {
        this.store = store;
    }

    /**
     * @param mirrors how many of the images have their mirror view's vector kept (for heads with the mirror view)
     */
    public record Summary(String architecture, int images, Map<String, Map<String, Integer>> classes, int mirrors) {}

    public record ImageEntry(String imageId, String label, String fileName) {}

    public record Listing(String architecture, String set, List<ImageEntry> images) {}

    @GET
    @Operation(summary = "Images per class and set (training, validation, testing)")
    public Summary summary() {
        BottleneckStore.Summary summary = store.summary();
        Map<String, Map<String, Integer>> classes = new LinkedHashMap<>();
        summary.counts().forEach((label, counts) -> {
            Map<String, Integer> bySet = new LinkedHashMap<>();
            for (DataSet set : DataSet.values()) {
                bySet.put(set.id(), counts.getOrDefault(set, 0));
            }
            classes.put(label, bySet);
        });
        return new Summary(summary.architecture(), summary.images(), classes, summary.mirrors());
    }

    /** The images of one set: {@code training}, {@code validation} or {@code testing}. */
    @GET
    @Path("{set}")
    @Operation(summary = "The images of one set: training, validation or testing (404 for another name)")
    public Listing images(@PathParam("set") String set) {
        DataSet dataSet;
        try {
            dataSet = DataSet.valueOf(set.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new NotFoundException("No set '" + set + "': use training, validation or testing");
        }
        BottleneckStore.Snapshot snapshot = store.snapshot();
        return new Listing(
                snapshot.architecture(),
                dataSet.id(),
                snapshot.of(dataSet).stream()
                        .map(image -> new ImageEntry(image.imageId(), image.label(), image.fileName()))
                        .toList());
    }
}
