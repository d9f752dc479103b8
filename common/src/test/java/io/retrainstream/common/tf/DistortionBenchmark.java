package io.retrainstream.common.tf;

import static org.assertj.core.api.Assertions.assertThat;

import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.ModelFiles;
import io.retrainstream.common.testing.SharedData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Not a test (Surefire skips it by name): throughput of distorted bottlenecks, images/s, on photos of
 * {@code ../shared/datasets/flowers-small}, next to the undistorted batched extraction, with the batches of a request
 * run by 1 and by 2 threads on one session (the extractor's {@code distort-workers}).
 *
 * <pre>
 * ./mvnw -B -o -pl common verify -Dtest=DistortionBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
 *        [-Dbenchmark.architectures=mobilenet_0.25_128,mobilenet_0.50_224_quantized] [-Dbenchmark.images=192]
 * </pre>
 */
class DistortionBenchmark {

    private static final int MAX_BATCH = 32;
    private static final Distortions DISTORTIONS = new Distortions(true, 10, 10, 10);

    @Test
    void printsThroughput() throws Exception {
        String[] names = System.getProperty(
                        "benchmark.architectures", "mobilenet_0.25_128,mobilenet_0.50_224_quantized")
                .split(",");
        int count = Integer.getInteger("benchmark.images", 192);
        List<byte[]> images = new ArrayList<>();
        for (String label : List.of("daisy", "dandelion", "roses", "sunflowers", "tulips")) {
            SharedData.flowerPhotos(label, count / 5 + 1).forEach(file -> images.add(SharedData.read(file)));
        }
        List<byte[]> photos = images.subList(0, count);
        List<String> rows = new ArrayList<>();
        rows.add(String.format(
                "%-32s %8s %14s %16s %16s",
                "architecture", "images", "plain img/s", "distorted 1 thr", "distorted 2 thr"));
        for (String name : names) {
            Architecture architecture = Architecture.of(name.trim());
            Path graph = ModelFiles.locateGraph(architecture, Optional.of(SharedData.models()));
            double plain;
            try (FeatureExtractor extractor = new FeatureExtractor(architecture, graph, MAX_BATCH)) {
                extractor.warmUp();
                long start = System.nanoTime();
                assertThat(extractor.extract(photos)).hasSize(count);
                plain = count / seconds(start);
            }
            try (DistortedFeatureExtractor extractor = new DistortedFeatureExtractor(architecture, graph, MAX_BATCH)) {
                Random random = new Random(1);
                List<Distortions.Draw> draws = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    draws.add(DISTORTIONS.sample(random, architecture.inputSize()));
                }
                extractor.warmUp();
                double one = count / run(extractor, photos, draws, 1);
                double two = count / run(extractor, photos, draws, 2);
                rows.add(String.format("%-32s %8d %14.0f %16.0f %16.0f", architecture.name(), count, plain, one, two));
            }
        }
        System.out.println();
        rows.forEach(System.out::println);
    }

    /** Seconds to distort every photo, batches of {@code MAX_BATCH} run by {@code threads} threads. */
    private static double run(
            DistortedFeatureExtractor extractor, List<byte[]> photos, List<Distortions.Draw> draws, int threads)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            long start = System.nanoTime();
            List<Future<?>> batches = new ArrayList<>();
            for (int from = 0; from < photos.size(); from += MAX_BATCH) {
                int to = Math.min(photos.size(), from + MAX_BATCH);
                List<byte[]> batch = photos.subList(from, to);
                List<Distortions.Draw> batchDraws = draws.subList(from, to);
                batches.add(pool.submit(() -> extractor.extract(batch, batchDraws)));
            }
            for (Future<?> batch : batches) {
                batch.get();
            }
            return seconds(start);
        } finally {
            pool.shutdownNow();
        }
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
