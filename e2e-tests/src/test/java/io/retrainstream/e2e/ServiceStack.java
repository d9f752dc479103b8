package io.retrainstream.e2e;

import io.retrainstream.common.testing.KafkaBroker;
import io.retrainstream.common.testing.SharedData;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * A real broker in this JVM and the three packaged services as processes, as {@code ./retrain up} runs them, on
 * {@code ../shared/models}; each end-to-end test starts one with its own log and image-store folders.
 *
 * @param root       the repository's root
 * @param logs       the services' log folder
 * @param env        the environment the trainer and classifier run with (the extractor's adds its image store)
 */
record ServiceStack(
        Path root,
        Path logs,
        KafkaBroker broker,
        Map<String, String> env,
        ServiceProcess extractor,
        ServiceProcess trainer,
        ServiceProcess classifier)
        implements AutoCloseable {

    private static final Duration STARTUP = Duration.ofMinutes(3);

    /** Starts the stack with {@code architecture}; {@code name} names its folders under {@code e2e-tests/target}. */
    static ServiceStack start(String architecture, String name, Map<String, String> extraEnv) {
        Path models = SharedData.models();
        SharedData.flowers();
        Path root = Path.of(System.getProperty("retrainstream.root.dir", ".."))
                .toAbsolutePath()
                .normalize();
        Path logs = root.resolve("e2e-tests/target/" + name + "-logs");
        KafkaBroker broker = KafkaBroker.start();
        broker.createProjectTopics();
        Map<String, String> env = new HashMap<>(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS",
                broker.bootstrapServers(),
                "RETRAIN_ARCHITECTURE",
                architecture,
                "RETRAIN_MODEL_DIR",
                models.toString(),
                "RETRAIN_DOWNLOAD",
                "false"));
        env.putAll(extraEnv);
        Map<String, String> extractorEnv = new HashMap<>(env);
        extractorEnv.put(
                "RETRAIN_EXTRACTOR_IMAGE_STORE",
                root.resolve("e2e-tests/target/" + name + "-image-store").toString());
        ServiceProcess extractor = ServiceProcess.start(root, "extractor-service", extractorEnv, logs);
        env.put("TRAINER_EXTRACTOR_URL", extractor.uri("").toString());
        ServiceProcess trainer = ServiceProcess.start(root, "trainer-service", env, logs);
        ServiceProcess classifier = ServiceProcess.start(root, "classifier-service", env, logs);
        extractor.awaitOk("/q/health/ready", STARTUP);
        trainer.awaitOk("/q/health/ready", STARTUP);
        classifier.awaitOk("/q/health/live", STARTUP);
        return new ServiceStack(root, logs, broker, Map.copyOf(env), extractor, trainer, classifier);
    }

    @Override
    public void close() {
        closeAll(classifier, trainer, extractor, broker);
    }

    /** Closes each, in order, reporting (not throwing) a failure so that the others still close. */
    static void closeAll(AutoCloseable... closeables) {
        for (AutoCloseable closeable : closeables) {
            try {
                if (closeable != null) {
                    closeable.close();
                }
            } catch (Exception e) {
                System.err.println("Stopping " + closeable + ": " + e);
            }
        }
    }
}
