package io.retrainstream.common.kafka;

/** Topic names and the record headers every service and test uses. */
public final class Topics {

    /** Image events: value = the image file's bytes, key = image id, headers {@link #LABEL} and {@link #FILENAME}. */
    public static final String IMAGES = "images";
    /** Image events that could not be used, with the reason in header {@link #DLQ_REASON}. */
    public static final String IMAGES_DLQ = "images.dlq";
    /** One {@code BottleneckComputed} per image, keyed by image id (compacted). */
    public static final String BOTTLENECKS = "bottlenecks";
    /** One {@code ModelPublished} per trained model version, keyed by version (compacted). */
    public static final String MODELS = "models";

    /** The version classifiers serve: one {@code ModelPinned} under key {@link #POINTER_KEY} (compacted). */
    public static final String MODEL_POINTER = "models.current";
    /** The one key on {@link #MODEL_POINTER}. */
    public static final String POINTER_KEY = "current";

    /** Header: the class name of an image event (UTF-8). */
    public static final String LABEL = "label";
    /** Header: the original file name of an image event (UTF-8). */
    public static final String FILENAME = "filename";
    /** Header on {@link #IMAGES_DLQ}: why the event was rejected. */
    public static final String DLQ_REASON = "dlq-reason";
    /** Header on {@link #IMAGES_DLQ}: the service that rejected the event. */
    public static final String DLQ_SERVICE = "dlq-service";

    private Topics() {}
}
