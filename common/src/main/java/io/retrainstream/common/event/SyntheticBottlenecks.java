package io.retrainstream.common.event;

import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Bottleneck events that no CNN computed, for measuring how the trainer grows with the data: {@code classes} classes,
 * each a Gaussian cloud around its own random centre (so a linear head separates them, though not perfectly), in the
 * project's own event frame with both vectors at the given widths. Event {@code i} is the same on every call and every
 * machine (it depends on the seed and {@code i} only), so a benchmark can produce any range of a large set in pieces.
 */
public final class SyntheticBottlenecks {

    /** What the events claim computed them, so that they never mix with a real CNN's bottlenecks. */
    public static final String ARCHITECTURE = "synthetic";

    private final List<String> labels;
    private final float[][] centres;
    private final float[][] pooledCentres;
    private final long seed;
    private final double noise;
    private final String architecture;

    /**
     * @param classes     number of classes ({@code class-0}, {@code class-1}, ...)
     * @param vectorWidth width of the bottleneck vector (1001 for MobileNet's logits layer)
     * @param pooledWidth width of the pooled features (512 for mobilenet_0.50, 0 for none)
     * @param noise       standard deviation around each centre, whose coordinates are standard normal
     * @param seed        the set: the same seed gives the same events
     */
    public SyntheticBottlenecks(int classes, int vectorWidth, int pooledWidth, double noise, long seed) {
        this(classes, vectorWidth, pooledWidth, noise, seed, ARCHITECTURE);
    }

    /**
     * Events that claim a real architecture, so that the trainer publishes their models as it would a CNN's (their
     * widths must then be the architecture's, e.g. 1001 and 512 for mobilenet_0.50).
     *
     * @param architecture what the events claim computed them
     */
    public SyntheticBottlenecks(
            int classes, int vectorWidth, int pooledWidth, double noise, long seed, String architecture) {
        if (classes < 2 || vectorWidth < 1 || pooledWidth < 0 || noise < 0) {
            throw new IllegalArgumentException("need 2+ classes, a vector width of 1+, a pooled width of 0+, noise 0+");
        }
        this.labels = java.util.stream.IntStream.range(0, classes)
                .mapToObj(c -> "class-" + c)
                .toList();
        SplittableRandom random = new SplittableRandom(seed);
        this.centres = new float[classes][];
        this.pooledCentres = new float[classes][];
        for (int c = 0; c < classes; c++) {
            centres[c] = around(new float[vectorWidth], 1, random);
            pooledCentres[c] = around(new float[pooledWidth], 1, random);
        }
        this.seed = seed;
        this.noise = noise;
        this.architecture = java.util.Objects.requireNonNull(architecture, "architecture");
    }

    public List<String> labels() {
        return labels;
    }

    /** The {@code i}-th event (classes in turn), keyed and named like a photo {@code class-c/synthetic-i.jpg}. */
    public BottleneckComputed event(long i, long time) {
        int c = (int) (i % labels.size());
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + i);
        String label = labels.get(c);
        String fileName = "synthetic-" + i + ".jpg";
        return new BottleneckComputed(
                label + "/" + fileName,
                label,
                fileName,
                architecture,
                HexFormat.of()
                        .formatHex(java.nio.ByteBuffer.allocate(32)
                                .putLong(seed)
                                .putLong(i)
                                .array()),
                time,
                time,
                around(centres[c], noise, random),
                around(pooledCentres[c], noise, random));
    }

    /** A draw around {@code centre}: each coordinate plus {@code sd} times a standard normal draw. */
    private static float[] around(float[] centre, double sd, SplittableRandom random) {
        float[] values = new float[centre.length];
        for (int k = 0; k < values.length; k++) {
            values[k] = (float) (centre[k] + sd * normal(random));
        }
        return values;
    }

    /** A standard normal draw (Box-Muller). */
    private static double normal(SplittableRandom random) {
        double u = 1.0 - random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
    }
}
