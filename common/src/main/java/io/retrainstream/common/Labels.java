package io.retrainstream.common;

import java.util.Locale;
import java.util.regex.Pattern;

/** Class labels, normalised as {@code retrain.py} does: {@code re.sub(r'[^a-z0-9]+', ' ', name.lower())}. */
public final class Labels {

    private static final Pattern NOT_ALNUM = Pattern.compile("[^a-z0-9]+");

    private Labels() {}

    public static String normalize(String name) {
        return NOT_ALNUM.matcher(name.toLowerCase(Locale.ROOT)).replaceAll(" ");
    }
}
