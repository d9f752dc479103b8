package io.retrainstream.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/** {@code ./retrain classify}: labels photos with the classifier's current model. */
final class ClassifyCommand implements Command {

    @Override
    public String name() {
        return "classify";
    }

    @Override
    public String summary() {
        return "label photos with the latest model, like label_image";
    }

    @Override
    public String usage() {
        return """
                Usage: ./retrain classify IMAGE... [--top-k K] [--classifier URL]

                Sends each photo to the classifier and prints its best labels, like TensorFlow's label_image.

                Options:
                  --top-k K         how many labels to print per photo (default 5)
                  --classifier URL  the classifier (default: the one ./retrain up started, else http://127.0.0.1:8080)

                Example:
                  ./retrain classify ~/flower_photos/daisy/21652746_cc379e0eea_m.jpg
                """;
    }

    @Override
    public Set<String> valueOptions() {
        return Set.of("top-k", "classifier");
    }

    @Override
    public int run(Args args, Context context) throws Exception {
        if (args.positionals().isEmpty()) {
            throw new UsageException("Name at least one image to classify");
        }
        int topK = args.intValue("top-k", 5, 1, 1000);
        String classifier = args.value("classifier")
                .orElseGet(() -> State.defaultUrl(context.workspace(), Service.CLASSIFIER));
        ServiceHttp http = new ServiceHttp(context.workspace());
        int failures = 0;
        boolean first = true;
        for (String arg : args.positionals()) {
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
    static boolean classify(Context context, ServiceHttp http, String classifier, String shownName, Path image,
            int topK) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(image);
        } catch (IOException e) {
            context.err().println(shownName + ": cannot read it (" + e.getMessage() + ")");
            return false;
        }
        ServiceHttp.Reply reply = http.post(ServiceHttp.join(classifier, "/classify?top_k=" + topK), bytes,
                ImageScanner.contentType(image));
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
