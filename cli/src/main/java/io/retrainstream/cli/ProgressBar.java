package io.retrainstream.cli;

import java.util.Locale;

/** Renders {@code [#####.....] 420/750 images  56%  123 img/s}. */
public final class ProgressBar {

    static final int WIDTH = 30;

    private ProgressBar() {}

    /**
     * @param noun     what is counted, e.g. {@code images}
     * @param rate     items per second, or a negative number to leave the rate out
     * @param rateUnit e.g. {@code img/s}
     */
    public static String render(long done, long total, String noun, double rate, String rateUnit) {
        double fraction = total <= 0 ? 1.0 : Math.min(1.0, Math.max(0.0, (double) done / total));
        int filled = (int) Math.floor(fraction * WIDTH);
        StringBuilder line = new StringBuilder("[")
                .append("#".repeat(filled))
                .append(".".repeat(WIDTH - filled))
                .append("] ")
                .append(done)
                .append('/')
                .append(total)
                .append(' ')
                .append(noun)
                .append(String.format(Locale.ROOT, "  %3d%%", (int) Math.floor(fraction * 100)));
        if (rate >= 0) {
            line.append(String.format(Locale.ROOT, "  %.0f %s", rate, rateUnit));
        }
        return line.toString();
    }

    /** Items per second since {@code startNanos}. */
    public static double rate(long done, long startNanos) {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        return seconds <= 0.05 ? 0 : done / seconds;
    }
}
