package io.retrainstream.common.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A pretrained feature extractor named as {@code retrain.py --architecture} names it, with the graph contract
 * {@code retrain.py} uses for it.
 *
 * @param name             {@code retrain.py}'s name, e.g. {@code mobilenet_0.25_128_quantized}
 * @param folder           folder of the unpacked archive inside the model dir, e.g. {@code mobilenet_v1_0.25_128}
 * @param graphFile        the frozen GraphDef inside that folder
 * @param downloadUrl      the public archive {@code retrain.py} downloads
 * @param inputTensor      the float image input, {@code [1, S, S, 3]} in the file
 * @param bottleneckTensor the tensor whose values are the bottleneck
 * @param bottleneckSize   length of the bottleneck vector
 * @param pooledTensor     the pooled image features before the classifier (for MobileNet the average pool)
 * @param pooledSize       length of the pooled feature vector
 * @param inputSize        S, the square input size
 * @param inputMean        subtracted from each pixel value
 * @param inputStd         each pixel value is divided by this after the mean is subtracted
 */
public record Architecture(
        String name,
        String folder,
        String graphFile,
        String downloadUrl,
        String inputTensor,
        String bottleneckTensor,
        int bottleneckSize,
        String pooledTensor,
        int pooledSize,
        int inputSize,
        float inputMean,
        float inputStd) {

    public static final String DEFAULT = "mobilenet_0.25_128";
    public static final String INCEPTION_V3 = "inception_v3";

    private static final Pattern MOBILENET =
            Pattern.compile("mobilenet_(1\\.0|0\\.75|0\\.50|0\\.25)_(224|192|160|128)(_quantized)?");
    private static final List<String> WIDTHS = List.of("1.0", "0.75", "0.50", "0.25");
    private static final List<String> SIZES = List.of("224", "192", "160", "128");

    /** Parses a {@code retrain.py} architecture name, refusing unknown ones with the list of valid names. */
    public static Architecture of(String name) {
        String normalized = nameOf(name).trim().toLowerCase(Locale.ROOT);
        if (normalized.equals(INCEPTION_V3)) {
            // retrain.py: the graph decodes JPEGs itself; the decoded, resized, scaled pixels are fed at Mul:0, and
            // pool_3/_reshape is both the bottleneck and the pooled layer. The archive unpacks at the model dir's root.
            return new Architecture(
                    INCEPTION_V3,
                    "",
                    "classify_image_graph_def.pb",
                    "http://download.tensorflow.org/models/image/imagenet/inception-2015-12-05.tgz",
                    "Mul",
                    "pool_3/_reshape",
                    2048,
                    "pool_3/_reshape",
                    2048,
                    299,
                    128f,
                    128f);
        }
        Matcher m = MOBILENET.matcher(normalized);
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "Unknown architecture '" + name + "'. Valid names: " + String.join(", ", names()));
        }
        String width = m.group(1);
        String size = m.group(2);
        boolean quantized = m.group(3) != null;
        String folder = "mobilenet_v1_" + width + "_" + size;
        return new Architecture(
                normalized,
                folder,
                quantized ? "quantized_graph.pb" : "frozen_graph.pb",
                "http://download.tensorflow.org/models/" + folder + "_frozen.tgz",
                "input",
                "MobilenetV1/Predictions/Reshape",
                1001,
                "MobilenetV1/Logits/AvgPool_1a/AvgPool",
                Math.round(1024 * Float.parseFloat(width)),
                Integer.parseInt(size),
                127.5f,
                127.5f);
    }

    /** Every name {@link #of} accepts. */
    public static List<String> names() {
        List<String> names = new ArrayList<>();
        names.add(INCEPTION_V3);
        for (String width : WIDTHS) {
            for (String size : SIZES) {
                names.add("mobilenet_" + width + "_" + size);
                names.add("mobilenet_" + width + "_" + size + "_quantized");
            }
        }
        return names;
    }

    /**
     * The id events carry: the name plus the start of the graph file's SHA-256, e.g.
     * {@code mobilenet_0.25_128@sha256:76fec915bb13}, so that vectors of different graph files never mix.
     */
    public String id(String graphSha256) {
        return name + ID_SEPARATOR + graphSha256.substring(0, Math.min(ID_HASH_CHARS, graphSha256.length()));
    }

    /** The architecture name of an id made by {@link #id} (or of a plain name). */
    public static String nameOf(String id) {
        int at = id.indexOf(ID_SEPARATOR);
        return at >= 0 ? id.substring(0, at) : id;
    }

    /** The graph hash prefix of an id made by {@link #id}; empty for a plain name. */
    public static String hashOf(String id) {
        int at = id.indexOf(ID_SEPARATOR);
        return at >= 0 ? id.substring(at + ID_SEPARATOR.length()) : "";
    }

    private static final String ID_SEPARATOR = "@sha256:";
    private static final int ID_HASH_CHARS = 12;

    /** The tensor and length of one of the feature layers. */
    public String tensor(FeatureLayer layer) {
        return layer == FeatureLayer.BOTTLENECK ? bottleneckTensor : pooledTensor;
    }

    public int size(FeatureLayer layer) {
        return layer == FeatureLayer.BOTTLENECK ? bottleneckSize : pooledSize;
    }

    /** Where the graph sits below a model dir in {@code retrain.py}'s download layout. */
    public Path relativeGraphPath() {
        return Path.of(folder, graphFile);
    }
}
