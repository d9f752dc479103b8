package io.retrainstream.trainer.benchmark;

import io.retrainstream.common.Labels;
import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.model.Head;
import io.retrainstream.common.model.ModelFiles;
import io.retrainstream.common.testing.SharedData;
import io.retrainstream.common.tf.FeatureExtractor;
import io.retrainstream.common.tf.ParallelRuns;
import io.retrainstream.trainer.data.TrainedHead;
import io.retrainstream.trainer.data.TrainingData;
import io.retrainstream.trainer.data.TrainingParams;
import io.retrainstream.trainer.model.HeadTrainer;
import io.retrainstream.trainer.model.TrainingDevices;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Not a test (Surefire skips it by name): repeated stratified k-fold cross-validation of the head over all photos of
 * {@code ../shared/datasets/flowers-small}, whole photos per fold ({@link CvFolds}), for each architecture and each
 * configuration of views ({@link CvViews}): which views of a training photo the head learns from, and which views of
 * a test photo it averages its softmax over (as a classifier would); and of features: the pooled vector of a view
 * alone, joined with another layer of the same CNN run ({@link CvLayers}), or transformed ({@link Transform}). Features come from the project's extractor
 * graph, computed once per view and cached on disk; the head is trained by the trainer's own {@link HeadTrainer} with
 * the service's default parameters ({@code retrain.py}'s, {@code mode=improved}); test scores are {@link Head}'s
 * softmax, the classifier's arithmetic. Run it with
 * {@code ./mvnw -B -ntp -o verify -pl trainer-service -am -Dtest=CrossValidationBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false -DskipITs}, optionally {@code -Dcv.architectures=mobilenet_0.25_128,...},
 * {@code -Dcv.configs=baseline,mirror,...}, {@code -Dcv.folds=5}, {@code -Dcv.repeats=5}, {@code -Dcv.seed=1}.
 *
 * <p>It prints one row per architecture and configuration: mean and standard deviation of the test accuracy over all
 * folds, the mean paired difference to {@code baseline} on the same folds (with its standard deviation), training
 * seconds per fold, the extraction images/s of each view it needs, and the CNN images a classification would run
 * with the batch-of-that-many latency of the extractor graph (p50 of single requests).
 */
class CrossValidationBenchmark {

    /**
     * Which views train the head and which views of a test photo it averages, and the vector of a view: its pooled
     * features, followed by those of {@code extra} layers ({@link CvLayers}), then {@code transform}ed.
     */
    record Config(String name, List<CvViews> train, List<CvViews> test, List<CvLayers> extra, Transform transform) {
        Config(String name, List<CvViews> train, List<CvViews> test) {
            this(name, train, test, List.of(), Transform.NONE);
        }

        Config(String name, List<CvLayers> extra, Transform transform) {
            this(name, List.of(CvViews.ORIGINAL), List.of(CvViews.ORIGINAL), extra, transform);
        }

        /** The same features of the photo and its mirror, trained on both and averaged at serving. */
        Config mirrored(String name) {
            return new Config(
                    name,
                    List.of(CvViews.ORIGINAL, CvViews.MIRROR),
                    List.of(CvViews.ORIGINAL, CvViews.MIRROR),
                    extra,
                    transform);
        }

        /** What one training depends on: configurations that agree on it share it. */
        List<Object> trainingKey() {
            return List.of(train, extra, transform);
        }
    }

    /** A transform of each vector before the head (the trainer then standardises each feature on the training set). */
    enum Transform {
        NONE,
        /** Signed square root of each value ("power normalisation"). */
        SIGNED_SQRT,
        /** The vector divided by its L2 norm. */
        L2_NORMALISED;

        float[] apply(float[] x) {
            return switch (this) {
                case NONE -> x;
                case SIGNED_SQRT -> {
                    float[] y = new float[x.length];
                    for (int i = 0; i < x.length; i++) {
                        y[i] = (float) (Math.signum(x[i]) * Math.sqrt(Math.abs(x[i])));
                    }
                    yield y;
                }
                case L2_NORMALISED -> {
                    double norm = 0;
                    for (float v : x) {
                        norm += v * v;
                    }
                    float scale = (float) (1 / Math.max(Math.sqrt(norm), 1e-12));
                    float[] y = new float[x.length];
                    for (int i = 0; i < x.length; i++) {
                        y[i] = x[i] * scale;
                    }
                    yield y;
                }
            };
        }
    }

    static final Config SQRT = new Config("sqrt", List.of(), Transform.SIGNED_SQRT);
    static final Config L2N = new Config("l2-normalised", List.of(), Transform.L2_NORMALISED);
    static final Config BOTTLENECK = new Config("pooled+bottleneck", List.of(CvLayers.BOTTLENECK), Transform.NONE);
    static final Config GEM = new Config("pooled+gem", List.of(CvLayers.GEM), Transform.NONE);
    static final Config CONV12 = new Config("pooled+conv12", List.of(CvLayers.CONV12), Transform.NONE);
    static final Config CONV11 = new Config("pooled+conv11", List.of(CvLayers.CONV11), Transform.NONE);

    /** The photo, its mirror, its central crop and its four corner crops. */
    static final List<CvViews> SEVEN_VIEWS = List.of(
            CvViews.ORIGINAL,
            CvViews.MIRROR,
            CvViews.CENTRE,
            CvViews.TOP_LEFT,
            CvViews.TOP_RIGHT,
            CvViews.BOTTOM_LEFT,
            CvViews.BOTTOM_RIGHT);

    static final List<Config> CONFIGS = List.of(
            new Config("baseline", List.of(CvViews.ORIGINAL), List.of(CvViews.ORIGINAL)),
            new Config("mirror-train", List.of(CvViews.ORIGINAL, CvViews.MIRROR), List.of(CvViews.ORIGINAL)),
            new Config("mirror", List.of(CvViews.ORIGINAL, CvViews.MIRROR), List.of(CvViews.ORIGINAL, CvViews.MIRROR)),
            new Config("centre", List.of(CvViews.CENTRE), List.of(CvViews.CENTRE)),
            new Config(
                    "centre-mirror",
                    List.of(CvViews.CENTRE, CvViews.CENTRE_MIRROR),
                    List.of(CvViews.CENTRE, CvViews.CENTRE_MIRROR)),
            new Config(
                    "orig+centre-mirror",
                    List.of(CvViews.ORIGINAL, CvViews.MIRROR, CvViews.CENTRE, CvViews.CENTRE_MIRROR),
                    List.of(CvViews.ORIGINAL, CvViews.MIRROR, CvViews.CENTRE, CvViews.CENTRE_MIRROR)),
            new Config("crops-train", SEVEN_VIEWS, List.of(CvViews.ORIGINAL, CvViews.MIRROR)),
            new Config("crops", SEVEN_VIEWS, SEVEN_VIEWS),
            SQRT,
            L2N,
            BOTTLENECK,
            GEM,
            CONV12,
            CONV11,
            SQRT.mirrored("sqrt-mirror"),
            BOTTLENECK.mirrored("pooled+bottleneck-mirror"),
            GEM.mirrored("pooled+gem-mirror"));

    @Test
    void crossValidate() throws IOException {
        // As in the service: the first session sets TensorFlow's process-wide op threads, one per op.
        TrainingDevices.probe();
        CvFolds plan = new CvFolds(
                Integer.getInteger("cv.folds", 5),
                Integer.getInteger("cv.repeats", 5),
                Integer.getInteger("cv.validationEvery", 8),
                Long.getLong("cv.seed", 1));
        List<Config> configs = configs();
        List<Path> photos;
        try (Stream<Path> files = Files.walk(SharedData.flowers())) {
            photos = files.filter(p -> p.toString().endsWith(".jpg")).sorted().toList();
        }
        List<String> classes = photos.stream()
                .map(p -> Labels.normalize(p.getParent().getFileName().toString()))
                .toList();
        List<String> ids = photos.stream()
                .map(p -> Labels.normalize(p.getParent().getFileName().toString()) + "/" + p.getFileName())
                .toList();
        List<String> labels = classes.stream().distinct().sorted().toList();
        List<CvFolds.Fold> folds = plan.folds(classes);

        List<String> table = new ArrayList<>();
        table.add(String.format(
                "%-30s %-20s %15s %15s %8s  %-40s %s",
                "architecture",
                "configuration",
                "accuracy",
                "vs baseline",
                "train s",
                "extraction images/s per view",
                "classify: CNN images, ms p50"));
        for (String name : architectures()) {
            Architecture architecture = Architecture.of(name);
            Map<CvViews, CvViews.Computed> views = new LinkedHashMap<>();
            for (Config config : configs) {
                for (CvViews view : union(config)) {
                    views.computeIfAbsent(view, v -> {
                        CvViews.Computed computed = v.of(architecture, ids, photos);
                        System.out.printf(
                                Locale.ROOT,
                                "%s %s: %.0f images/s (%s)%n",
                                name,
                                v.id(),
                                computed.imagesPerSecond(),
                                computed.measured());
                        return computed;
                    });
                }
            }
            Map<Config, Map<CvViews, float[][]>> vectors = new LinkedHashMap<>();
            for (Config config : configs) {
                Map<CvViews, float[][]> byView = new LinkedHashMap<>();
                for (CvViews view : union(config)) {
                    Map<CvLayers, float[][]> extra = CvLayers.of(architecture, view, ids, photos, config.extra());
                    float[][] pooled = views.get(view).pooled();
                    float[][] rows = new float[pooled.length][];
                    for (int p = 0; p < rows.length; p++) {
                        float[] row = pooled[p];
                        for (CvLayers layer : config.extra()) {
                            float[] more = extra.get(layer)[p];
                            float[] joined = Arrays.copyOf(row, row.length + more.length);
                            System.arraycopy(more, 0, joined, row.length, more.length);
                            row = joined;
                        }
                        rows[p] = config.transform().apply(row);
                    }
                    byView.put(view, rows);
                }
                vectors.put(config, byView);
            }
            Map<Integer, Double> latency = classifyLatency(architecture, photos, configs);
            double[] baseline = null;
            // Configurations that train on the same views share one training per fold.
            Map<List<Object>, List<Config>> byTraining = new LinkedHashMap<>();
            configs.forEach(c -> byTraining
                    .computeIfAbsent(c.trainingKey(), t -> new ArrayList<>())
                    .add(c));
            Map<Config, double[]> accuracies = new LinkedHashMap<>();
            Map<List<Object>, Double> trainSeconds = new LinkedHashMap<>();
            for (var training : byTraining.entrySet()) {
                Config first = training.getValue().get(0);
                Map<CvViews, float[][]> rows = vectors.get(first);
                double seconds = 0;
                for (int f = 0; f < folds.size(); f++) {
                    CvFolds.Fold fold = folds.get(f);
                    TrainingData data = new TrainingData(
                            labels,
                            FeatureLayer.POOLED,
                            rows.get(first.train().get(0))[0].length,
                            rows(fold.training(), first.train(), rows, classes, ids, labels),
                            rows(fold.validation(), first.train(), rows, classes, ids, labels),
                            new TrainingData.Split(new float[0], new int[0], List.of()));
                    TrainingParams params = TrainingParams.retrainPy(1L + f).withOverrides(Map.of("mode", "improved"));
                    long start = System.nanoTime();
                    TrainedHead head = new HeadTrainer(params, line -> {}).train(data);
                    seconds += (System.nanoTime() - start) / 1e9;
                    for (Config config : training.getValue()) {
                        accuracies.computeIfAbsent(config, c -> new double[folds.size()])[f] =
                                accuracy(head, labels, fold.testing(), config.test(), vectors.get(config), classes);
                    }
                }
                trainSeconds.put(training.getKey(), seconds / folds.size());
            }
            for (Config config : configs) {
                double[] accuracy = accuracies.get(config);
                if (config.name().equals("baseline")) {
                    baseline = accuracy;
                }
                String viewRates = union(config).stream()
                        .map(v -> String.format(
                                Locale.ROOT, "%s %.0f", v.id(), views.get(v).imagesPerSecond()))
                        .reduce((a, b) -> a + ", " + b)
                        .orElse("");
                table.add(String.format(
                        Locale.ROOT,
                        "%-30s %-20s %6.1f%% ± %4.1f %15s %8.2f  %-40s %d, %.1f",
                        name,
                        config.name(),
                        100 * mean(accuracy),
                        100 * sd(accuracy),
                        baseline == null ? "n/a" : paired(accuracy, baseline),
                        trainSeconds.get(config.trainingKey()),
                        viewRates,
                        config.test().size(),
                        latency.get(config.test().size())));
                System.out.println(table.get(table.size() - 1) + "  folds: " + percentages(accuracy));
            }
        }
        System.out.println();
        System.out.printf(
                Locale.ROOT,
                "Cross-validation on ../shared/datasets/flowers-small (%d photos, %d x %d folds, seed %d; accuracy: mean "
                        + "± sd over folds; vs baseline: mean ± sd of the paired difference; %s at the end):%n",
                photos.size(),
                plan.repeats(),
                plan.k(),
                plan.seed(),
                CvViews.load());
        table.forEach(System.out::println);
    }

    /** The rows of {@code photos} in each of {@code views}, for training or validation. */
    private static TrainingData.Split rows(
            List<Integer> photos,
            List<CvViews> views,
            Map<CvViews, float[][]> computed,
            List<String> classes,
            List<String> ids,
            List<String> labels) {
        int size = computed.get(views.get(0))[0].length;
        float[] vectors = new float[photos.size() * views.size() * size];
        int[] rowClasses = new int[photos.size() * views.size()];
        List<String> rowIds = new ArrayList<>();
        int row = 0;
        for (int photo : photos) {
            for (CvViews view : views) {
                System.arraycopy(computed.get(view)[photo], 0, vectors, row * size, size);
                rowClasses[row] = labels.indexOf(classes.get(photo));
                rowIds.add(ids.get(photo) + "#" + view.id());
                row++;
            }
        }
        return new TrainingData.Split(vectors, rowClasses, rowIds);
    }

    /** Top-1 accuracy on {@code photos} of the head's softmax averaged over {@code views}. */
    private static double accuracy(
            TrainedHead trained,
            List<String> labels,
            List<Integer> photos,
            List<CvViews> views,
            Map<CvViews, float[][]> computed,
            List<String> classes) {
        Head head = new Head(labels, FeatureLayer.POOLED, trained.weights(), trained.biases());
        int right = 0;
        for (int photo : photos) {
            float[] mean = new float[labels.size()];
            for (CvViews view : views) {
                float[] scores = head.softmax(computed.get(view)[photo]);
                for (int c = 0; c < mean.length; c++) {
                    mean[c] += scores[c] / views.size();
                }
            }
            right += labels.get(Head.argMax(mean)).equals(classes.get(photo)) ? 1 : 0;
        }
        return (double) right / photos.size();
    }

    /**
     * The p50 latency in ms of one request of n images through the extractor graph (one run at a time, one thread
     * per op, as the classifier runs a request), for each n the configurations' test views need.
     */
    private static Map<Integer, Double> classifyLatency(
            Architecture architecture, List<Path> photos, List<Config> configs) {
        Map<Integer, Double> latency = new LinkedHashMap<>();
        Path graph = ModelFiles.locateGraph(architecture, Optional.of(SharedData.models()));
        try (FeatureExtractor extractor = new FeatureExtractor(architecture, graph, 8, ParallelRuns.perCore())) {
            extractor.warmUp();
            for (Config config : configs) {
                int n = config.test().size();
                if (latency.containsKey(n)) {
                    continue;
                }
                double[] ms = new double[40];
                for (int i = 0; i < ms.length; i++) {
                    byte[] image = SharedData.read(photos.get(i * 17 % photos.size()));
                    long start = System.nanoTime();
                    extractor.extract(Collections.nCopies(n, image), FeatureLayer.POOLED);
                    ms[i] = (System.nanoTime() - start) / 1e6;
                }
                Arrays.sort(ms);
                latency.put(n, ms[ms.length / 2]);
            }
        }
        return latency;
    }

    private static List<CvViews> union(Config config) {
        List<CvViews> all = new ArrayList<>(config.train());
        config.test().stream().filter(v -> !all.contains(v)).forEach(all::add);
        return all;
    }

    private static List<Config> configs() {
        String only = System.getProperty("cv.configs", "");
        if (only.isBlank()) {
            return CONFIGS;
        }
        List<String> names = new ArrayList<>(List.of(only.split(",")));
        if (!names.contains("baseline")) {
            names.add(0, "baseline");
        }
        return names.stream()
                .map(n -> CONFIGS.stream()
                        .filter(c -> c.name().equals(n))
                        .findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("Unknown configuration " + n + "; known: "
                                + CONFIGS.stream().map(Config::name).toList())))
                .toList();
    }

    private static List<String> architectures() {
        String only = System.getProperty("cv.architectures", "");
        if (!only.isBlank()) {
            return List.of(only.split(","));
        }
        return List.of("mobilenet_0.50_224_quantized", "mobilenet_0.25_224", "mobilenet_0.25_128");
    }

    static double mean(double[] values) {
        return Arrays.stream(values).average().orElse(Double.NaN);
    }

    /** Sample standard deviation. */
    static double sd(double[] values) {
        double mean = mean(values);
        double sum = 0;
        for (double value : values) {
            sum += (value - mean) * (value - mean);
        }
        return Math.sqrt(sum / Math.max(1, values.length - 1));
    }

    private static String paired(double[] accuracies, double[] baseline) {
        double[] diff = new double[accuracies.length];
        for (int i = 0; i < diff.length; i++) {
            diff[i] = accuracies[i] - baseline[i];
        }
        return String.format(Locale.ROOT, "%+5.1f ± %3.1f", 100 * mean(diff), 100 * sd(diff));
    }

    private static String percentages(double[] accuracies) {
        return Arrays.stream(accuracies)
                .mapToObj(a -> String.format(Locale.ROOT, "%.1f", 100 * a))
                .reduce((a, b) -> a + " " + b)
                .orElse("");
    }
}
