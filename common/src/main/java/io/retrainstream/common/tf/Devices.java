package io.retrainstream.common.tf;

import java.util.Set;
import java.util.TreeSet;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.proto.DeviceStepStats;
import org.tensorflow.proto.RunMetadata;
import org.tensorflow.proto.RunOptions;

/** Which devices TensorFlow ran a graph's ops on (CPU, or GPU with the {@code gpu} profile's natives). */
public final class Devices {

    private Devices() {}

    /** Runs {@code runner} once with tracing on and returns the short names of the devices its ops ran on. */
    public static Set<String> used(Session.Runner runner) {
        Set<String> devices = new TreeSet<>();
        try (Result result = runner.setOptions(RunOptions.newBuilder()
                        .setTraceLevel(RunOptions.TraceLevel.SOFTWARE_TRACE)
                        .build())
                .runAndFetchMetadata()) {
            RunMetadata metadata = result.getMetadata().orElse(RunMetadata.getDefaultInstance());
            for (DeviceStepStats stats : metadata.getStepStats().getDevStatsList()) {
                String device = stats.getDevice();
                devices.add(device.substring(device.lastIndexOf('/') + 1).replace("device:", ""));
            }
        }
        return devices;
    }
}
