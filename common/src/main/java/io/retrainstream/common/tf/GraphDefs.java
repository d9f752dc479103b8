package io.retrainstream.common.tf;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;

/** Reading frozen GraphDefs and grafting them onto a graph that already holds their input. */
public final class GraphDefs {

    /** Colocation hints name nodes without the import prefix; TensorFlow places the nodes fine without them. */
    private static final String COLOCATION_ATTR = "_class";

    private GraphDefs() {}

    /** Reads a binary GraphDef, saying which file is wrong when it is not one. */
    public static GraphDef read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read graph file " + file + ": " + e.getMessage(), e);
        }
        try {
            GraphDef graphDef = GraphDef.parseFrom(bytes);
            if (graphDef.getNodeCount() == 0) {
                throw new IllegalArgumentException("Graph file " + file + " holds no nodes: not a frozen GraphDef");
            }
            return graphDef;
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(
                    "Graph file " + file + " is not a binary TensorFlow GraphDef: " + e.getMessage(), e);
        }
    }

    /**
     * Appends {@code graphDef}'s nodes to {@code target}, each renamed under {@code prefix}, with its placeholder
     * {@code inputNode} removed and every use of it wired to {@code replacement}, a node of {@code target}. This is
     * TensorFlow's {@code input_map}, which the Java import API does not expose; importing the merged GraphDef
     * then resolves every input within one import.
     */
    public static void appendWithInput(
            GraphDef.Builder target,
            GraphDef graphDef,
            String prefix,
            String inputNode,
            String replacement,
            List<String> outputNodes) {
        Map<String, NodeDef> byName = new HashMap<>();
        graphDef.getNodeList().forEach(node -> byName.put(node.getName(), node));
        if (!byName.containsKey(inputNode)) {
            throw new IllegalArgumentException("The graph has no input node '" + inputNode + "'");
        }
        Set<String> needed = new HashSet<>();
        for (String output : outputNodes) {
            needed.addAll(ancestors(byName, output, inputNode));
        }
        Set<String> batchShapes = fixedBatchShapes(byName, needed);
        for (NodeDef node : graphDef.getNodeList()) {
            if (node.getName().equals(inputNode) || !needed.contains(node.getName())) {
                continue;
            }
            NodeDef.Builder builder = node.toBuilder()
                    .setName(prefix + node.getName())
                    .clearInput()
                    .clearDevice()
                    .removeAttr(COLOCATION_ATTR);
            for (String input : node.getInputList()) {
                builder.addInput(renameInput(input, prefix, inputNode, replacement));
            }
            if (batchShapes.contains(node.getName())) {
                builder.putAttr(
                        "value",
                        AttrValue.newBuilder().setTensor(freeBatch(node)).build());
            }
            target.addNode(builder);
        }
    }

    /**
     * The nodes {@code output} depends on, itself included, up to {@code inputNode}: everything else is left out of
     * the import. What feeds the input node (inception_v3's own JPEG decoding before {@code Mul}) is not needed.
     */
    private static Set<String> ancestors(Map<String, NodeDef> byName, String output, String inputNode) {
        Set<String> seen = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(output));
        while (!todo.isEmpty()) {
            String name = todo.pop();
            NodeDef node = byName.get(name);
            if (node == null) {
                throw new IllegalArgumentException("The graph has no node '" + name + "'");
            }
            if (seen.add(name) && !name.equals(inputNode)) {
                for (String input : node.getInputList()) {
                    todo.push(nodeName(input));
                }
            }
        }
        return seen;
    }

    /**
     * Constant shapes of {@code Reshape} nodes that were frozen with the file's batch size of 1 in front; they are
     * rewritten to -1 so that the graph runs on batches.
     */
    private static Set<String> fixedBatchShapes(Map<String, NodeDef> byName, Set<String> needed) {
        Set<String> shapes = new HashSet<>();
        for (String name : needed) {
            NodeDef node = byName.get(name);
            if (!node.getOp().equals("Reshape") || node.getInputCount() < 2) {
                continue;
            }
            NodeDef shape = byName.get(nodeName(node.getInput(1)));
            if (shape != null && shape.getOp().equals("Const")) {
                int[] dims = intValues(shape.getAttrOrThrow("value").getTensor());
                if (dims.length > 0 && dims[0] == 1) {
                    shapes.add(shape.getName());
                }
            }
        }
        return shapes;
    }

    private static TensorProto freeBatch(NodeDef shapeConst) {
        TensorProto tensor = shapeConst.getAttrOrThrow("value").getTensor();
        int[] dims = intValues(tensor);
        dims[0] = -1;
        TensorProto.Builder builder = tensor.toBuilder().clearIntVal().clearTensorContent();
        for (int dim : dims) {
            builder.addIntVal(dim);
        }
        return builder.build();
    }

    private static int[] intValues(TensorProto tensor) {
        if (tensor.getDtype() != DataType.DT_INT32) {
            return new int[0];
        }
        if (!tensor.getTensorContent().isEmpty()) {
            ByteBuffer bytes = tensor.getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            int[] values = new int[bytes.remaining() / 4];
            bytes.asIntBuffer().get(values);
            return values;
        }
        long count = tensor.getTensorShape().getDimCount() == 0
                ? 1
                : tensor.getTensorShape().getDim(0).getSize();
        int[] values = new int[(int) count];
        for (int i = 0; i < count; i++) {
            values[i] = tensor.getIntValCount() == 0 ? 0 : tensor.getIntVal(Math.min(i, tensor.getIntValCount() - 1));
        }
        return values;
    }

    private static String nodeName(String input) {
        String name = input.startsWith("^") ? input.substring(1) : input;
        int colon = name.lastIndexOf(':');
        return colon >= 0 ? name.substring(0, colon) : name;
    }

    private static String renameInput(String input, String prefix, String inputNode, String replacement) {
        boolean control = input.startsWith("^");
        String name = control ? input.substring(1) : input;
        int colon = name.lastIndexOf(':');
        String node = colon >= 0 ? name.substring(0, colon) : name;
        String port = colon >= 0 ? name.substring(colon) : "";
        if (node.equals(inputNode)) {
            if (control) {
                throw new IllegalArgumentException("The graph uses its input '" + inputNode + "' as a control input");
            }
            return replacement;
        }
        return (control ? "^" : "") + prefix + node + port;
    }

    /** Checks that {@code graphDef} holds the named nodes, so a wrong graph fails with the names, not later. */
    public static void requireNodes(GraphDef graphDef, Path file, String... nodes) {
        Set<String> names = new HashSet<>();
        graphDef.getNodeList().forEach(node -> names.add(node.getName()));
        for (String node : nodes) {
            if (!names.contains(node)) {
                throw new IllegalArgumentException("Graph file " + file + " has no node '" + node
                        + "': it is not the graph this architecture expects");
            }
        }
    }
}
