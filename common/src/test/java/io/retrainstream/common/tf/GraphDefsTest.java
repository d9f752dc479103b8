package io.retrainstream.common.tf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.ModelFiles;
import io.retrainstream.common.testing.SharedData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

/** Reading frozen graphs: a wrong file fails naming the file (and the missing node), not deep inside TensorFlow. */
class GraphDefsTest {

    @TempDir
    Path dir;

    @Test
    void randomBytesAreRefusedNamingTheFile() throws IOException {
        Random random = new Random(99);
        for (int i = 0; i < 20; i++) {
            byte[] bytes = new byte[1 + random.nextInt(4096)];
            random.nextBytes(bytes);
            Path file = Files.write(dir.resolve("random-" + i + ".pb"), bytes);
            assertThatThrownBy(() -> GraphDefs.read(file))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(file.toString());
        }
    }

    @Test
    void aTextFileIsRefusedNamingTheFile() throws IOException {
        Path file = Files.writeString(
                dir.resolve("labels.txt"), "0:background\n1:tench, Tinca tinca\n2:goldfish\n", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> GraphDefs.read(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("GraphDef");
    }

    @Test
    void anEmptyFileIsRefusedNamingTheFile() throws IOException {
        Path file = Files.write(dir.resolve("empty.pb"), new byte[0]);
        assertThatThrownBy(() -> GraphDefs.read(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("no nodes");
    }

    @Test
    void aMissingFileIsRefusedNamingTheFile() {
        Path file = dir.resolve("nowhere").resolve("frozen_graph.pb");
        assertThatThrownBy(() -> GraphDefs.read(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString());
    }

    @Test
    void requireNodesNamesTheMissingNode() {
        GraphDef graph = GraphDef.newBuilder()
                .addNode(NodeDef.newBuilder().setName("input").setOp("Placeholder"))
                .addNode(NodeDef.newBuilder().setName("other").setOp("Identity").addInput("input"))
                .build();
        Path file = dir.resolve("small.pb");
        assertThatCode(() -> GraphDefs.requireNodes(graph, file, "input", "other"))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> GraphDefs.requireNodes(graph, file, "input", "MobilenetV1/Predictions/Reshape"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'MobilenetV1/Predictions/Reshape'")
                .hasMessageContaining(file.toString());
    }

    @Test
    void theSharedGraphsHoldRetrainPysNodes() {
        for (String name : new String[] {"mobilenet_0.25_128", "mobilenet_0.50_224_quantized"}) {
            Architecture architecture = Architecture.of(name);
            Path file = ModelFiles.locateGraph(architecture, Optional.of(SharedData.models()));
            GraphDef graph = GraphDefs.read(file);
            assertThatCode(() -> GraphDefs.requireNodes(
                            graph,
                            file,
                            architecture.inputTensor(),
                            architecture.bottleneckTensor(),
                            "MobilenetV1/Logits/AvgPool_1a/AvgPool"))
                    .as(name)
                    .doesNotThrowAnyException();
            assertThatThrownBy(() -> GraphDefs.requireNodes(graph, file, "InceptionV3/pool_3"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("InceptionV3/pool_3");
        }
    }

    @Test
    void appendingWithAMissingInputOrOutputNamesIt() {
        GraphDef graph = GraphDef.newBuilder()
                .addNode(NodeDef.newBuilder().setName("input").setOp("Placeholder"))
                .addNode(NodeDef.newBuilder().setName("out").setOp("Identity").addInput("input"))
                .build();
        assertThatThrownBy(() ->
                        GraphDefs.appendWithInput(GraphDef.newBuilder(), graph, "p/", "image", "x", List.of("out")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'image'");
        assertThatThrownBy(() ->
                        GraphDefs.appendWithInput(GraphDef.newBuilder(), graph, "p/", "input", "x", List.of("logits")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'logits'");
        GraphDef.Builder target = GraphDef.newBuilder();
        GraphDefs.appendWithInput(target, graph, "p/", "input", "decoded", List.of("out"));
        assertThat(target.getNodeList()).singleElement().satisfies(node -> {
            assertThat(node.getName()).isEqualTo("p/out");
            assertThat(node.getInputList()).containsExactly("decoded");
        });
    }
}
