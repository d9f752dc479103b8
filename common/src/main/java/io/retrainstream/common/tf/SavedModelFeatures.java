package io.retrainstream.common.tf;

import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.Features;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeMap;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Tensor;
import org.tensorflow.exceptions.TFInvalidArgumentException;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.types.TFloat32;

/**
 * A TensorFlow SavedModel image feature-vector module (the TF2 format of TF Hub / Kaggle
 * {@code .../feature_vector} models): its {@code serving_default} signature takes {@code [N, H, W, 3]} floats in
 * [0, 1] and returns {@code [N, D]} features, which are the bottleneck. The input size comes from the signature;
 * images are decoded and resized by the same preprocessing as the frozen graphs ({@link FeatureGraph}), with mean 0
 * and std 255. Thread-safe; close it once.
 */
public final class SavedModelFeatures implements ImageFeatures {

    public static final String SERVING_SIGNATURE = "serving_default";
    /** Prefix of the architecture name of a SavedModel module. */
    public static final String NAME_PREFIX = "savedmodel:";

    private final SavedModelBundle bundle;
    private final Architecture architecture;
    private final TreeMap<Integer, Operand<TFloat32>> batches = new TreeMap<>();
    private final DecodeBudget budget;

    public SavedModelFeatures(Path dir, int maxBatch) {
        this(dir, maxBatch, ImageLimits.DEFAULT);
    }

    /** Images over {@code limits} are refused before any decode. */
    public SavedModelFeatures(Path dir, int maxBatch, ImageLimits limits) {
        if (!Files.isRegularFile(dir.resolve("saved_model.pb"))) {
            throw new IllegalArgumentException("SavedModel folder " + dir + " has no saved_model.pb");
        }
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be at least 1, got " + maxBatch);
        }
        try {
            bundle = SavedModelBundle.load(dir.toString(), SavedModelBundle.DEFAULT_TAG);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "Cannot load SavedModel " + dir + ": " + FeatureExtractor.firstLine(e.getMessage()), e);
        }
        try {
            architecture =
                    describe(dir, bundle.metaGraphDef().getSignatureDefMap().get(SERVING_SIGNATURE));
            budget = new DecodeBudget(limits, architecture.inputSize());
            Ops tf = Ops.create(bundle.graph());
            List<Operand<TFloat32>> images = new ArrayList<>();
            for (int i = 0; i < maxBatch; i++) {
                if (bundle.graph().operation(FeatureGraph.imageInput(i)) != null) {
                    throw new IllegalArgumentException(
                            "SavedModel " + dir + " already has a node named " + FeatureGraph.imageInput(i));
                }
                images.add(FeatureGraph.scaledImage(tf, tf.withSubScope("retrain_preprocess_" + i), i, architecture));
            }
            for (int batch = 1; ; batch = Math.min(batch * 2, maxBatch)) {
                Ops scope = tf.withSubScope("retrain_batch_" + batch);
                batches.put(
                        batch,
                        batch == 1
                                ? scope.withName("images").identity(images.get(0))
                                : scope.withName("images").concat(images.subList(0, batch), tf.constant(0)));
                if (batch == maxBatch) {
                    break;
                }
            }
        } catch (RuntimeException e) {
            bundle.close();
            throw e;
        }
    }

    /** The architecture of the module: input and output tensors and sizes from its serving signature. */
    private static Architecture describe(Path dir, SignatureDef signature) {
        if (signature == null) {
            throw new IllegalArgumentException("SavedModel " + dir + " has no '" + SERVING_SIGNATURE
                    + "' signature: export it with a serving signature (an image feature-vector module has one)");
        }
        if (signature.getInputsCount() != 1 || signature.getOutputsCount() != 1) {
            throw new IllegalArgumentException("SavedModel " + dir + ": the serving signature must have one input "
                    + "and one output, it has inputs "
                    + signature.getInputsMap().keySet() + " and outputs "
                    + signature.getOutputsMap().keySet());
        }
        TensorInfo input = signature.getInputsMap().values().iterator().next();
        TensorInfo output = signature.getOutputsMap().values().iterator().next();
        List<Long> in = dims(input.getTensorShape());
        List<Long> out = dims(output.getTensorShape());
        if (in.size() != 4 || in.get(1) <= 0 || !in.get(1).equals(in.get(2)) || in.get(3) != 3) {
            throw new IllegalArgumentException("SavedModel " + dir + ": the serving input " + input.getName()
                    + " has shape " + in + ", not [N, S, S, 3] with a known square size S");
        }
        if (out.size() != 2 || out.get(1) <= 0) {
            throw new IllegalArgumentException("SavedModel " + dir + ": the serving output " + output.getName()
                    + " has shape " + out + ", not [N, D] feature vectors");
        }
        int size = Math.toIntExact(out.get(1));
        return new Architecture(
                NAME_PREFIX + dir.toAbsolutePath().normalize().getFileName(),
                dir.toAbsolutePath().normalize().toString(),
                "saved_model.pb",
                "",
                input.getName(),
                output.getName(),
                size,
                output.getName(),
                size,
                Math.toIntExact(in.get(1)),
                0f,
                255f);
    }

    private static List<Long> dims(TensorShapeProto shape) {
        return shape.getDimList().stream().map(TensorShapeProto.Dim::getSize).toList();
    }

    @Override
    public Architecture architecture() {
        return architecture;
    }

    @Override
    public int maxBatch() {
        return batches.lastKey();
    }

    @Override
    public List<Features> extract(List<byte[]> images) {
        List<Features> out = new ArrayList<>(images.size());
        for (int start = 0; start < images.size(); start += maxBatch()) {
            out.addAll(runBatch(images.subList(start, Math.min(images.size(), start + maxBatch()))));
        }
        return out;
    }

    @Override
    public Features extract(byte[] image) {
        return runBatch(List.of(image)).get(0);
    }

    @Override
    public void warmUp() {
        for (int batch : batches.keySet()) {
            runBatch(Collections.nCopies(batch, WarmUpImage.png()));
        }
    }

    /** Two runs of the module's session: the shared preprocessing to pixels, then the serving signature on them. */
    private List<Features> runBatch(List<byte[]> images) {
        return budget.runContained(images, () -> runChecked(images));
    }

    private List<Features> runChecked(List<byte[]> images) {
        int batch = batches.ceilingKey(images.size());
        try (ImageFeed feed = new ImageFeed(images, batch);
                Result pixels = feed.feed(bundle.session().runner())
                        .fetch(batches.get(batch))
                        .run();
                Result result = bundle.session()
                        .runner()
                        .feed(architecture.inputTensor(), (Tensor) pixels.get(0))
                        .fetch(architecture.bottleneckTensor())
                        .run()) {
            TFloat32 values = (TFloat32) result.get(0);
            float[] flat = new float[(int) values.size()];
            values.copyTo(DataBuffers.of(flat, false, false));
            int size = architecture.bottleneckSize();
            List<Features> out = new ArrayList<>(images.size());
            for (int i = 0; i < images.size(); i++) {
                float[] row = java.util.Arrays.copyOfRange(flat, i * size, (i + 1) * size);
                out.add(new Features(row, row));
            }
            return out;
        } catch (TFInvalidArgumentException e) {
            throw ImageDecodeException.fromTensorFlow(e);
        }
    }

    @Override
    public void close() {
        bundle.close();
    }
}
