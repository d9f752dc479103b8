package io.retrainstream.common.quarkus;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithParentName;
import java.util.Optional;

/**
 * {@code retrain.admin-token} (env {@code RETRAIN_ADMIN_TOKEN}), mapped on its own so that services whose own
 * mapping has the prefix {@code retrain} (extractor, classifier) accept it.
 */
@ConfigMapping(prefix = AdminToken.PROPERTY)
public interface AdminTokenConfig {

    /** The bearer token admin endpoints need; none: they are open to every caller. */
    @WithParentName
    Optional<String> value();
}
