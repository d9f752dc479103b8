package io.retrainstream.common.tf;

import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.FeatureLayer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.SwitchCond;
import org.tensorflow.op.image.DecodeImage;
import org.tensorflow.op.image.DecodeJpeg;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TString;
import org.tensorflow.types.TUint8;

/**
 * The one preprocessing and feature-extraction graph every service uses: for each image an encoded-bytes input
 * ({@code image_<i>}, JPEG/PNG/GIF/BMP), decoded to RGB, resized bilinearly to the architecture's input size and
 * scaled by its mean and std; then the pretrained CNN up to its bottleneck, run on batches.
 *
 * <p>The frozen graphs fix their input's batch dimension, so the CNN is imported once per batch size
 * ({@link #batchSizes(int)}: 1, powers of four, and {@code maxBatch}); a batch of {@code n} images runs on the
 * smallest one that fits, padded. All copies share the decode inputs. Each copy costs resident memory once run
 * (its optimised graph and buffers, tens of MiB at 224 pixels), so there are few of them.
 */
public final class FeatureGraph {

    /** Name of the i-th encoded image input. */
    public static String imageInput(int index) {
        return "image_" + index;
    }

    /** Name of the i-th distortion input {@code [2]} int32: the size {@code [P, P]} to resize to before the crop. */
    public static String precropInput(int index) {
        return "distort_precrop_" + index;
    }

    /** Name of the i-th distortion input {@code [4]} int32: the crop's offset {@code [0, y, x, 0]}. */
    public static String offsetInput(int index) {
        return "distort_offset_" + index;
    }

    /** Name of the i-th distortion input {@code [k]} int32: axes to reverse, {@code [2]} to flip, {@code []} not. */
    public static String flipInput(int index) {
        return "distort_flip_" + index;
    }

    /** Name of the i-th distortion input, float scalar: the brightness factor. */
    public static String brightnessInput(int index) {
        return "distort_brightness_" + index;
    }

    private final Architecture architecture;
    private final boolean distorted;
    private final TreeMap<Integer, Output<TFloat32>> bottlenecks = new TreeMap<>();
    private final TreeMap<Integer, Output<TFloat32>> pooled = new TreeMap<>();
    /** Pooled features of each batch mirrored left to right; empty when the graph was built without them. */
    private final TreeMap<Integer, Output<TFloat32>> mirror = new TreeMap<>();

    private FeatureGraph(Architecture architecture, boolean distorted) {
        this.architecture = architecture;
        this.distorted = distorted;
    }

    /**
     * Builds the graph into {@code graph} from the architecture's frozen GraphDef file, with the {@link
     * FeatureLayer#MIRROR} outputs when {@code mirror}: each batch copy of the CNN gets a second copy fed the same
     * preprocessed images reversed along their width, which TensorFlow runs only when a mirror output is fetched.
     */
    public static FeatureGraph withViews(
            Graph graph, Architecture architecture, Path graphFile, int maxBatch, boolean mirror) {
        return build(graph, architecture, cnn(architecture, graphFile), maxBatch, false, mirror);
    }

    /** The architecture's frozen GraphDef, checked to hold its input and both feature layers. */
    private static GraphDef cnn(Architecture architecture, Path graphFile) {
        GraphDef cnn = GraphDefs.read(graphFile);
        GraphDefs.requireNodes(
                cnn,
                graphFile,
                architecture.inputTensor(),
                architecture.bottleneckTensor(),
                architecture.pooledTensor());
        return cnn;
    }

    /** Builds the graph into {@code graph} from the architecture's frozen GraphDef file. */
    public static FeatureGraph build(Graph graph, Architecture architecture, Path graphFile, int maxBatch) {
        return build(graph, architecture, graphFile, maxBatch, false);
    }

    /**
     * Builds the graph into {@code graph} from the architecture's frozen GraphDef file; with {@code distorted}, each
     * image also takes the inputs of one {@link Distortions.Draw} ({@link #distortedImage}).
     */
    public static FeatureGraph build(
            Graph graph, Architecture architecture, Path graphFile, int maxBatch, boolean distorted) {
        return build(graph, architecture, cnn(architecture, graphFile), maxBatch, distorted);
    }

    /** Builds the graph into {@code graph}, which must not hold nodes of the same names. */
    public static FeatureGraph build(Graph graph, Architecture architecture, GraphDef cnn, int maxBatch) {
        return build(graph, architecture, cnn, maxBatch, false);
    }

    /** Builds the graph into {@code graph}, with or without the distortion inputs. */
    public static FeatureGraph build(
            Graph graph, Architecture architecture, GraphDef cnn, int maxBatch, boolean distorted) {
        return build(graph, architecture, cnn, maxBatch, distorted, false);
    }

    /** Builds the graph into {@code graph}, with or without the distortion inputs and the mirror outputs. */
    public static FeatureGraph build(
            Graph graph, Architecture architecture, GraphDef cnn, int maxBatch, boolean distorted, boolean mirror) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be at least 1, got " + maxBatch);
        }
        FeatureGraph features = new FeatureGraph(architecture, distorted);
        List<Integer> sizes = batchSizes(maxBatch);

        GraphDef.Builder merged = GraphDef.newBuilder();
        try (Graph preprocessing = new Graph()) {
            Ops tf = Ops.create(preprocessing);
            List<Operand<TFloat32>> images = new ArrayList<>();
            for (int i = 0; i < maxBatch; i++) {
                images.add(features.preprocess(tf, tf.withSubScope("preprocess_" + i), i));
            }
            List<String> batchInputs = new ArrayList<>();
            List<String> mirrorInputs = new ArrayList<>();
            for (int batch : sizes) {
                Ops scope = tf.withSubScope("batch_" + batch);
                Operand<TFloat32> batched = batch == 1
                        ? scope.withName("images").identity(images.get(0))
                        : scope.withName("images").concat(images.subList(0, batch), tf.constant(0));
                batchInputs.add(batched.op().name());
                if (mirror) {
                    mirrorInputs.add(scope.withName("mirrored")
                            .reverse(batched, tf.constant(new int[] {2}))
                            .op()
                            .name());
                }
            }
            merged.mergeFrom(preprocessing.toGraphDef());
            for (int i = 0; i < sizes.size(); i++) {
                GraphDefs.appendWithInput(
                        merged,
                        cnn,
                        cnnPrefix(sizes.get(i)),
                        architecture.inputTensor(),
                        batchInputs.get(i),
                        List.of(architecture.bottleneckTensor(), architecture.pooledTensor()));
                if (mirror) {
                    GraphDefs.appendWithInput(
                            merged,
                            cnn,
                            mirrorPrefix(sizes.get(i)),
                            architecture.inputTensor(),
                            mirrorInputs.get(i),
                            List.of(architecture.pooledTensor()));
                }
            }
        }
        graph.importGraphDef(merged.build());

        Ops tf = Ops.create(graph);
        for (int batch : sizes) {
            features.bottlenecks.put(
                    batch,
                    flatten(
                            graph,
                            tf,
                            batch,
                            "bottleneck",
                            architecture.bottleneckTensor(),
                            architecture.bottleneckSize()));
            features.pooled.put(
                    batch, flatten(graph, tf, batch, "pooled", architecture.pooledTensor(), architecture.pooledSize()));
            if (mirror) {
                features.mirror.put(
                        batch,
                        flatten(
                                graph,
                                tf,
                                batch,
                                mirrorPrefix(batch),
                                "mirror",
                                architecture.pooledTensor(),
                                architecture.pooledSize()));
            }
        }
        return features;
    }

    /**
     * The batch sizes built for {@code maxBatch}: 1, the powers of four below it, and itself (1, 4, 16, 32 for 32).
     * Powers of two would waste less padding on odd batches, but every size is another copy of the CNN in memory;
     * full batches, the case that matters for throughput, run unpadded either way.
     */
    public static List<Integer> batchSizes(int maxBatch) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be at least 1, got " + maxBatch);
        }
        List<Integer> sizes = new ArrayList<>();
        for (int size = 1; size < maxBatch; size *= 4) {
            sizes.add(size);
        }
        sizes.add(maxBatch);
        return sizes;
    }

    /** The CNN's tensor {@code name} of one batch copy, reshaped to {@code [batch, size]}. */
    private static Output<TFloat32> flatten(Graph graph, Ops tf, int batch, String as, String name, int size) {
        return flatten(graph, tf, batch, cnnPrefix(batch), as, name, size);
    }

    /** The tensor {@code name} of the CNN copy under {@code prefix}, reshaped to {@code [batch, size]}. */
    private static Output<TFloat32> flatten(
            Graph graph, Ops tf, int batch, String prefix, String as, String name, int size) {
        @SuppressWarnings("unchecked")
        Output<TFloat32> raw = (Output<TFloat32>) graph.outputOrThrow(prefix + name);
        return tf.withSubScope("batch_" + batch)
                .withName(as)
                .reshape(raw, tf.constant(new int[] {batch, size}))
                .asOutput();
    }

    private static String cnnPrefix(int batch) {
        return "cnn_" + batch + "/";
    }

    private static String mirrorPrefix(int batch) {
        return "cnn_mirror_" + batch + "/";
    }

    /** Encoded bytes -> float [1, S, S, 3] scaled like the architecture's training input. */
    private Operand<TFloat32> preprocess(Ops root, Ops tf, int index) {
        return distorted ? distortedImage(root, tf, index, architecture) : scaledImage(root, tf, index, architecture);
    }

    /** Whether the images take distortion inputs. */
    public boolean distorted() {
        return distorted;
    }

    /**
     * {@link #scaledImage} with one {@link Distortions.Draw} applied between decode and scaling: bilinear resize to
     * {@code [P, P]} ({@link #precropInput}), an {@code S x S} crop at {@link #offsetInput}, a left-right mirror when
     * {@link #flipInput} is {@code [2]}, pixels times {@link #brightnessInput} clipped to [0, 255].
     */
    static Operand<TFloat32> distortedImage(Ops root, Ops tf, int index, Architecture architecture) {
        Placeholder<TString> encoded =
                root.withName(imageInput(index)).placeholder(TString.class, Placeholder.shape(Shape.scalar()));
        Placeholder<TInt32> precrop =
                root.withName(precropInput(index)).placeholder(TInt32.class, Placeholder.shape(Shape.of(2)));
        Placeholder<TInt32> offset =
                root.withName(offsetInput(index)).placeholder(TInt32.class, Placeholder.shape(Shape.of(4)));
        Placeholder<TInt32> flip =
                root.withName(flipInput(index)).placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
        Placeholder<TFloat32> brightness =
                root.withName(brightnessInput(index)).placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
        int size = architecture.inputSize();
        Operand<TUint8> pixels = tf.expandDims(decode(tf, encoded, size), tf.constant(0));
        Operand<TFloat32> resized = tf.image.resizeBilinear(pixels, precrop);
        Operand<TFloat32> cropped = tf.reshape(
                tf.slice(resized, offset, tf.constant(new int[] {1, size, size, 3})),
                tf.constant(new int[] {1, size, size, 3}));
        Operand<TFloat32> flipped = tf.reverse(cropped, flip);
        Operand<TFloat32> brightened =
                tf.clipByValue(tf.math.mul(flipped, brightness), tf.constant(0f), tf.constant(255f));
        Operand<TFloat32> centred = tf.math.sub(brightened, tf.constant(architecture.inputMean()));
        return tf.withName("scaled").math.div(centred, tf.constant(architecture.inputStd()));
    }

    /**
     * The one preprocessing definition: input {@code image_<index>} (encoded bytes, a placeholder of {@code root}),
     * decoded to RGB, resized bilinearly to the architecture's input size, {@code (pixel - mean) / std}, as
     * {@code [1, S, S, 3]}.
     */
    static Operand<TFloat32> scaledImage(Ops root, Ops tf, int index, Architecture architecture) {
        Placeholder<TString> encoded =
                root.withName(imageInput(index)).placeholder(TString.class, Placeholder.shape(Shape.scalar()));
        int size = architecture.inputSize();
        Operand<TUint8> batched = tf.expandDims(decode(tf, encoded, size), tf.constant(0));
        Operand<TFloat32> resized = tf.image.resizeBilinear(batched, tf.constant(new int[] {size, size}));
        Operand<TFloat32> centred = tf.math.sub(resized, tf.constant(architecture.inputMean()));
        return tf.withName("scaled").math.div(centred, tf.constant(architecture.inputStd()));
    }

    /**
     * The one decode of every image path: encoded bytes to RGB {@code [h, w, 3]} uint8. A JPEG is decoded by libjpeg at
     * the smallest scale (1/8, 1/4, 1/2 or full, TensorFlow's {@code DecodeJpeg ratio}) at which both its sides stay
     * at least {@code minSide}, read from its header ({@code ExtractJpegShape}) in the graph itself, so a frozen
     * graph fed a 12-megapixel photo decodes an eighth of it; PNG, GIF and BMP decode at full size. The same rule
     * in Java is {@link ImageHeader#decodeRatio}. Only the chosen branch runs ({@code Switch}/{@code Merge}).
     *
     * <p>The pixels stay uint8 until the resize, which reads them as floats itself: casting a full-size image to
     * float32 first would take four times its memory.
     */
    static Operand<TUint8> decode(Ops tf, Operand<TString> encoded, int minSide) {
        Ops scope = tf.withSubScope("decode");
        Operand<TBool> isJpeg = scope.math.equal(
                scope.strings.substr(encoded, scope.constant(0), scope.constant(2)),
                scope.constant(StandardCharsets.ISO_8859_1, "\u00ff\u00d8"));
        SwitchCond<TString> byFormat = scope.switchCond(encoded, isJpeg);
        List<Operand<TUint8>> branches = new ArrayList<>();
        branches.add(scope.image.decodeImage(
                byFormat.outputFalse(), TUint8.class, DecodeImage.channels(3L), DecodeImage.expandAnimations(false)));
        Output<TString> jpeg = byFormat.outputTrue();
        Operand<TInt32> shape = scope.image.extractJpegShape(jpeg);
        Operand<TInt32> shorter = scope.min(
                scope.slice(shape, scope.constant(new int[] {0}), scope.constant(new int[] {2})), scope.constant(0));
        Output<TString> rest = jpeg;
        for (int ratio : ImageHeader.JPEG_RATIOS) {
            if (ratio == 1) {
                branches.add(scope.image.decodeJpeg(rest, DecodeJpeg.channels(3L)));
                break;
            }
            // ceil(shorter / ratio) >= minSide  <=>  shorter >= ratio * (minSide - 1) + 1
            SwitchCond<TString> atRatio =
                    scope.switchCond(rest, scope.math.greaterEqual(shorter, scope.constant(ratio * (minSide - 1) + 1)));
            branches.add(scope.image.decodeJpeg(
                    atRatio.outputTrue(), DecodeJpeg.channels(3L), DecodeJpeg.ratio((long) ratio)));
            rest = atRatio.outputFalse();
        }
        return scope.merge(branches).output();
    }

    public Architecture architecture() {
        return architecture;
    }

    /** The largest batch one run takes. */
    public int maxBatch() {
        return bottlenecks.lastKey();
    }

    /** The batch size that runs {@code count} images: the smallest built size that holds them. */
    public int batchFor(int count) {
        Integer size = bottlenecks.ceilingKey(count);
        if (size == null) {
            throw new IllegalArgumentException(count + " images exceed the largest batch " + maxBatch());
        }
        return size;
    }

    /**
     * How {@code count} images run, in order: the number of images in each consecutive run. A run is padded up to the
     * next built size when that wastes at most a quarter of it; otherwise the largest size that fits runs unpadded
     * and the rest follows (with sizes 1, 4, 16: 12 images run as one padded to 16; 10 as 4, 4, 1, 1).
     */
    public List<Integer> runs(int count) {
        return runs(batchSizes(), count);
    }

    /** {@link #runs(int)} for the ascending batch sizes {@code sizes}. */
    static List<Integer> runs(List<Integer> sizes, int count) {
        TreeSet<Integer> built = new TreeSet<>(sizes);
        List<Integer> runs = new ArrayList<>();
        int left = count;
        while (left > 0) {
            int run = Math.min(left, built.last());
            int padded = built.ceiling(run);
            if (padded != run && 4 * run < 3 * padded) {
                run = built.floor(run);
            }
            runs.add(run);
            left -= run;
        }
        return runs;
    }

    /** Bottleneck output {@code [batch, bottleneckSize]} fed by inputs {@code image_0 .. image_<batch-1>}. */
    public Output<TFloat32> bottleneck(int batch) {
        return output(bottlenecks, batch);
    }

    /** Pooled feature output {@code [batch, pooledSize]} fed by inputs {@code image_0 .. image_<batch-1>}. */
    public Output<TFloat32> pooled(int batch) {
        return output(pooled, batch);
    }

    /**
     * Pooled features of the batch mirrored left to right {@code [batch, pooledSize]}, fed by inputs {@code image_0 ..
     * image_<batch-1>}; only in a graph built with the mirror ({@link #mirrors()}).
     */
    public Output<TFloat32> mirror(int batch) {
        if (mirror.isEmpty()) {
            throw new IllegalStateException("This feature graph was built without the mirror view");
        }
        return output(mirror, batch);
    }

    /** Whether it computes the {@link FeatureLayer#MIRROR} view. */
    public boolean mirrors() {
        return !mirror.isEmpty();
    }

    /** The output of one feature layer. */
    public Output<TFloat32> features(FeatureLayer layer, int batch) {
        return switch (layer) {
            case BOTTLENECK -> bottleneck(batch);
            case POOLED -> pooled(batch);
            case MIRROR -> mirror(batch);
        };
    }

    private Output<TFloat32> output(TreeMap<Integer, Output<TFloat32>> outputs, int batch) {
        Output<TFloat32> output = outputs.get(batch);
        if (output == null) {
            throw new IllegalArgumentException("No graph for batch size " + batch + "; sizes: " + bottlenecks.keySet());
        }
        return output;
    }

    /** The batch sizes built, ascending. */
    public List<Integer> batchSizes() {
        return List.copyOf(bottlenecks.keySet());
    }
}
