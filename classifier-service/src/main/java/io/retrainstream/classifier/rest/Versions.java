package io.retrainstream.classifier.rest;

import java.util.OptionalLong;

/** A model version as a request names it (a query or path parameter). */
final class Versions {

    private Versions() {}

    /** Empty for none (the served version); throws with a message for anything but a positive integer. */
    static OptionalLong parse(String version) {
        if (version == null || version.isBlank()) {
            return OptionalLong.empty();
        }
        try {
            long value = Long.parseLong(version.trim());
            if (value > 0) {
                return OptionalLong.of(value);
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new IllegalArgumentException(
                "The model version must be a positive integer (see GET /model or ./retrain models), got '" + version
                        + "'");
    }
}
