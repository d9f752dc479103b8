package io.retrainstream.cli.stack;

/** The three Quarkus services {@code ./retrain up} runs, in start order. */
public enum Service {
    EXTRACTOR("extractor", "extractor-service", 8081, "/q/health/ready", true),
    TRAINER("trainer", "trainer-service", 8082, "/q/health/ready", true),
    /** Ready only once it serves a model: at start-up it is enough that it has started. */
    CLASSIFIER("classifier", "classifier-service", 8080, "/q/health/started", false);

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
