package io.retrainstream.common.tf;

import io.retrainstream.common.Concurrency;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Runs a batch of images, and when an image in it cannot be decoded ({@link ImageDecodeException}, also
 * {@link ImageTooLargeException} and {@link ImageRunException}), runs each image alone, so that only the bad ones
 * fail. A batch that fails for any other reason fails whole. The extractor and the classifier both run their batches
 * through here.
 */
public final class BatchIsolation {

    private BatchIsolation() {}

    /** One image's share of a run: its result, or the failure that was its alone. */
    public record Each<T>(T value, Throwable failure) {
        public boolean failed() {
            return failure != null;
        }
    }

    /**
     * @param each         one per image, in order
     * @param batchFailure why the batch did not run whole (its images then ran one by one); null when it did
     */
    public record Results<T>(List<Each<T>> each, ImageDecodeException batchFailure) {}

    /**
     * Runs {@code images} through {@code run} (one result per image, in order) as one batch, or one by one when the
     * batch fails on an image that cannot be decoded. The future fails, with the failure unwrapped, when the batch
     * fails for another reason.
     */
    public static <I, T> CompletableFuture<Results<T>> runOrIsolate(
            List<I> images, Function<List<I>, CompletableFuture<List<T>>> run) {
        return run.apply(images)
                .thenApply(values -> new Results<>(
                        values.stream().map(value -> new Each<T>(value, null)).toList(), (ImageDecodeException) null))
                .exceptionallyCompose(failure -> {
                    if (!(Concurrency.cause(failure) instanceof ImageDecodeException batchFailure)) {
                        return CompletableFuture.failedFuture(Concurrency.cause(failure));
                    }
                    List<CompletableFuture<Each<T>>> singles = new ArrayList<>(images.size());
                    for (I image : images) {
                        singles.add(run.apply(List.of(image))
                                .handle((values, e) -> e == null
                                        ? new Each<T>(values.get(0), null)
                                        : new Each<T>(null, Concurrency.cause(e))));
                    }
                    return CompletableFuture.allOf(singles.toArray(CompletableFuture[]::new))
                            .thenApply(done -> new Results<>(
                                    singles.stream()
                                            .map(CompletableFuture::join)
                                            .toList(),
                                    batchFailure));
                });
    }
}
