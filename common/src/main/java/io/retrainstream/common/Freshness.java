package io.retrainstream.common;

import java.util.Arrays;

/**
 * How long training images waited from their event until a model that learned from them was published (trainer) or
 * served (classifier).
 *
 * @param images     how many images
 * @param p50Seconds median wait (null without images)
 * @param p95Seconds 95th percentile, nearest rank
 * @param maxSeconds longest wait
 */
public record Freshness(int images, Double p50Seconds, Double p95Seconds, Double maxSeconds) {

    public static final Freshness NONE = new Freshness(0, null, null, null);

    /** From event times (epoch ms) and the moment (epoch ms) the model was published or served. */
    public static Freshness of(long[] eventTimes, long at) {
        double[] seconds = new double[eventTimes.length];
        for (int i = 0; i < eventTimes.length; i++) {
            seconds[i] = Math.max(0, at - eventTimes[i]) / 1000.0;
        }
        return of(seconds);
    }

    /** From waits in seconds, in any order. */
    public static Freshness of(double[] seconds) {
        if (seconds.length == 0) {
            return NONE;
        }
        double[] sorted = seconds.clone();
        Arrays.sort(sorted);
        return new Freshness(sorted.length, quantile(sorted, 0.5), quantile(sorted, 0.95), sorted[sorted.length - 1]);
    }

    private static double quantile(double[] sorted, double q) {
        return sorted[Math.max(0, (int) Math.ceil(q * sorted.length) - 1)];
    }
}
