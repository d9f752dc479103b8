package io.retrainstream.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.ModelFiles;

/** {@code ./retrain architectures}: the pretrained models, and whether their graph is at hand. */
final class ArchitecturesCommand implements Command {

    @Override
    public String name() {
        return "architectures";
    }

    @Override
    public String summary() {
        return "list the architectures and whether their graph is downloaded";
    }

    @Override
    public String usage() {
        return """
                Usage: ./retrain architectures [--model-dir DIR]

                Lists the names --architecture accepts, with input size and bottleneck size, and where each
                graph was found: in DIR when given, else in the model cache.

                Options:
                  --model-dir DIR  also look in this folder (retrain.py's download layout)
                """;
    }

    @Override
    public Set<String> valueOptions() {
        return Set.of("model-dir");
    }

    @Override
    public int run(Args args, Context context) throws Exception {
        args.noPositionals();
        Optional<Path> modelDir = args.value("model-dir").map(context.workspace()::userPath);
        Path cache = ModelFiles.defaultCacheDir();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"ARCHITECTURE", "INPUT", "BOTTLENECK", "GRAPH"});
        for (String name : Architecture.names()) {
            Architecture architecture = Architecture.of(name);
            String graph;
            try {
                graph = "found: " + ModelFiles.locateGraph(architecture, modelDir);
            } catch (ModelFiles.ModelNotFoundException e) {
                graph = "missing (" + architecture.relativeGraphPath() + ")";
            }
            rows.add(new String[] {name, architecture.inputSize() + "x" + architecture.inputSize(),
                    Integer.toString(architecture.bottleneckSize()), graph});
        }
        StatusCommand.printTable(context.out(), rows);
        context.out().println();
        context.out().println("Model cache: " + cache + " (set " + ModelFiles.CACHE_ENV + " to use another folder)");
        context.out().println("A missing graph: download the archive retrain.py would and unpack it into the cache, "
                + "e.g. " + cache.resolve(Architecture.of(Architecture.DEFAULT).relativeGraphPath()) + ",");
        context.out().println("or pass --model-dir to ./retrain up. Default architecture: " + Architecture.DEFAULT);
        return 0;
    }
}
