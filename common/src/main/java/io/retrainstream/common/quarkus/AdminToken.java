package io.retrainstream.common.quarkus;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * The admin token ({@value #PROPERTY}, env {@code RETRAIN_ADMIN_TOKEN}): when set, admin endpoints
 * ({@code @RolesAllowed(AdminToken.ROLE)}) need {@code Authorization: Bearer <token>}; when not set, every caller is
 * admin. Compared in constant time; never logged.
 */
@Singleton
public class AdminToken {

    public static final String PROPERTY = "retrain.admin-token";
    /** The role of a caller that presented the token (every caller when no token is configured). */
    public static final String ROLE = "admin";
    /** Tokens shorter than this are accepted but logged as weak. */
    static final int RECOMMENDED_LENGTH = 16;

    private final String token;
    private final byte[] digest;

    @Inject
    public AdminToken(AdminTokenConfig config) {
        this(config.value());
    }

    public AdminToken(Optional<String> token) {
        this.token = token.map(String::strip).filter(t -> !t.isEmpty()).orElse(null);
        this.digest = this.token == null ? null : sha256(this.token);
    }

    /** Whether admin endpoints need the token; false means they are open to every caller. */
    public boolean required() {
        return token != null;
    }

    /** Whether the configured token is shorter than {@value #RECOMMENDED_LENGTH} characters. */
    boolean weak() {
        return token != null && token.length() < RECOMMENDED_LENGTH;
    }

    /**
     * Whether {@code presented} is the token. Compares SHA-256 digests with {@link MessageDigest#isEqual}, so the
     * time taken says nothing about how much of the token matched, nor about its length.
     */
    public boolean matches(String presented) {
        return digest != null && presented != null && MessageDigest.isEqual(digest, sha256(presented));
    }

    /** The {@code Authorization} header value a service sends to another's admin endpoint; empty when open. */
    public Optional<String> authorization() {
        return Optional.ofNullable(token).map(t -> "Bearer " + t);
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return required() ? "AdminToken[set]" : "AdminToken[none]";
    }
}
