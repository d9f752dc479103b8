package io.retrainstream.trainer.data;

import io.retrainstream.common.DataSet;
import io.retrainstream.common.Labels;
import io.retrainstream.common.SplitRule;
import io.retrainstream.common.event.BottleneckComputed;
import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.Features;
import io.retrainstream.common.model.ModelFiles;
import io.retrainstream.common.testing.SharedData;
import io.retrainstream.common.tf.DecodeBudget;
import io.retrainstream.common.tf.FeatureExtractor;
import io.retrainstream.common.tf.ImageLimits;
import io.retrainstream.common.tf.ParallelRuns;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * flowers-small's 750 photos through the real {@link FeatureExtractor} of mobilenet_0.50_224_quantized with the mirror
 * view on, as the extractor sends them with {@code retrain.views=original,mirror}: computed once per test JVM (about
 * twice the CNN time of the photos alone).
 */
public final class MirroredFlowers {

    public static final String ARCHITECTURE = "mobilenet_0.50_224_quantized";
    private static final int BATCH = 32;

    private static List<BottleneckComputed> events;

    private MirroredFlowers() {}

    /** The bottleneck events of every photo, with their mirror's pooled features, in file order. */
    public static synchronized List<BottleneckComputed> events() {
        if (events == null) {
            events = extract();
        }
        return events;
    }

    /** The photos as the trainer keeps them, in the sets of the default split. */
    public static List<LabelledBottleneck> images() {
        return events().stream()
                .map(event -> new LabelledBottleneck(
                        event.imageId(),
                        event.label(),
                        event.fileName(),
                        event.contentHash(),
                        SplitRule.DEFAULT.assign(event.fileName()),
                        event.vector(),
                        event.pooled(),
                        event.imageTime(),
                        event.mirror()))
                .toList();
    }

    /** The test photos of the default split. */
    public static List<LabelledBottleneck> testImages() {
        return images().stream()
                .filter(image -> image.dataSet() == DataSet.TESTING)
                .toList();
    }

    private static List<BottleneckComputed> extract() {
        List<Path> photos;
        try (Stream<Path> files = Files.walk(SharedData.flowers())) {
            photos = files.filter(p -> p.toString().endsWith(".jpg")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Architecture architecture = Architecture.of(ARCHITECTURE);
        Path graph = ModelFiles.locateGraph(architecture, Optional.of(SharedData.models()));
        List<BottleneckComputed> computed = new ArrayList<>();
        long start = System.nanoTime();
        try (FeatureExtractor extractor = new FeatureExtractor(
                architecture,
                graph,
                BATCH,
                ParallelRuns.ONE,
                new DecodeBudget(ImageLimits.DEFAULT, architecture.inputSize()),
                true)) {
            for (int from = 0; from < photos.size(); from += BATCH) {
                List<Path> batch = photos.subList(from, Math.min(photos.size(), from + BATCH));
                List<Features> features =
                        extractor.extract(batch.stream().map(SharedData::read).toList());
                for (int i = 0; i < batch.size(); i++) {
                    Path photo = batch.get(i);
                    String label =
                            Labels.normalize(photo.getParent().getFileName().toString());
                    String file = photo.getFileName().toString();
                    Features f = features.get(i);
                    computed.add(new BottleneckComputed(
                            label + "/" + file,
                            label,
                            file,
                            ARCHITECTURE,
                            file,
                            1_000L + computed.size(),
                            0,
                            f.bottleneck(),
                            f.pooled(),
                            f.mirror()));
                }
            }
        }
        System.out.printf(
                "MirroredFlowers: %d photos and their mirrors through %s in %.1f s%n",
                computed.size(), ARCHITECTURE, (System.nanoTime() - start) / 1e9);
        return List.copyOf(computed);
    }
}
