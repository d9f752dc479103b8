package io.retrainstream.trainer.benchmark;

import io.retrainstream.common.Labels;
import io.retrainstream.common.SplitRule;
import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.model.Features;
import io.retrainstream.common.model.ModelFiles;
import io.retrainstream.common.testing.SharedData;
import io.retrainstream.common.tf.FeatureExtractor;
import io.retrainstream.trainer.data.LabelledBottleneck;
import io.retrainstream.trainer.data.TrainedHead;
import io.retrainstream.trainer.data.TrainingData;
import io.retrainstream.trainer.data.TrainingMode;
import io.retrainstream.trainer.data.TrainingParams;
import io.retrainstream.trainer.model.HeadTrainer;
import io.retrainstream.trainer.model.TrainingDevices;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Not a test (Surefire skips it by name): the accuracy benchmark. For every architecture whose graph is in
 * {@code ../shared/models}, computes both feature layers of every photo of {@code ../shared/datasets/flowers-small},
 * splits them by {@code retrain.py}'s rule, trains in both modes with the default parameters and prints a table.
 * Run it with
 * {@code ./mvnw -B -o -pl trainer-service -am verify -Dtest=TrainingBenchmark -Dsurefire.failIfNoSpecifiedTests=false}
 * (optionally {@code -Dbenchmark.architectures=mobilenet_0.25_128,...}, {@code -Dbenchmark.seed=N} or
 * {@code -Dbenchmark.seeds=1,2,3} (every training once per seed on the same features, without the warm starts) and
 * {@code -Dbenchmark.repeats=N}: each training is run N times and the fastest time printed, with all times after it).
 * It then times an incremental retrain: a warm start from a head trained on all classes but the last, on all classes,
 * with {@code -Dbenchmark.warmSteps} steps (default 400).
 *
 * <p>With {@code -Dbenchmark.photos=12mp}, each photo is first scaled up to a 4000 x 3000 JPEG, as a phone writes it,
 * and the table has two rows per mode: {@code jpeg-1/8}, the JPEG as the services decode it (at reduced scale), and
 * {@code full-decode}, the same JPEG decoded at full size (by ImageIO, fed as a BMP, which TensorFlow decodes at full
 * size): what reduced-scale decoding changes in accuracy.
 */
public class TrainingBenchmark {

    private static final int MAX_BATCH = 32;

    @Test
    void benchmark() throws IOException {
        // As in the service: the first session sets TensorFlow's process-wide op threads, one per op.
        TrainingDevices.probe();
        List<Long> seeds = java.util.Arrays.stream(
                        System.getProperty("benchmark.seeds", Long.toString(Long.getLong("benchmark.seed", 1)))
                                .split(","))
                .map(Long::parseLong)
                .toList();
        int repeats = Integer.getInteger("benchmark.repeats", 1);
        List<String> lines = new ArrayList<>();
        lines.add(String.format(
                "%-32s %-9s %-10s %-14s %-14s %10s %12s",
                "architecture", "mode", "feature", "validation", "test", "train s", "extract s"));
        for (String name : architectures()) {
            Architecture architecture = Architecture.of(name);
            long extractStart = System.nanoTime();
            java.util.Map<String, List<LabelledBottleneck>> variants = extract(architecture);
            double extractSeconds = (System.nanoTime() - extractStart) / 1e9;
            for (String variant : variants.keySet()) {
                List<LabelledBottleneck> images = variants.get(variant);
                List<String> labels = images.stream()
                        .map(LabelledBottleneck::label)
                        .distinct()
                        .sorted()
                        .toList();
                dump(name, images);
                for (long seed : seeds) {
                    for (TrainingMode mode : TrainingMode.values()) {
                        FeatureLayer layer =
                                mode == TrainingMode.IMPROVED ? FeatureLayer.POOLED : FeatureLayer.BOTTLENECK;
                        TrainingData data = TrainingData.of(labels, images, SplitRule.DEFAULT, layer);
                        TrainingParams params =
                                TrainingParams.retrainPy(seed).withOverrides(java.util.Map.of("mode", mode.id()));
                        TrainedHead head = null;
                        List<String> times = new ArrayList<>();
                        double seconds = Double.MAX_VALUE;
                        for (int i = 0; i < repeats; i++) {
                            long start = System.nanoTime();
                            head = new HeadTrainer(params, line -> {}).train(data);
                            double took = (System.nanoTime() - start) / 1e9;
                            seconds = Math.min(seconds, took);
                            times.add(String.format(Locale.ROOT, "%.2f", took));
                        }
                        lines.add(String.format(
                                Locale.ROOT,
                                "%-32s %-9s %-10s %-14s %-14s %10.2f %12.1f  %s",
                                (variant.equals("original") ? name : name + " " + variant)
                                        + (seeds.size() > 1 ? " seed " + seed : ""),
                                mode.id(),
                                layer.id(),
                                accuracy(head.validationAccuracy(), head.validationCount()),
                                accuracy(head.testAccuracy(), head.testCount()),
                                seconds,
                                extractSeconds,
                                repeats > 1 ? "all: " + String.join(" ", times) : ""));
                        System.out.println(lines.get(lines.size() - 1) + "  chosen: " + head.chosen());
                        if (seeds.size() == 1) {
                            lines.add(warmStart(name, data, params, repeats, head));
                            System.out.println(lines.get(lines.size() - 1));
                        }
                    }
                }
            }
        }
        System.out.println();
        System.out.println("Training benchmark on ../shared/datasets/flowers-small (seeds " + seeds + "):");
        lines.forEach(System.out::println);
    }

    /**
     * Trains cold on all classes but the last, then warm-starts on all classes; the time is the warm training's.
     * Prints the test accuracy on the old classes before and after, and the test recall of the new class, beside those
     * of {@code coldHead}, trained cold on all classes.
     */
    private static String warmStart(
            String name, TrainingData data, TrainingParams params, int repeats, TrainedHead coldHead) {
        List<String> old = data.labels().subList(0, data.labels().size() - 1);
        TrainingData before = new TrainingData(
                old,
                data.layer(),
                data.bottleneckSize(),
                without(data.training(), old),
                without(data.validation(), old),
                without(data.testing(), old));
        TrainedHead cold = new HeadTrainer(params, line -> {}).train(before);
        int steps = Integer.getInteger("benchmark.warmSteps", 400);
        TrainingParams warmParams = params.withOverrides(java.util.Map.of("how_many_training_steps", steps));
        TrainedHead warm = null;
        List<String> times = new ArrayList<>();
        double seconds = Double.MAX_VALUE;
        for (int i = 0; i < repeats; i++) {
            long start = System.nanoTime();
            warm = new HeadTrainer(warmParams, line -> {}).train(data, cold.warmStart(old));
            double took = (System.nanoTime() - start) / 1e9;
            seconds = Math.min(seconds, took);
            times.add(String.format(Locale.ROOT, "%.2f", took));
        }
        int added = data.labels().size() - 1;
        return String.format(
                Locale.ROOT,
                "%-32s %-9s %-10s warm start on new class '%s', %d steps: %.2f s "
                        + "(all: %s); old classes test %.1f%% -> %.1f%% (cold on all: %.1f%%), new class test recall %.1f%% "
                        + "(cold on all: %.1f%%); chosen: %s",
                name,
                params.mode().id(),
                data.layer().id(),
                data.labels().get(added),
                steps,
                seconds,
                String.join(" ", times),
                100 * cold.testAccuracy(before, c -> true),
                100 * warm.testAccuracy(data, c -> c != added),
                100 * coldHead.testAccuracy(data, c -> c != added),
                100 * warm.testAccuracy(data, c -> c == added),
                100 * coldHead.testAccuracy(data, c -> c == added),
                warm.chosen());
    }

    /** The rows of {@code split} whose class is one of the first {@code labels.size()}. */
    private static TrainingData.Split without(TrainingData.Split split, List<String> labels) {
        int size = split.count() == 0 ? 0 : split.vectors().length / split.count();
        List<Integer> rows = new ArrayList<>();
        for (int row = 0; row < split.count(); row++) {
            if (split.classes()[row] < labels.size()) {
                rows.add(row);
            }
        }
        float[] vectors = new float[rows.size() * size];
        int[] classes = new int[rows.size()];
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(split.vectors(), rows.get(i) * size, vectors, i * size, size);
            classes[i] = split.classes()[rows.get(i)];
            ids.add(split.ids().get(rows.get(i)));
        }
        return new TrainingData.Split(vectors, classes, ids);
    }

    /** With {@code -Dbenchmark.dump=DIR}, writes {@code <architecture>.csv}: set, label, pooled features. */
    private static void dump(String name, List<LabelledBottleneck> images) throws IOException {
        String dir = System.getProperty("benchmark.dump", "");
        if (dir.isBlank()) {
            return;
        }
        List<String> rows = new ArrayList<>();
        for (LabelledBottleneck image : images) {
            StringBuilder row =
                    new StringBuilder(image.dataSet().id()).append(',').append(image.label());
            for (float v : image.pooled()) {
                row.append(',').append(v);
            }
            rows.add(row.toString());
        }
        Files.createDirectories(Path.of(dir));
        Files.write(Path.of(dir, name + ".csv"), rows);
    }

    private static List<String> architectures() {
        String only = System.getProperty("benchmark.architectures", "");
        if (!only.isBlank()) {
            return List.of(only.split(","));
        }
        return Architecture.names().stream()
                .filter(name -> {
                    try {
                        ModelFiles.locateGraph(Architecture.of(name), Optional.of(SharedData.models()));
                        return true;
                    } catch (ModelFiles.ModelNotFoundException e) {
                        return false;
                    }
                })
                .toList();
    }

    /**
     * The features of every photo by variant: {@code original}, or (-Dbenchmark.photos=12mp) each photo scaled up to
     * a 12 MP JPEG, as the services decode it ({@code jpeg-1/8}) and decoded in full ({@code full-decode}: ImageIO's
     * pixels of the same JPEG, fed as a BMP, which TensorFlow decodes at full size). The photos are prepared on all
     * cores.
     */
    private static java.util.Map<String, List<LabelledBottleneck>> extract(Architecture architecture)
            throws IOException {
        boolean large = "12mp".equals(System.getProperty("benchmark.photos", ""));
        List<Path> photos;
        try (Stream<Path> files = Files.walk(SharedData.flowers())) {
            photos = files.filter(p -> p.toString().endsWith(".jpg")).sorted().toList();
        }
        java.util.Map<String, List<LabelledBottleneck>> variants = new java.util.LinkedHashMap<>();
        Path graph = ModelFiles.locateGraph(architecture, Optional.of(SharedData.models()));
        try (FeatureExtractor extractor = new FeatureExtractor(architecture, graph, MAX_BATCH)) {
            for (int from = 0; from < photos.size(); from += MAX_BATCH) {
                List<Path> batch = photos.subList(from, Math.min(photos.size(), from + MAX_BATCH));
                java.util.Map<String, List<byte[]>> inputs = new java.util.LinkedHashMap<>();
                if (large) {
                    List<byte[]> jpegs = batch.parallelStream()
                            .map(file -> io.retrainstream.common.testing.HostileImages.largePhoto(
                                    SharedData.read(file), 4000, 3000))
                            .toList();
                    inputs.put("jpeg-1/8", jpegs);
                    inputs.put(
                            "full-decode",
                            jpegs.parallelStream()
                                    .map(TrainingBenchmark::fullDecode)
                                    .toList());
                } else {
                    inputs.put("original", batch.stream().map(SharedData::read).toList());
                }
                for (var input : inputs.entrySet()) {
                    List<Features> features = extractor.extract(input.getValue());
                    List<LabelledBottleneck> images =
                            variants.computeIfAbsent(input.getKey(), key -> new ArrayList<>());
                    for (int i = 0; i < batch.size(); i++) {
                        images.add(flowerPhoto(batch.get(i), features.get(i)));
                    }
                }
            }
        }
        return variants;
    }

    /** The JPEG's pixels decoded in full by ImageIO, as a BMP (which TensorFlow decodes at full size too). */
    private static byte[] fullDecode(byte[] jpeg) {
        try {
            return io.retrainstream.common.testing.HostileImages.encode(
                    javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(jpeg)), "bmp");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String accuracy(double value, int count) {
        return Double.isNaN(value) ? "n/a" : String.format(Locale.ROOT, "%.1f%% (N=%d)", value * 100, count);
    }

    /** A photo of {@code ../shared/datasets/flowers-small} with its features, labelled by its folder. */
    public static LabelledBottleneck flowerPhoto(Path photo, Features features) {
        String label = Labels.normalize(photo.getParent().getFileName().toString());
        String file = photo.getFileName().toString();
        return new LabelledBottleneck(
                label + "/" + file,
                label,
                file,
                file,
                SplitRule.DEFAULT.assign(file),
                features.bottleneck(),
                features.pooled(),
                0L);
    }
}
