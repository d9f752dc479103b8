package io.retrainstream.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import io.retrainstream.cli.CliCommand;
import io.retrainstream.cli.Context;
import io.retrainstream.cli.UsageException;
import io.retrainstream.cli.stack.Service;
import io.retrainstream.cli.stack.ServiceHttp;
import io.retrainstream.cli.stack.State;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./retrain classify}: labels photos with the classifier's current model. */
@Command(
        name = "classify",
        header = "label photos with the latest model, like label_image",
        synopsisHeading = "",
        customSynopsis = "Usage: ./retrain classify IMAGE... [--top-k K] [--classifier URL]",
        description = {
            "",
            "Sends each photo to the classifier and prints its best labels, like TensorFlow's " + "label_image."
        },
        optionListHeading = "%nOptions:%n",
        footer = {"", "Example:", "  ./retrain classify ~/flower_photos/daisy/21652746_cc379e0eea_m.jpg"})
public final class ClassifyCommand extends CliCommand {

    @Parameters(paramLabel = "IMAGE", arity = "1..*", description = "the photos to label")
    private List<String> images;

    @Option(
            names = "--top-k",
            paramLabel = "K",
            defaultValue = "5",
            description = "how many labels to print per photo (default ${DEFAULT-VALUE})")
    private int topK;

    @Option(
            names = "--classifier",
            paramLabel = "URL",
            description = "the classifier (default: the one ./retrain up started, else http://127.0.0.1:8080)")
    private String classifier;

    public ClassifyCommand(Context context) {
        super(context);
    }

    @Override
    public Integer call() throws UsageException {
        int topK = inRange("--top-k", this.topK, 1, 1000);
        String classifier =
                this.classifier != null ? this.classifier : State.defaultUrl(context.workspace(), Service.CLASSIFIER);
        ServiceHttp http = new ServiceHttp(context.workspace());
        int failures = 0;
        boolean first = true;
        for (String arg : images) {
            if (!first) {
                context.out().println();
            }
            first = false;
            if (!classify(context, http, classifier, arg, context.workspace().userPath(arg), topK)) {
                failures++;
            }
        }
        return failures == 0 ? 0 : 1;
    }

    /** Classifies one image and prints the result; false (after saying why) when it could not. */
    static boolean classify(
            Context context, ServiceHttp http, String classifier, String shownName, Path image, int topK) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(image);
        } catch (IOException e) {
            context.err().println(shownName + ": cannot read it (" + e.getMessage() + ")");
            return false;
        }
        ServiceHttp.Reply reply = http.post(
                ServiceHttp.join(classifier, "/classify?top_k=" + topK), bytes, ImageScanner.contentType(image));
        if (reply.status() == 200) {
            JsonNode json = reply.json();
            LabelImageFormat.format(shownName, json).forEach(context.out()::println);
            return true;
        }
        context.err().println(shownName + ": the classifier replied HTTP " + reply.status() + ": " + reply.message());
        if (reply.status() == 503) {
            context.err().println("It has no model yet: train one with ./retrain train --wait");
        }
        return false;
    }
}
