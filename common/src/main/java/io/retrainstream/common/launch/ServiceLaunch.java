package io.retrainstream.common.launch;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How a service's JVM is started, the one definition {@code ./retrain up}, the end-to-end tests and the benchmark use
 * ({@code docker/service.Dockerfile} repeats it): the JVM options and the environment that keep each service under
 * its memory goal (700 MiB resident) without slowing it down.
 *
 * <ul>
 * <li>A heap sized to what the service holds: the extractor and the classifier keep little on the Java heap (images
 * and tensors live in TensorFlow's native memory), so theirs starts small and grows only as needed (the default
 * initial heap, 1/64 of the machine's memory, is the whole maximum here and its young generation is all touched);
 * the trainer's starts small as well; it keeps each image's id and label on the heap (its vectors go to
 * memory-mapped files), so a million images need {@code RETRAIN_JAVA_OPTS=-Xmx...}. Once it has read back the
 * bottlenecks topic it collects the heap and shrinks it to what it holds ({@code ReplayProgress}), at once thanks to
 * {@code -XX:-ShrinkHeapInSteps} (the serial collector otherwise shrinks by 0%, 10%, 40% of the excess at successive
 * full collections).</li>
 * <li>The serial collector: G1's own structures cost about 45 MiB per process and these heaps are small. The
 * trainer's too: its work is in TensorFlow, and with G1 it reached 654-689 MiB resident in the benchmark once its
 * improved mode trained two strengths at a time.</li>
 * <li>{@code MALLOC_ARENA_MAX=2}: glibc otherwise gives each of TensorFlow's many threads a malloc arena of its own,
 * and the freed memory of each stays resident.</li>
 * </ul>
 */
public final class ServiceLaunch {

    /** Initial and largest Java heap of the extractor and the classifier. */
    static final List<String> SMALL_HEAP = List.of("-Xms64m", "-Xmx256m");
    /**
     * Initial and largest Java heap of the trainer, which keeps the bottleneck vectors of the whole data set; it starts
     * small too, so that replaying the bottlenecks topic does not leave the default initial heap (1/64 of the
     * machine's memory) resident.
     */
    static final List<String> TRAINER_HEAP = List.of("-Xms64m", "-Xmx512m", "-XX:-ShrinkHeapInSteps");

    private ServiceLaunch() {}

    /** JVM options for the service of Maven module {@code module} (e.g. {@code extractor-service}). */
    public static List<String> jvmOptions(String module) {
        List<String> options = new ArrayList<>(module.startsWith("trainer") ? TRAINER_HEAP : SMALL_HEAP);
        options.add("-XX:+UseSerialGC");
        return options;
    }

    /** Environment variables for every service. */
    public static Map<String, String> environment() {
        return Map.of("MALLOC_ARENA_MAX", "2", "TF_CPP_MIN_LOG_LEVEL", "2");
    }
}
