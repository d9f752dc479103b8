package io.retrainstream.common.quarkus;

import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.security.credential.TokenCredential;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticator;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;
import java.util.Set;

/**
 * Authenticates callers of admin endpoints by {@code Authorization: Bearer <token>} against {@link AdminToken}
 * (checked by {@link AdminIdentityProvider}); without a configured token every caller is admin. A missing or wrong
 * token gets 401 with {@code WWW-Authenticate: Bearer} and a log line naming the request, never the token.
 * <p>
 * The services run with {@code quarkus.http.auth.proactive=false}: Quarkus asks this mechanism only for endpoints that
 * need a role, so read endpoints stay open and every call here is a call to an admin endpoint. Only services with the
 * {@code quarkus-security} extension (those with admin endpoints) install it and warn at start when they are open.
 */
@Singleton
public class AdminAuthMechanism implements HttpAuthenticationMechanism {

    private static final String BEARER = "Bearer ";
    private static final String CHALLENGE = "Bearer realm=\"retrain-stream\"";

    private final AdminToken token;

    public AdminAuthMechanism(AdminToken token) {
        this.token = token;
    }

    /** Says at start that admin endpoints are open, or that the token is short; not in services without security. */
    void warnAtStart(@Observes StartupEvent event, Instance<HttpAuthenticator> authentication) {
        if (!authentication.isResolvable()) {
            return;
        }
        if (!token.required()) {
            Log.warnf(
                    "%s is not set: admin endpoints (starting and cancelling runs, pinning models, distorted "
                            + "bottlenecks) are open to every caller that reaches this port",
                    AdminToken.PROPERTY);
        } else if (token.weak()) {
            Log.warnf(
                    "%s is shorter than %d characters: use a long random token",
                    AdminToken.PROPERTY, AdminToken.RECOMMENDED_LENGTH);
        }
    }

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identities) {
        if (!token.required()) {
            return Uni.createFrom().item(AdminIdentityProvider.admin("anyone (no admin token configured)"));
        }
        String header = context.request().getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            refused(context, header == null ? "no Authorization header" : "not a bearer token");
            // Anonymous: the role check answers 401 with this mechanism's challenge.
            return Uni.createFrom().nullItem();
        }
        TokenCredential credential =
                new TokenCredential(header.substring(BEARER.length()).strip(), "bearer");
        return identities
                .authenticate(new TokenAuthenticationRequest(credential))
                .onFailure()
                .invoke(failure -> refused(context, "wrong admin token"));
    }

    private static void refused(RoutingContext context, String reason) {
        Log.warnf(
                "Refused %s %s from %s: %s",
                context.request().method(),
                context.request().path(),
                context.request().remoteAddress(),
                reason);
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(new ChallengeData(401, "WWW-Authenticate", CHALLENGE));
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(TokenAuthenticationRequest.class);
    }
}
