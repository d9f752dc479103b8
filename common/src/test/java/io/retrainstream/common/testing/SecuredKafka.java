package io.retrainstream.common.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;

/**
 * What a broker that accepts only SASL over TLS (SASL_SSL, mechanism PLAIN) needs, and what its clients need: a
 * self-signed certificate for {@code localhost} made with the JDK's {@code keytool} for the test, a trust store with
 * it, and one user {@link #USER}. Pass it to {@link KafkaBroker#start(SecuredKafka)}.
 */
public final class SecuredKafka {

    /** The user the clients log in as. */
    public static final String USER = "retrain";
    /** The broker's own user, for its inter-broker connections. */
    private static final String ADMIN = "admin";
    /** The test kit's client listener. */
    private static final String LISTENER = "external";

    private static final String PLAIN_LOGIN = "org.apache.kafka.common.security.plain.PlainLoginModule";

    private final Path keyStore;
    private final Path trustStore;
    private final String storePassword;
    private final String userPassword;
    private final String adminPassword;

    private SecuredKafka(
            Path keyStore, Path trustStore, String storePassword, String userPassword, String adminPassword) {
        this.keyStore = keyStore;
        this.trustStore = trustStore;
        this.storePassword = storePassword;
        this.userPassword = userPassword;
        this.adminPassword = adminPassword;
    }

    /** Makes a key pair and certificate for {@code localhost} (and 127.0.0.1) and a trust store in {@code dir}. */
    public static SecuredKafka create(Path dir) {
        String storePassword = "store-" + Long.toHexString(System.nanoTime());
        Path keyStore = dir.resolve("broker-keystore.p12");
        Path certificate = dir.resolve("broker.crt");
        Path trustStore = dir.resolve("truststore.p12");
        keytool(List.of(
                "-genkeypair",
                "-alias",
                "broker",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-validity",
                "2",
                "-dname",
                "CN=localhost",
                "-ext",
                "SAN=dns:localhost,ip:127.0.0.1",
                "-keystore",
                keyStore.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                storePassword,
                "-keypass",
                storePassword));
        keytool(List.of(
                "-exportcert",
                "-alias",
                "broker",
                "-keystore",
                keyStore.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                storePassword,
                "-rfc",
                "-file",
                certificate.toString()));
        keytool(List.of(
                "-importcert",
                "-noprompt",
                "-alias",
                "broker",
                "-file",
                certificate.toString(),
                "-keystore",
                trustStore.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                storePassword));
        return new SecuredKafka(
                keyStore, trustStore, storePassword, "user-" + Long.toHexString(System.nanoTime()), "admin-secret");
    }

    private static void keytool(List<String> arguments) {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        List<String> command = new java.util.ArrayList<>();
        command.add(keytool.toString());
        command.addAll(arguments);
        try {
            Process process =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("keytool " + arguments.get(0) + " failed: " + output);
            }
        } catch (IOException e) {
            throw new IllegalStateException("Cannot run " + keytool + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while running keytool", e);
        }
    }

    /** The broker's settings: SASL PLAIN over TLS on its client listener, with the users and its certificate. */
    Map<String, String> brokerSettings() {
        Map<String, String> settings = new HashMap<>();
        // The test kit only builds PLAINTEXT and SASL_PLAINTEXT listeners itself; it keeps a protocol map it is given
        settings.put("listener.security.protocol.map", LISTENER.toUpperCase() + ":SASL_SSL,CONTROLLER:PLAINTEXT");
        settings.put("sasl.enabled.mechanisms", "PLAIN");
        settings.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
        settings.put(
                "listener.name." + LISTENER + ".plain." + SaslConfigs.SASL_JAAS_CONFIG,
                PLAIN_LOGIN + " required username=\"" + ADMIN + "\" password=\"" + adminPassword + "\" user_" + ADMIN
                        + "=\"" + adminPassword + "\" user_" + USER + "=\"" + userPassword + "\";");
        settings.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, keyStore.toString());
        settings.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PKCS12");
        settings.put(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, storePassword);
        settings.put(SslConfigs.SSL_KEY_PASSWORD_CONFIG, storePassword);
        settings.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, trustStore.toString());
        settings.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
        settings.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, storePassword);
        return settings;
    }

    /** A client's settings (Kafka's names, no address): SASL_SSL, PLAIN as {@link #USER}, trusting the certificate. */
    public Map<String, String> clientSettings() {
        return clientSettings(userPassword);
    }

    /** {@link #clientSettings()} with another password. */
    public Map<String, String> clientSettings(String password) {
        Map<String, String> settings = trustOnly();
        settings.put(SaslConfigs.SASL_MECHANISM, "PLAIN");
        settings.put(
                SaslConfigs.SASL_JAAS_CONFIG,
                PLAIN_LOGIN + " required username=\"" + USER + "\" password=\"" + password + "\";");
        return settings;
    }

    /** TLS that trusts the broker, but no SASL login. */
    public Map<String, String> trustOnly() {
        Map<String, String> settings = new HashMap<>();
        settings.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL");
        settings.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, trustStore.toString());
        settings.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
        settings.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, storePassword);
        return settings;
    }
}
