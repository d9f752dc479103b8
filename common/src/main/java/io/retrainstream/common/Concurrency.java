package io.retrainstream.common;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** What the services' concurrent code shares: named daemon threads, and the failure a future's wrapper hides. */
public final class Concurrency {

    private Concurrency() {}

    /** Daemon threads named {@code name-1}, {@code name-2}, …: they never keep a stopping service alive. */
    public static ThreadFactory daemonThreads(String name) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** {@link #daemonThreads(String)} whose threads report a failure that ends them to {@code onDeath}. */
    public static ThreadFactory daemonThreads(String name, Thread.UncaughtExceptionHandler onDeath) {
        ThreadFactory threads = daemonThreads(name);
        return runnable -> {
            Thread thread = threads.newThread(runnable);
            thread.setUncaughtExceptionHandler(onDeath);
            return thread;
        };
    }

    /** The failure inside a {@link CompletionException} or {@link ExecutionException}, else {@code failure} itself. */
    public static Throwable cause(Throwable failure) {
        return (failure instanceof CompletionException || failure instanceof ExecutionException)
                        && failure.getCause() != null
                ? failure.getCause()
                : failure;
    }

    /** A task's failure to rethrow: its {@link RuntimeException} as it is, anything else wrapped. */
    public static RuntimeException unchecked(ExecutionException failure) {
        Throwable cause = cause(failure);
        return cause instanceof RuntimeException runtime ? runtime : new IllegalStateException(cause);
    }
}
