package io.retrainstream.cli.command;

import io.retrainstream.cli.CliCommand;
import io.retrainstream.cli.Context;
import io.retrainstream.cli.stack.StatusCommand;
import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.ModelFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./retrain architectures}: the pretrained models, and whether their graph is at hand. */
@Command(
        name = "architectures",
        header = "list the architectures and whether their graph is downloaded",
        synopsisHeading = "",
        customSynopsis = "Usage: ./retrain architectures [--model-dir DIR]",
        description = {
            "",
            "Lists the names --architecture accepts, with graph file size, input size, bottleneck "
                    + "size, whether the graph is in the model cache, and where it was found: in DIR when given, else "
                    + "in the cache."
        },
        optionListHeading = "%nOptions:%n")
public final class ArchitecturesCommand extends CliCommand {

    @Option(
            names = "--model-dir",
            paramLabel = "DIR",
            description = "also look in this folder (retrain.py's download layout)")
    private String modelDirArg;

    public ArchitecturesCommand(Context context) {
        super(context);
    }

    @Override
    public Integer call() throws IOException {
        Optional<Path> modelDir = Optional.ofNullable(modelDirArg).map(context.workspace()::userPath);
        Path cache = ModelFiles.defaultCacheDir();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"ARCHITECTURE", "GRAPH SIZE", "INPUT", "BOTTLENECK", "CACHED", "GRAPH"});
        for (String name : Architecture.names()) {
            Architecture architecture = Architecture.of(name);
            Path cached = cache.resolve(architecture.relativeGraphPath());
            String size = "-";
            String graph;
            try {
                Path found = ModelFiles.locateGraph(architecture, modelDir);
                size = String.format(Locale.ROOT, "%.1f MB", Files.size(found) / 1e6);
                graph = found.toString();
            } catch (ModelFiles.ModelNotFoundException e) {
                graph = "missing: " + architecture.downloadUrl() + " -> " + architecture.relativeGraphPath();
            }
            rows.add(new String[] {
                name,
                size,
                architecture.inputSize() + "x" + architecture.inputSize(),
                Integer.toString(architecture.bottleneckSize()),
                Files.isRegularFile(cached) ? "yes" : "no",
                graph
            });
        }
        StatusCommand.printTable(context.out(), rows);
        context.out().println();
        context.out().println("Model cache: " + cache + " (set " + ModelFiles.CACHE_ENV + " to use another folder)");
        context.out()
                .println("./retrain up downloads a missing graph into the cache (checked against its SHA-256 where "
                        + "known); offline, unpack the archive there by hand, e.g. so that "
                        + cache.resolve(Architecture.of(Architecture.DEFAULT).relativeGraphPath()) + " exists,");
        context.out().println("or pass --model-dir to ./retrain up. Default architecture: " + Architecture.DEFAULT);
        return 0;
    }
}
