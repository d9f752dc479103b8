package io.retrainstream.common.quarkus;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Singleton;

/** Turns a bearer token that is the {@link AdminToken} into an identity with the role {@value AdminToken#ROLE}. */
@Singleton
public class AdminIdentityProvider implements IdentityProvider<TokenAuthenticationRequest> {

    private final AdminToken token;

    public AdminIdentityProvider(AdminToken token) {
        this.token = token;
    }

    @Override
    public Class<TokenAuthenticationRequest> getRequestType() {
        return TokenAuthenticationRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(
            TokenAuthenticationRequest request, AuthenticationRequestContext context) {
        if (token.matches(request.getToken().getToken())) {
            return Uni.createFrom().item(admin("admin"));
        }
        // The message is what the log and the failure carry: never the token itself.
        return Uni.createFrom().failure(new AuthenticationFailedException("wrong admin token"));
    }

    /** An identity in the role {@value AdminToken#ROLE}. */
    static SecurityIdentity admin(String name) {
        return QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal(name))
                .addRole(AdminToken.ROLE)
                .build();
    }
}
