package io.retrainstream.classifier.model;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The model being served. A new model replaces the old one atomically; requests already running on the old one
 * finish on it, and it is closed after the last of them.
 */
@ApplicationScoped
public class ModelHolder {

    private final AtomicReference<ServingModel> current = new AtomicReference<>();

    public Optional<ServingModel> current() {
        return Optional.ofNullable(current.get());
    }

    /** Runs {@code call} on the current model, or returns empty when there is none yet. */
    public <T> Optional<T> withModel(Function<ServingModel, T> call) {
        while (true) {
            ServingModel model = current.get();
            if (model == null) {
                return Optional.empty();
            }
            if (model.acquire()) {
                try {
                    return Optional.of(call.apply(model));
                } finally {
                    model.release();
                }
            }
            // Swapped out between get() and acquire(): the next read sees its successor.
        }
    }

    /**
     * Starts {@code call} on the current model, which stays open until the future {@code call} returns completes; empty
     * when there is no model yet.
     */
    public <T> Optional<CompletableFuture<T>> withModelAsync(Function<ServingModel, CompletableFuture<T>> call) {
        return withModelAsync(model -> true, call);
    }

    /** {@link #withModelAsync(Function)} when the current model is {@code version}; empty when it is not. */
    public <T> Optional<CompletableFuture<T>> withModelAsync(
            long version, Function<ServingModel, CompletableFuture<T>> call) {
        return withModelAsync(model -> model.version() == version, call);
    }

    private <T> Optional<CompletableFuture<T>> withModelAsync(
            Predicate<ServingModel> wanted, Function<ServingModel, CompletableFuture<T>> call) {
        while (true) {
            ServingModel model = current.get();
            if (model == null || !wanted.test(model)) {
                return Optional.empty();
            }
            if (model.acquire()) {
                return Optional.of(ServingModel.callReleasing(model, call));
            }
        }
    }

    /** Serves {@code model} from now on and retires the one it replaces. */
    public void swap(ServingModel model) {
        ServingModel previous = current.getAndSet(model);
        if (previous != null) {
            previous.release();
        }
    }

    @PreDestroy
    void close() {
        ServingModel model = current.getAndSet(null);
        if (model != null) {
            model.release();
        }
    }
}
