package io.retrainstream.common;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.regex.Pattern;

/**
 * {@code retrain.py}'s stable split: SHA-1 of the file name (without any {@code _nohash_...} suffix) as an integer
 * mod 2^27, scaled to [0, 100]. Adding images never moves an existing one.
 */
public record SplitRule(double validationPercentage, double testingPercentage) {

    /** {@code retrain.py}'s MAX_NUM_IMAGES_PER_CLASS = 2^27 - 1. */
    public static final long MAX_NUM_IMAGES_PER_CLASS = (1L << 27) - 1;

    private static final Pattern NOHASH = Pattern.compile("_nohash_.*$");

    public static final SplitRule DEFAULT = new SplitRule(10, 10);

    public SplitRule {
        if (validationPercentage < 0 || testingPercentage < 0 || validationPercentage + testingPercentage > 100) {
            throw new IllegalArgumentException("validation_percentage (" + validationPercentage
                    + ") and testing_percentage (" + testingPercentage + ") must be >= 0 and add up to at most 100");
        }
    }

    /** The percentage hash of a file name (its base name, as {@code os.path.basename} gives). */
    public static double percentageHash(String fileName) {
        String base = fileName.substring(fileName.lastIndexOf('/') + 1);
        String hashName = base.contains("_nohash_") ? NOHASH.matcher(base).replaceFirst("") : base;
        byte[] sha1;
        try {
            sha1 = MessageDigest.getInstance("SHA-1").digest(hashName.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        // The digest as an unsigned big-endian integer mod 2^27 is its lowest 27 bits: its last four bytes, masked
        long hashed = ByteBuffer.wrap(sha1, sha1.length - 4, 4).getInt() & MAX_NUM_IMAGES_PER_CLASS;
        return hashed * (100.0 / MAX_NUM_IMAGES_PER_CLASS);
    }

    public DataSet assign(String fileName) {
        double percentage = percentageHash(fileName);
        if (percentage < validationPercentage) {
            return DataSet.VALIDATION;
        }
        if (percentage < validationPercentage + testingPercentage) {
            return DataSet.TESTING;
        }
        return DataSet.TRAINING;
    }
}
