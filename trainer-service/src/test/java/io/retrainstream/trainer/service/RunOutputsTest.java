package io.retrainstream.trainer.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import io.retrainstream.common.DataSet;
import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.model.Features;
import io.retrainstream.common.model.ModelFiles;
import io.retrainstream.common.testing.SharedData;
import io.retrainstream.common.tf.ExportedModel;
import io.retrainstream.common.tf.FeatureExtractor;
import io.retrainstream.trainer.data.LabelledBottleneck;
import io.retrainstream.trainer.data.TrainedHead;
import io.retrainstream.trainer.data.TrainingData;
import io.retrainstream.trainer.data.TrainingParams;
import io.retrainstream.trainer.model.Cancellation;
import io.retrainstream.trainer.model.HeadTrainer;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.proto.Event;
import org.tensorflow.proto.Summary;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TString;

/** A run's TensorFlow outputs, re-opened by TensorFlow and compared with the head the trainer publishes. */
class RunOutputsTest {

    private static final String ARCHITECTURE = "mobilenet_0.25_128";
    private static final List<String> LABELS = List.of("daisy", "roses", "tulips");
    private static final int PER_CLASS = 8;
    private static List<LabelledBottleneck> images;
    private static Map<String, byte[]> photos = new HashMap<>();
    private static FeatureExtractor extractor;

    @TempDir
    Path dir;

    @BeforeAll
    static void extract() {
        Architecture architecture = Architecture.of(ARCHITECTURE);
        extractor = new FeatureExtractor(architecture, graph(), 8);
        images = new ArrayList<>();
        for (String label : LABELS) {
            List<Path> files = SharedData.flowerPhotos(label, PER_CLASS);
            List<byte[]> bytes = files.stream().map(SharedData::read).toList();
            List<Features> features = extractor.extract(bytes);
            for (int i = 0; i < files.size(); i++) {
                String id = label + "/" + files.get(i).getFileName();
                photos.put(id, bytes.get(i));
                // 6 training, 1 validation, 1 test image per class
                DataSet set = i < 6 ? DataSet.TRAINING : i == 6 ? DataSet.VALIDATION : DataSet.TESTING;
                images.add(new LabelledBottleneck(
                        id,
                        label,
                        files.get(i).getFileName().toString(),
                        id,
                        set,
                        features.get(i).bottleneck(),
                        features.get(i).pooled(),
                        0L));
            }
        }
    }

    @org.junit.jupiter.api.AfterAll
    static void close() {
        extractor.close();
    }

    private static Path graph() {
        return ModelFiles.locateGraph(Architecture.of(ARCHITECTURE), Optional.of(SharedData.models()));
    }

    /** softmax(features . weights + biases): the head the trainer publishes, on the extractor's features. */
    private static float[] published(TrainedHead head, float[] features) {
        int classes = head.biases().length;
        double[] logits = new double[classes];
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            logits[c] = head.biases()[c];
            for (int d = 0; d < features.length; d++) {
                logits[c] += features[d] * head.weights()[d * classes + c];
            }
            max = Math.max(max, logits[c]);
        }
        double sum = 0;
        for (double l : logits) {
            sum += Math.exp(l - max);
        }
        float[] scores = new float[classes];
        for (int c = 0; c < classes; c++) {
            scores[c] = (float) (Math.exp(logits[c] - max) / sum);
        }
        return scores;
    }

    @Test
    void writesGraphLabelsSavedModelSummariesAndIntermediateGraphs() throws Exception {
        TrainingParams params = TrainingParams.retrainPy(3)
                .withOverrides(Map.of(
                        "mode",
                        "improved",
                        "how_many_training_steps",
                        60,
                        "intermediate_store_frequency",
                        50,
                        "intermediate_output_graphs_dir",
                        dir.resolve("intermediate").toString(),
                        "output_graph",
                        dir.resolve("output_graph.pb").toString(),
                        "output_labels",
                        dir.resolve("output_labels.txt").toString(),
                        "saved_model_dir",
                        dir.resolve("saved").toString(),
                        "summaries_dir",
                        dir.resolve("logs").toString()));
        TrainingData data = TrainingData.of(LABELS, images, null, FeatureLayer.POOLED);
        List<String> lines = new ArrayList<>();
        TrainedHead head;
        String run;
        try (RunOutputs.Writer files =
                outputs(10).open(params, 1, ARCHITECTURE, FeatureLayer.POOLED, LABELS, lines::add)) {
            run = files.runName();
            head = new HeadTrainer(params, lines::add, files).train(data);
            files.stage(head, Cancellation.NEVER);
            assertThat(dir.resolve("output_graph.pb"))
                    .as("nothing under a final name before the commit")
                    .doesNotExist();
            files.commit(1);
        }

        assertThat(run).matches("[0-9]{8}T[0-9]{6}Z-run1");
        assertThat(Files.readAllLines(dir.resolve("output_labels.txt"))).containsExactlyElementsOf(LABELS);
        assertThat(Files.readAllLines(dir.resolve("output_labels.1.txt"))).containsExactlyElementsOf(LABELS);
        assertThat(dir.resolve("output_graph.1.pb")).hasSameBinaryContentAs(dir.resolve("output_graph.pb"));
        assertThat(dir.resolve("intermediate").resolve(run).resolve("l2_1e-03/intermediate_50.pb"))
                .isRegularFile();
        assertThat(lines).anyMatch(line -> line.startsWith("Save intermediate result to : "));
        assertThat(hiddenFiles(dir)).isEmpty();

        try (SavedModelBundle bundle =
                SavedModelBundle.load(dir.resolve("saved/1").toString(), "serve")) {
            for (LabelledBottleneck image :
                    images.stream().filter(i -> i.dataSet() == DataSet.TESTING).toList()) {
                byte[] photo = photos.get(image.imageId());
                float[] want = published(head, image.pooled());
                assertThat(ExportedModel.classifyWithFrozenGraph(dir.resolve("output_graph.pb"), photo, "final_result"))
                        .containsExactly(want, offset(1e-4f));
                try (TString input = TString.tensorOfBytes(NdArrays.scalarOfObject(photo));
                        Result result = bundle.function(Signature.DEFAULT_KEY).call(Map.of("image", input))) {
                    TFloat32 scores = (TFloat32) result.get("scores").orElseThrow();
                    for (int c = 0; c < LABELS.size(); c++) {
                        assertThat(scores.getFloat(0, c)).isCloseTo(want[c], offset(1e-4f));
                    }
                }
            }
        }

        Map<String, Map<Long, Float>> train =
                scalars(dir.resolve("logs").resolve(run).resolve("l2_1e-03/train"));
        Map<String, Map<Long, Float>> validation =
                scalars(dir.resolve("logs").resolve(run).resolve("l2_1e-03/validation"));
        assertThat(train).containsOnlyKeys("accuracy", "cross_entropy");
        assertThat(validation).containsOnlyKeys("accuracy", "cross_entropy");
        assertThat(train.get("accuracy")).containsKeys(0L, 10L, 50L, 59L);
        assertThat(train.get("cross_entropy").get(0L))
                .isGreaterThan(train.get("cross_entropy").get(59L));
        assertThat(validation.get("accuracy").get(0L)).isBetween(0f, 1f);
    }

    @Test
    void eachPublishedVersionGetsItsFilesAndAnUnpublishedRunLeavesNone() throws Exception {
        TrainingParams params = TrainingParams.retrainPy(4)
                .withOverrides(Map.of(
                        "how_many_training_steps",
                        20,
                        "output_graph",
                        dir.resolve("out/graph.pb").toString(),
                        "output_labels",
                        dir.resolve("out/labels.txt").toString(),
                        "saved_model_dir",
                        dir.resolve("serving").toString()));
        TrainingData data = TrainingData.of(LABELS, images, null, FeatureLayer.BOTTLENECK);
        TrainedHead head = new HeadTrainer(params, line -> {}).train(data);
        RunOutputs outputs = outputs(2);
        for (long version : new long[] {1, 2}) {
            try (RunOutputs.Writer files =
                    outputs.open(params, version, ARCHITECTURE, FeatureLayer.BOTTLENECK, LABELS, line -> {})) {
                files.stage(head, Cancellation.NEVER);
                files.commit(version);
            }
        }
        // Rejected by the gate, or cancelled: staged, never committed.
        try (RunOutputs.Writer files =
                outputs.open(params, 3, ARCHITECTURE, FeatureLayer.BOTTLENECK, LABELS, line -> {})) {
            files.stage(head, Cancellation.NEVER);
        }
        assertThat(names(dir.resolve("serving"))).containsExactly("1", "2");
        assertThat(names(dir.resolve("out")))
                .containsExactly("graph.1.pb", "graph.2.pb", "graph.pb", "labels.1.txt", "labels.2.txt", "labels.txt");
        assertThat(dir.resolve("serving/2/saved_model.pb")).isRegularFile();
        assertThat(dir.resolve("out/graph.pb")).hasSameBinaryContentAs(dir.resolve("out/graph.2.pb"));

        try (RunOutputs.Writer files =
                outputs.open(params, 4, ARCHITECTURE, FeatureLayer.BOTTLENECK, LABELS, line -> {})) {
            files.stage(head, Cancellation.NEVER);
            files.commit(3);
        }
        assertThat(names(dir.resolve("serving")))
                .as("the newest 2 versions are kept")
                .containsExactly("2", "3");
        assertThat(names(dir.resolve("out")))
                .containsExactly("graph.2.pb", "graph.3.pb", "graph.pb", "labels.2.txt", "labels.3.txt", "labels.txt");
        assertThat(hiddenFiles(dir)).isEmpty();
    }

    @Test
    void keepsTheNewestRunFoldersOfSummaries() throws Exception {
        TrainingParams params = TrainingParams.retrainPy(5)
                .withOverrides(Map.of("summaries_dir", dir.resolve("logs").toString()));
        Files.createDirectories(dir.resolve("logs/mine"));
        List<String> runs = new ArrayList<>();
        for (long runId : new long[] {8, 9, 10}) {
            try (RunOutputs.Writer files =
                    outputs(2).open(params, runId, ARCHITECTURE, FeatureLayer.BOTTLENECK, LABELS, line -> {})) {
                files.evaluated("", new TrainedHead.Evaluation(0, 0.5, 1.0, 0.5, 1.0, 3));
                runs.add(files.runName());
            }
        }
        assertThat(names(dir.resolve("logs")))
                .as("the newest 2 runs, and what is not a run folder")
                .containsExactlyInAnyOrder(runs.get(1), runs.get(2), "mine");
    }

    private RunOutputs outputs(int versionsKept) {
        return new RunOutputs(Optional.of(SharedData.models()), versionsKept);
    }

    private static List<String> names(Path folder) throws IOException {
        try (Stream<Path> list = Files.list(folder)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static List<Path> hiddenFiles(Path folder) throws IOException {
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(p -> p.getFileName().toString().startsWith(".")).toList();
        }
    }

    /** Every scalar in the event files of one folder, by tag and step, read as TensorBoard reads them. */
    static Map<String, Map<Long, Float>> scalars(Path folder) throws IOException {
        Map<String, Map<Long, Float>> scalars = new HashMap<>();
        List<Path> files;
        try (Stream<Path> list = Files.list(folder)) {
            files = list.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents"))
                    .toList();
        }
        assertThat(files).isNotEmpty();
        for (Path file : files) {
            for (byte[] record : tfRecords(file)) {
                Event event = Event.parseFrom(record);
                for (Summary.Value value : event.getSummary().getValueList()) {
                    float number = value.hasTensor() ? value.getTensor().getFloatVal(0) : value.getSimpleValue();
                    scalars.computeIfAbsent(value.getTag(), t -> new HashMap<>())
                            .put(event.getStep(), number);
                }
            }
        }
        return scalars;
    }

    /** TFRecord framing: uint64 length, uint32 CRC of it, the data, uint32 CRC of the data (little-endian). */
    private static List<byte[]> tfRecords(Path file) throws IOException {
        List<byte[]> records = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file);
                DataInputStream data = new DataInputStream(in)) {
            while (true) {
                byte[] header = new byte[12];
                try {
                    data.readFully(header);
                } catch (EOFException e) {
                    return records;
                }
                long length =
                        ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).getLong();
                byte[] record = new byte[(int) length];
                data.readFully(record);
                data.readFully(new byte[4]);
                records.add(record);
            }
        }
    }
}
