package io.retrainstream.common.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * {@link KafkaBrokerResource} with a broker that accepts only SASL (PLAIN) over TLS, with a certificate made for the
 * test ({@link SecuredKafka}); the service gets {@code kafka.security.protocol}, {@code kafka.sasl.*} and
 * {@code kafka.ssl.*} with the address, as a deployment would set them. The topics are left for the service to create.
 */
public class SecuredKafkaBrokerResource extends KafkaBrokerResource {

    private Path certificates;

    @Override
    protected KafkaBroker startBroker() {
        try {
            certificates = Files.createTempDirectory("retrain-kafka-tls");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return KafkaBroker.start(SecuredKafka.create(certificates));
    }

    /** Nothing: the service's own topic setup must create the topics, through the secured listener. */
    @Override
    protected void prepare(KafkaBroker broker) {}

    @Override
    public void stop() {
        try {
            super.stop();
        } finally {
            if (certificates != null) {
                try (Stream<Path> files = Files.walk(certificates)) {
                    files.sorted(Comparator.reverseOrder())
                            .forEach(file -> file.toFile().delete());
                } catch (IOException e) {
                    // temporary files only
                }
            }
        }
    }
}
