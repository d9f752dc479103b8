package io.retrainstream.common.kafka;

/** Reactive-messaging channel names, mapped to {@link Topics} in each service's {@code application.properties}. */
public final class Channels {

    /** Extractor: consumes {@link Topics#IMAGES}. */
    public static final String IMAGES_IN = "images";
    /** Extractor: produces {@link Topics#BOTTLENECKS}. */
    public static final String BOTTLENECKS_OUT = "bottlenecks-out";
    /** Extractor: produces {@link Topics#IMAGES_DLQ}. */
    public static final String IMAGES_DLQ_OUT = "images-dlq";
    /** Trainer: consumes {@link Topics#BOTTLENECKS}. */
    public static final String BOTTLENECKS_IN = "bottlenecks";
    /** Classifier: consumes {@link Topics#MODELS}. */
    public static final String MODELS_IN = "models";

    /** Trainer: produces {@link Topics#MODEL_POINTER}. */
    public static final String MODEL_POINTER_OUT = "model-pointer-out";
    /** Classifier: consumes {@link Topics#MODEL_POINTER}. */
    public static final String MODEL_POINTER_IN = "model-pointer";

    private Channels() {}
}
