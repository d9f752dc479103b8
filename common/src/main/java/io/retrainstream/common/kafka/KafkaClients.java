package io.retrainstream.common.kafka;

import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;

/**
 * The one place that builds the properties of every Kafka client the project makes outside the SmallRye channels
 * (admin clients, the raw consumers of {@link TopicReader}, the CLI's producer): the broker address and the security
 * settings ({@code security.protocol}, {@code sasl.*}, {@code ssl.*}) that every client of the deployment shares,
 * plus what each role needs.
 *
 * <p>The settings come from the same {@code kafka.*} configuration the Quarkus Kafka extension hands to the channels:
 * {@code kafka.security.protocol} in {@code application.properties}, or the environment variable
 * {@code KAFKA_SECURITY_PROTOCOL}, and so on, read by the same rule (lower case, the {@code kafka} prefix dropped,
 * {@code _} read as {@code .}). {@link #toString()} shows the names only, never a password or a JAAS config.
 */
public final class KafkaClients {

    /** The configuration prefix shared with the Quarkus Kafka extension: {@code kafka.bootstrap.servers} etc. */
    public static final String PREFIX = "kafka";

    /** The broker address when none is configured, as in the services' {@code application.properties}. */
    public static final String DEFAULT_BOOTSTRAP_SERVERS = "localhost:9092";

    private final Map<String, String> shared;

    private KafkaClients(Map<String, String> shared) {
        this.shared = Map.copyOf(shared);
    }

    /** Plain clients (no TLS, no SASL) of the broker(s) at {@code bootstrapServers}. */
    public static KafkaClients of(String bootstrapServers) {
        return of(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }

    /**
     * Clients with these Kafka client settings, named as Kafka names them ({@code bootstrap.servers},
     * {@code security.protocol}, {@code sasl.jaas.config}, ...). Only the connection and security settings are kept
     * ({@link #isShared(String)}); a role's own settings are chosen by the methods that build its properties.
     */
    public static KafkaClients of(Map<String, ?> clientSettings) {
        Map<String, String> shared = new TreeMap<>();
        clientSettings.forEach((name, value) -> {
            if (value != null && isShared(name)) {
                shared.put(name, value.toString());
            }
        });
        shared.putIfAbsent(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, DEFAULT_BOOTSTRAP_SERVERS);
        return new KafkaClients(shared);
    }

    /**
     * Clients configured from {@code kafka.*} names as MicroProfile Config or the environment give them: each name
     * that starts with {@code kafka} (any case) becomes a Kafka setting by the Quarkus Kafka extension's rule, so
     * {@code kafka.sasl.jaas.config} and {@code KAFKA_SASL_JAAS_CONFIG} are both {@code sasl.jaas.config}.
     *
     * @param names every configuration name there is (e.g. {@code Config.getPropertyNames()} or the environment's)
     * @param value the value of a name, or null
     */
    public static KafkaClients fromConfig(Iterable<String> names, Function<String, String> value) {
        Map<String, String> settings = new TreeMap<>();
        for (String name : names) {
            String setting = settingName(name);
            if (setting != null) {
                String text = value.apply(name);
                if (text != null && !text.isBlank()) {
                    settings.put(setting, text.strip());
                }
            }
        }
        return of(settings);
    }

    /** {@link #fromConfig} on environment variables: {@code KAFKA_BOOTSTRAP_SERVERS}, {@code KAFKA_SECURITY_PROTOCOL}, ... */
    public static KafkaClients fromEnvironment(Map<String, String> environment) {
        return fromConfig(environment.keySet(), environment::get);
    }

    /**
     * For programs without MicroProfile Config (the CLI): {@code KAFKA_*} environment variables, overridden by
     * {@code kafka.*} system properties, as MicroProfile Config orders them.
     */
    public static KafkaClients fromSystem() {
        Map<String, String> names = new java.util.LinkedHashMap<>(System.getenv());
        System.getProperties().stringPropertyNames().forEach(name -> names.put(name, System.getProperty(name)));
        return fromConfig(names.keySet(), names::get);
    }

    /** The Kafka setting a configuration name stands for ({@code KAFKA_SSL_TRUSTSTORE_LOCATION}: {@code ssl.truststore.location}), or null. */
    static String settingName(String configName) {
        String lower = configName.toLowerCase(Locale.ROOT);
        if (!lower.startsWith(PREFIX) || lower.length() <= PREFIX.length() + 1) {
            return null;
        }
        char separator = lower.charAt(PREFIX.length());
        if (separator != '.' && separator != '_') {
            return null;
        }
        return lower.substring(PREFIX.length() + 1).replace('_', '.');
    }

    /** The settings every client of a deployment shares: the address and how to connect and authenticate. */
    public static boolean isShared(String setting) {
        return setting.equals(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)
                || setting.equals(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG)
                || setting.equals(CommonClientConfigs.CLIENT_DNS_LOOKUP_CONFIG)
                || setting.startsWith("sasl.")
                || setting.startsWith("ssl.");
    }

    /** The same settings for brokers at another address (e.g. the CLI's {@code --bootstrap}). */
    public KafkaClients withBootstrapServers(String bootstrapServers) {
        Map<String, String> settings = new TreeMap<>(shared);
        settings.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return new KafkaClients(settings);
    }

    public String bootstrapServers() {
        return shared.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
    }

    /** The shared settings, by Kafka's names (includes secrets: do not log it). */
    public Map<String, String> settings() {
        return shared;
    }

    /** The shared settings alone, for a client that sets its role's settings itself. */
    public Properties properties() {
        Properties props = new Properties();
        props.putAll(shared);
        return props;
    }

    /** An admin client's properties, with {@code timeoutMillis} for each call. */
    public Properties adminProperties(int timeoutMillis) {
        Properties props = properties();
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMillis);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(timeoutMillis, 30_000));
        return props;
    }

    /** A new admin client; the caller closes it. */
    public Admin admin(int timeoutMillis) {
        return Admin.create(adminProperties(timeoutMillis));
    }

    /**
     * A consumer's properties for reading records up to {@link TopicSetup#MAX_MESSAGE_BYTES}: committed records only
     * (an aborted transaction's, e.g. a fenced trainer's model, are never read), no topic is created by reading it,
     * nothing is committed unless the caller turns it on. The caller adds deserializers and a group.
     */
    public Properties consumerProperties() {
        Properties props = properties();
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, TopicSetup.MAX_MESSAGE_BYTES);
        return props;
    }

    /**
     * A producer's properties: {@code acks=all} with idempotence, so a record is acknowledged only once every in-sync
     * replica has it, and a retried send is written once and in order; records up to
     * {@link TopicSetup#MAX_MESSAGE_BYTES}. The caller adds serializers.
     */
    public Properties producerProperties() {
        Properties props = properties();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, TopicSetup.MAX_MESSAGE_BYTES);
        return props;
    }

    /** {@code security.protocol}: {@code PLAINTEXT} unless configured. */
    public String securityProtocol() {
        return shared.getOrDefault(
                CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, CommonClientConfigs.DEFAULT_SECURITY_PROTOCOL);
    }

    /** A client's failure with the settings to check for it, for error messages. */
    public String explain(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof ExecutionException || cause instanceof CompletionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof AuthenticationException) {
            return cause.getMessage() + ". Check the credentials: kafka.sasl.mechanism, kafka.sasl.jaas.config and the"
                    + " kafka.ssl.* trust and key stores (env KAFKA_SASL_MECHANISM, KAFKA_SASL_JAAS_CONFIG, ...).";
        }
        if (cause instanceof AuthorizationException) {
            return cause.getMessage() + ". The broker's ACLs refuse this principal: grant it access to the project's"
                    + " topics and groups, or create the topics as an administrator.";
        }
        return cause.getMessage() + ". Is the broker running at " + bootstrapServers()
                + ", and does its listener speak "
                + securityProtocol() + "? Set kafka.security.protocol (env KAFKA_SECURITY_PROTOCOL) with kafka.sasl.*"
                + " and kafka.ssl.* to what the broker expects.";
    }

    /** The broker address and the names of the other settings, never their values. */
    @Override
    public String toString() {
        return "Kafka at " + bootstrapServers()
                + shared.keySet().stream()
                        .filter(name -> !name.equals(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG))
                        .map(name -> name.equals(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG)
                                ? name + "=" + shared.get(name)
                                : name)
                        .reduce((a, b) -> a + ", " + b)
                        .map(names -> " (" + names + ")")
                        .orElse("");
    }
}
