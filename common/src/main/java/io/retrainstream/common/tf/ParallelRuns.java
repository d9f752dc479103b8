package io.retrainstream.common.tf;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.proto.ConfigProto;

/**
 * How a session uses the cores: {@code runs} graph runs at once, each op on one thread, or with {@code 1} one run at
 * a time with each op spread over all cores (TensorFlow's default).
 *
 * <p>For the MobileNet CNNs on 2 cores, one thread per op and a run per core measured best: one image takes as long
 * on one thread as on two, so two runs at once process ~1.2x the images/s of one batch-32 run over both cores, and
 * lose only their share when another process (the Kafka broker, an HTTP client) takes CPU, where ops split over
 * both cores wait for the slower thread at every op (-30% for a third of a core taken).
 *
 * <p>TensorFlow sizes its process-wide op thread pool from the first session created, so a process should create
 * its first session with the setting it wants for all.
 */
public record ParallelRuns(int runs) {

    /** TensorFlow's default: one run at a time, each op over all cores. */
    public static final ParallelRuns ONE = new ParallelRuns(1);

    public ParallelRuns {
        if (runs < 1) {
            throw new IllegalArgumentException("runs must be at least 1, got " + runs);
        }
    }

    /** One run per core. */
    public static ParallelRuns perCore() {
        return new ParallelRuns(Runtime.getRuntime().availableProcessors());
    }

    /** {@code runs}, or one per core when {@code runs} is 0 (how the services' settings say "default"). */
    public static ParallelRuns orPerCore(int runs) {
        return runs == 0 ? perCore() : new ParallelRuns(runs);
    }

    /**
     * Session options for one thread per op, and TensorFlow's default number of ops at once. For small ops, such as
     * training a softmax head, splitting each op over the cores costs more than it gains: {@code retrain.py}'s default
     * run took 0.99-1.14 s this way against 1.31-1.60 s with TensorFlow's defaults (2 cores, same accuracy).
     */
    public static ConfigProto oneThreadPerOp() {
        return ConfigProto.newBuilder().setIntraOpParallelismThreads(1).build();
    }

    /** The session options: TensorFlow's defaults for one run, else one thread per op and a thread per run. */
    public ConfigProto sessionConfig() {
        if (runs == 1) {
            return ConfigProto.getDefaultInstance();
        }
        return ConfigProto.newBuilder()
                .setIntraOpParallelismThreads(1)
                .setInterOpParallelismThreads(runs)
                .build();
    }

    /** {@code items} cut into at most {@code runs} consecutive parts of near-equal size, none empty. */
    public <T> List<List<T>> split(List<T> items) {
        int parts = Math.min(runs, items.size());
        List<List<T>> split = new ArrayList<>(parts);
        int start = 0;
        for (int part = 0; part < parts; part++) {
            int end = start + (items.size() - start) / (parts - part);
            split.add(items.subList(start, end));
            start = end;
        }
        return split;
    }
}
