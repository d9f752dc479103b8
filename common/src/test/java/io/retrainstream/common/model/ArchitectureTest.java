package io.retrainstream.common.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.retrainstream.common.model.ModelFiles.ModelNotFoundException;
import io.retrainstream.common.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code retrain.py --architecture} names for MobileNet v1, and finding their graphs in the download layout. */
class ArchitectureTest {

    private static final List<String> WIDTHS = List.of("1.0", "0.75", "0.50", "0.25");
    private static final List<String> SIZES = List.of("224", "192", "160", "128");

    @Test
    void all32NamesParse() {
        int count = 0;
        for (String width : WIDTHS) {
            for (String size : SIZES) {
                for (boolean quantized : new boolean[] {false, true}) {
                    String name = "mobilenet_" + width + "_" + size + (quantized ? "_quantized" : "");
                    Architecture a = Architecture.of(name);
                    String folder = "mobilenet_v1_" + width + "_" + size;
                    assertThat(a.name()).isEqualTo(name);
                    assertThat(a.folder()).isEqualTo(folder);
                    assertThat(a.graphFile()).isEqualTo(quantized ? "quantized_graph.pb" : "frozen_graph.pb");
                    assertThat(a.relativeGraphPath()).isEqualTo(Path.of(folder, a.graphFile()));
                    assertThat(a.downloadUrl())
                            .isEqualTo("http://download.tensorflow.org/models/" + folder + "_frozen.tgz");
                    assertThat(a.inputSize()).isEqualTo(Integer.parseInt(size));
                    assertThat(a.inputTensor()).isEqualTo("input");
                    assertThat(a.bottleneckTensor()).isEqualTo("MobilenetV1/Predictions/Reshape");
                    assertThat(a.bottleneckSize()).isEqualTo(1001);
                    assertThat(a.inputMean()).isEqualTo(127.5f);
                    assertThat(a.inputStd()).isEqualTo(127.5f);
                    assertThat(Architecture.names()).contains(name);
                    count++;
                }
            }
        }
        assertThat(count).isEqualTo(32);
        assertThat(Architecture.names()).hasSize(33).doesNotHaveDuplicates();
        assertThat(Architecture.names()).contains(Architecture.DEFAULT);
    }

    @Test
    void inceptionV3IsRetrainPysContract() {
        Architecture a = Architecture.of("inception_v3");
        assertThat(a.downloadUrl())
                .isEqualTo("http://download.tensorflow.org/models/image/imagenet/inception-2015-12-05.tgz");
        assertThat(a.relativeGraphPath()).isEqualTo(Path.of("classify_image_graph_def.pb"));
        assertThat(a.inputTensor()).isEqualTo("Mul");
        assertThat(a.inputSize()).isEqualTo(299);
        assertThat(a.bottleneckTensor()).isEqualTo("pool_3/_reshape");
        assertThat(a.bottleneckSize()).isEqualTo(2048);
        assertThat(a.pooledTensor()).isEqualTo(a.bottleneckTensor());
        assertThat(a.inputMean()).isEqualTo(128f);
        assertThat(a.inputStd()).isEqualTo(128f);
        assertThat(Architecture.names().get(0)).isEqualTo("inception_v3");
    }

    @Test
    void idsCarryTheGraphHashAndParseBack() {
        Architecture a = Architecture.of("mobilenet_0.25_128");
        String id = a.id("76fec915bb13a76014a1863ff0976f848d8506388a76fe571e7b366541cc812f");
        assertThat(id).isEqualTo("mobilenet_0.25_128@sha256:76fec915bb13");
        assertThat(Architecture.nameOf(id)).isEqualTo("mobilenet_0.25_128");
        assertThat(Architecture.hashOf(id)).isEqualTo("76fec915bb13");
        assertThat(Architecture.of(id)).isEqualTo(a);
        assertThat(Architecture.hashOf("mobilenet_0.25_128")).isEmpty();
    }

    @Test
    void namesAreTrimmedAndCaseInsensitive() {
        assertThat(Architecture.of("  MobileNet_0.25_128_Quantized ").name()).isEqualTo("mobilenet_0.25_128_quantized");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "inception_v4",
                "mobilenet_0.5_224",
                "mobilenet_1.0_256",
                "mobilenet_0.25_128_quant",
                "mobilenet_v1_0.25_128",
                "",
                "mobilenet_0.25_128 quantized"
            })
    void unknownNamesAreRefusedListingTheValidOnes(String name) {
        assertThatThrownBy(() -> Architecture.of(name))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + name + "'")
                .hasMessageContaining("mobilenet_1.0_224")
                .hasMessageContaining("mobilenet_0.25_128_quantized")
                .hasMessageContaining(String.join(", ", Architecture.names()));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "mobilenet_0.25_128",
                "mobilenet_0.25_224",
                "mobilenet_0.50_224_quantized",
                "mobilenet_0.25_128_quantized",
                "mobilenet_0.25_224_quantized"
            })
    void graphsInTheSharedModelDirAreFound(String name) {
        Path models = SharedData.models();
        Architecture architecture = Architecture.of(name);
        Path graph = ModelFiles.locateGraph(architecture, Optional.of(models));
        assertThat(graph).isEqualTo(models.resolve(architecture.folder()).resolve(architecture.graphFile()));
        assertThat(graph).isRegularFile();
    }

    @Test
    void aMissingGraphNamesTheDownloadAndTheTarget(@TempDir Path modelDir) {
        Architecture architecture = Architecture.of("mobilenet_1.0_224");
        assumeFalse(
                Files.isRegularFile(ModelFiles.defaultCacheDir().resolve(architecture.relativeGraphPath())),
                "the user's model cache holds " + architecture.name());
        assertThatThrownBy(() -> ModelFiles.locateGraph(architecture, Optional.of(modelDir)))
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessageContaining("http://download.tensorflow.org/models/mobilenet_v1_1.0_224_frozen.tgz")
                .hasMessageContaining(modelDir.resolve("mobilenet_v1_1.0_224")
                        .resolve("frozen_graph.pb")
                        .toString())
                .hasMessageContaining(modelDir.resolve("mobilenet_v1_1.0_224").toString());
    }

    @Test
    void aMissingGraphWithoutModelDirPointsAtTheCache() {
        Architecture architecture = Architecture.of("mobilenet_0.75_160_quantized");
        Path cached = ModelFiles.defaultCacheDir().resolve(architecture.relativeGraphPath());
        assumeFalse(Files.isRegularFile(cached), "the user's model cache holds " + architecture.name());
        assertThatThrownBy(() -> ModelFiles.locateGraph(architecture, Optional.empty()))
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessageContaining(architecture.downloadUrl())
                .hasMessageContaining(cached.toString());
    }

    @Test
    void theFloatGraphOfTheHalfWidthModelIsNotShared() {
        // ../shared has only the quantized 0.50 graph: asking for the float one must fail, not pick the other
        Path models = SharedData.models();
        Architecture architecture = Architecture.of("mobilenet_0.50_224");
        assumeFalse(Files.isRegularFile(ModelFiles.defaultCacheDir().resolve(architecture.relativeGraphPath())));
        assertThatThrownBy(() -> ModelFiles.locateGraph(architecture, Optional.of(models)))
                .isInstanceOf(ModelNotFoundException.class)
                .hasMessageContaining(models.resolve("mobilenet_v1_0.50_224")
                        .resolve("frozen_graph.pb")
                        .toString());
    }
}
