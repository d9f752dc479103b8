package io.retrainstream.common.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A view of a photo that the CNN sees: the photo itself, or the photo mirrored left to right. A head may learn from
 * several views of each training photo and answer the mean of its softmax over the same views of a photo it
 * classifies (the cross-validation over flowers-small: +1.1 to +1.7 points for the mirror on every architecture, for a
 * second CNN image per photo in the extractor and in every classification). Only the pooled layer has views; the
 * mirror's vector is {@link FeatureLayer#MIRROR}.
 */
public enum View {
    /** The photo as it is. */
    ORIGINAL,
    /** The photo mirrored left to right. */
    MIRROR;

    /** The cheap path: the photo alone. */
    public static final List<View> ORIGINAL_ONLY = List.of(ORIGINAL);

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The vector of this view of an image whose head reads {@code layer}; empty when it was not computed. */
    public float[] of(Features features, FeatureLayer layer) {
        return this == ORIGINAL ? features.of(layer) : layer == FeatureLayer.POOLED ? features.mirror() : new float[0];
    }

    /**
     * The views named in {@code ids} (e.g. {@code original,mirror}), in this enum's order, each once; blank means
     * {@link #ORIGINAL_ONLY}. The original is always among them: it is the view every photo has.
     */
    public static List<View> parse(String ids) {
        if (ids == null || ids.isBlank()) {
            return ORIGINAL_ONLY;
        }
        return of(Arrays.asList(ids.split(",")));
    }

    /** {@link #parse} of a list of ids. */
    public static List<View> of(List<String> ids) {
        if (ids == null || ids.isEmpty()) {
            return ORIGINAL_ONLY;
        }
        boolean[] named = new boolean[values().length];
        for (String id : ids) {
            String trimmed = id == null ? "" : id.trim();
            try {
                named[valueOf(trimmed.toUpperCase(Locale.ROOT)).ordinal()] = true;
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "Unknown view '" + trimmed + "': use original or original,mirror", e);
            }
        }
        if (!named[ORIGINAL.ordinal()]) {
            throw new IllegalArgumentException(
                    "Views " + ids + " leave out the photo itself: use original or " + "original,mirror");
        }
        List<View> views = new ArrayList<>();
        for (View view : values()) {
            if (named[view.ordinal()]) {
                views.add(view);
            }
        }
        return List.copyOf(views);
    }

    /** The ids of {@code views}, e.g. {@code [original, mirror]}. */
    public static List<String> ids(List<View> views) {
        return views.stream().map(View::id).toList();
    }

    /** Whether {@code views} include the mirror. */
    public static boolean mirrored(List<View> views) {
        return views.contains(MIRROR);
    }
}
