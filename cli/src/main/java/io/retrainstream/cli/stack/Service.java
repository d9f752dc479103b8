package io.retrainstream.cli.stack;

import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The three Quarkus services {@code ./retrain up} runs, in start order. Extractors and classifiers may run as several
 * instances ({@code --extractors N}, {@code --classifiers N}), named {@code extractor}, {@code extractor-2}, ...
 */
public enum Service {
    EXTRACTOR("extractor", "extractor-service", 8081, "/q/health/ready", true),
    TRAINER("trainer", "trainer-service", 8082, "/q/health/ready", true),
    /** Ready only once it serves a model: at start-up it is enough that it has started. */
    CLASSIFIER("classifier", "classifier-service", 8080, "/q/health/started", false);

    /** Instance names after the first: the service's id, a dash and the instance's number from 2. */
    private static final Pattern INSTANCE = Pattern.compile("([a-z]+)(?:-([1-9][0-9]*))?");

    private final String id;
    private final String module;
    private final int defaultPort;
    private final String startupHealthPath;
    private final boolean adminEndpoints;

    Service(String id, String module, int defaultPort, String startupHealthPath, boolean adminEndpoints) {
        this.id = id;
        this.module = module;
        this.defaultPort = defaultPort;
        this.startupHealthPath = startupHealthPath;
        this.adminEndpoints = adminEndpoints;
    }

    /** Name used for its log and pid files and in {@code state.json}. */
    public String id() {
        return id;
    }

    /**
     * The name of instance {@code number} (from 1) in {@code state.json}, the pid files and the logs: the id for the
     * first, {@code extractor-2} for the second.
     */
    public String instanceName(int number) {
        if (number < 1) {
            throw new IllegalArgumentException("Instances are numbered from 1, not " + number);
        }
        return number == 1 ? id : id + "-" + number;
    }

    /** The service an instance name belongs to ({@code extractor-2}: the extractor), if any. */
    public static Optional<Service> ofInstance(String name) {
        Matcher matcher = INSTANCE.matcher(name);
        if (!matcher.matches() || "1".equals(matcher.group(2))) {
            return Optional.empty();
        }
        return Arrays.stream(values())
                .filter(service -> service.id.equals(matcher.group(1)))
                .findFirst();
    }

    /** The number of an instance of this service by its name: 1 for {@code extractor}, 2 for {@code extractor-2}. */
    static int instanceNumber(String name) {
        int dash = name.lastIndexOf('-');
        return dash < 0 ? 1 : Integer.parseInt(name.substring(dash + 1));
    }

    String module() {
        return module;
    }

    int defaultPort() {
        return defaultPort;
    }

    /** The health endpoint that says {@code ./retrain up} may stop waiting for it. */
    String startupHealthPath() {
        return startupHealthPath;
    }

    /** The health endpoint the supervisor checks: fails only when the service must be restarted. */
    String livenessPath() {
        return "/q/health/live";
    }

    /** Whether it has endpoints that require the admin token ({@code retrain.admin-token}), so must be given it. */
    boolean hasAdminEndpoints() {
        return adminEndpoints;
    }

    /** Part of the service's java command line, to tell our process from another that reuses its pid. */
    String commandMarker() {
        return module + "/target/quarkus-app/quarkus-run.jar";
    }
}
