package io.retrainstream.common;

/** The three sets of {@code retrain.py}: an image belongs to exactly one, for ever. */
public enum DataSet {
    TRAINING,
    VALIDATION,
    TESTING;

    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
