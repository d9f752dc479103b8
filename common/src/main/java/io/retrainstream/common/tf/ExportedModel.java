package io.retrainstream.common.tf;

import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.model.Head;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TString;

/**
 * A trained model as files any TensorFlow tool opens: the preprocessing, the pretrained CNN and the trained head in
 * one graph of constants, as a frozen GraphDef ({@code retrain.py}'s {@code output_graph.pb}) and as a SavedModel.
 * <ul>
 * <li>{@value #ENCODED_INPUT}: a scalar string, the encoded image (JPEG, PNG, GIF or BMP);</li>
 * <li>{@value #RESIZED_INPUT}: the decoded, resized and scaled float image {@code [1, size, size, 3]}, which can be
 * fed instead (as {@code retrain.py}'s graphs take their resized float input);</li>
 * <li>the softmax, named by {@code final_tensor_name}, {@code [1, classes]}.</li>
 * </ul>
 * A head with the mirror view ({@link Head#mirrored()}) is exported as the classifier serves it: a second copy of the
 * CNN reads the preprocessed image reversed along its width (so feeding {@value #RESIZED_INPUT} feeds both), the head
 * scores both pooled vectors ({@value #VIEWS_SUFFIX} appended to {@code final_tensor_name}: {@code [2, classes]}) and
 * {@code final_tensor_name} is their mean, {@link Head#softmax(io.retrainstream.common.model.Features)}.
 */
public final class ExportedModel {

    /** The encoded-image input: a scalar string. */
    public static final String ENCODED_INPUT = "image_0";
    /** The resized float input {@code [1, size, size, 3]}, already scaled by the architecture's mean and std. */
    public static final String RESIZED_INPUT = "batch_1/images";
    /** Tag of the SavedModel's graph. */
    public static final String SERVE_TAG = "serve";
    /** Signature inputs and outputs of the SavedModel. */
    public static final String SIGNATURE_IMAGE = "image";

    public static final String SIGNATURE_SCORES = "scores";
    public static final String SIGNATURE_LABELS = "labels";
    /** Appended to the final tensor's name for a mirrored head's softmax of each view, {@code [2, classes]}. */
    public static final String VIEWS_SUFFIX = "_views";

    private final Architecture architecture;
    private final Path cnnGraphFile;
    private final Head head;
    private final String finalTensorName;

    /**
     * @param cnnGraphFile the architecture's frozen graph ({@code retrain.py}'s download layout)
     * @param weights      the head's weights, row-major {@code [features][classes]}
     */
    public ExportedModel(
            Architecture architecture,
            Path cnnGraphFile,
            FeatureLayer layer,
            List<String> labels,
            float[] weights,
            float[] biases,
            String finalTensorName) {
        this(architecture, cnnGraphFile, new Head(labels, layer, weights, biases), finalTensorName);
    }

    /** @param cnnGraphFile the architecture's frozen graph ({@code retrain.py}'s download layout) */
    public ExportedModel(Architecture architecture, Path cnnGraphFile, Head head, String finalTensorName) {
        this.architecture = architecture;
        this.cnnGraphFile = cnnGraphFile;
        this.head = head;
        this.finalTensorName = finalTensorName;
    }

    /** Builds the whole model into {@code graph}; returns the softmax. */
    private Operand<TFloat32> build(Graph graph) {
        FeatureGraph features = FeatureGraph.withViews(graph, architecture, cnnGraphFile, 1, head.mirrored());
        Ops tf = Ops.create(graph);
        if (!head.mirrored()) {
            return SoftmaxHead.addInference(tf, features.features(head.layer(), 1), head, finalTensorName);
        }
        // one head on [photo; mirror] = [2, size], then the mean over the views, as Head.softmax(Features) answers
        Operand<TFloat32> views =
                tf.withName("views").concat(List.of(features.pooled(1), features.mirror(1)), tf.constant(0));
        Operand<TFloat32> each = SoftmaxHead.addInference(tf, views, head, finalTensorName + VIEWS_SUFFIX);
        return tf.withName(finalTensorName)
                .math
                .mean(each, tf.constant(new int[] {0}), org.tensorflow.op.math.Mean.keepDims(true));
    }

    /** Writes the frozen GraphDef ({@code output_graph.pb}). */
    public void writeFrozenGraph(Path file) {
        try (Graph graph = new Graph()) {
            build(graph);
            createParent(file);
            Files.write(file, graph.toGraphDef().toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the graph " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes the labels, one per line in class-index order ({@code output_labels.txt}). */
    public void writeLabels(Path file) {
        try {
            createParent(file);
            Files.write(file, head.labels());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the labels " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes a SavedModel with tag {@value #SERVE_TAG} and a {@code serving_default} signature: input
     * {@value #SIGNATURE_IMAGE} (the encoded image, a scalar string), outputs {@value #SIGNATURE_SCORES}
     * ({@code [1, classes]}) and {@value #SIGNATURE_LABELS} (the class labels, {@code [classes]}).
     */
    public void writeSavedModel(Path dir) {
        try (Graph graph = new Graph()) {
            Operand<TFloat32> scores = build(graph);
            Ops tf = Ops.create(graph);
            Operand<TString> labelNames = tf.withName("labels")
                    .constant(NdArrays.vectorOfObjects(head.labels().toArray(String[]::new)));
            Signature signature = Signature.builder()
                    .key(Signature.DEFAULT_KEY)
                    .input(SIGNATURE_IMAGE, graph.<TString>outputOrThrow(ENCODED_INPUT))
                    .output(SIGNATURE_SCORES, scores)
                    .output(SIGNATURE_LABELS, labelNames)
                    .build();
            // SavedModelBundle saves variables too; a graph of constants has none, so it holds one scalar.
            tf.withName("export_marker").variable(tf.constant(0f));
            try (Session session = new Session(graph)) {
                session.initialize();
                if (Files.exists(dir)) {
                    throw new IOException("the folder exists already");
                }
                SavedModelBundle.exporter(dir.toString())
                        .withTags(SERVE_TAG)
                        .withSession(session)
                        .withSignature(signature)
                        .export();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the SavedModel " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void createParent(Path file) throws IOException {
        if (file.toAbsolutePath().getParent() != null) {
            Files.createDirectories(file.toAbsolutePath().getParent());
        }
    }

    /** Scores {@code [classes]} of one encoded image by a frozen graph, as a TensorFlow user would run it. */
    public static float[] classifyWithFrozenGraph(Path frozenGraph, byte[] image, String finalTensorName) {
        try (Graph graph = new Graph()) {
            graph.importGraphDef(GraphDefs.read(frozenGraph));
            try (Session session = new Session(graph);
                    TString input = TString.tensorOfBytes(NdArrays.scalarOfObject(image));
                    org.tensorflow.Result result = session.runner()
                            .feed(ENCODED_INPUT, input)
                            .fetch(finalTensorName)
                            .run()) {
                TFloat32 scores = (TFloat32) result.get(0);
                float[] values = new float[(int) scores.shape().size(1)];
                for (int i = 0; i < values.length; i++) {
                    values[i] = scores.getFloat(0, i);
                }
                return values;
            }
        }
    }
}
