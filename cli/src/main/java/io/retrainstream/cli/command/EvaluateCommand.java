package io.retrainstream.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import io.retrainstream.cli.CliCommand;
import io.retrainstream.cli.CliException;
import io.retrainstream.cli.Context;
import io.retrainstream.cli.StatusLine;
import io.retrainstream.cli.UsageException;
import io.retrainstream.cli.stack.Service;
import io.retrainstream.cli.stack.ServiceHttp;
import io.retrainstream.cli.stack.State;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./retrain evaluate}: classifies a folder of labelled photos against the served model, like the Inception
 * sample's {@code run_inferences.py}: each wrong top-1 as a warning, then per label the hit rate, the mean scores of
 * hits and misses and a suggested minimum score.
 */
@Command(
        name = "evaluate",
        header = "classify a folder of labelled photos and print hit rates and score thresholds",
        synopsisHeading = "",
        customSynopsis = "Usage: ./retrain evaluate --image-dir DIR [--concurrency N] [--classifier URL]",
        description = {
            "",
            "Classifies every photo of DIR's class folders (as for ./retrain publish; the photos are only sent to the "
                    + "classifier, never published) with the model the classifier serves when it starts (every photo "
                    + "by that version, even if another is swapped in meanwhile), like the Inception sample's "
                    + "run_inferences.py. Prints each wrong top-1 answer as a WARNING line (file, true label, "
                    + "predicted label, score), then per label: photos, hit rate (top-1 right), mean score of the hits, "
                    + "mean score of the misses, and a suggested min_score, then the same over every photo.",
            "",
            "The suggested min_score is the score that best tells the hits from the misses: a min_score there keeps "
                    + "the most hits and turns the most misses into 'unknown' (POST /classify?min_score=, or "
                    + "retrain.classifier.min-score); among cuts that do equally well, the one that loses the fewest "
                    + "hits, halfway between the two scores it falls between. '-' when there is no miss to weed out "
                    + "(or no hit), or when no threshold does better than none.",
            "",
            "Photos of a class folder the model has no label for are counted apart (every answer of theirs is wrong; "
                    + "their scores show what a min_score would have to weed out). Exits 0 when it ran, whatever the "
                    + "hit rate; 1 when the classifier cannot answer."
        },
        optionListHeading = "%nOptions:%n",
        footer = {"", "Example:", "  ./retrain evaluate --image-dir ~/new_flower_photos"})
public final class EvaluateCommand extends CliCommand {

    @Option(
            names = "--image-dir",
            paramLabel = "DIR",
            required = true,
            description = "folder of class folders of labelled photos, e.g. new_flower_photos (daisy/, roses/, ...)")
    private String imageDir;

    @Option(
            names = "--concurrency",
            paramLabel = "N",
            defaultValue = "4",
            description = "requests at once (default ${DEFAULT-VALUE}; the classifier batches them)")
    private int concurrency;

    @Option(
            names = "--classifier",
            paramLabel = "URL",
            description = "the classifier (default: the one ./retrain up started, else http://127.0.0.1:8080)")
    private String classifier;

    public EvaluateCommand(Context context) {
        super(context);
    }

    @Override
    public Integer call() throws UsageException {
        int concurrency = inRange("--concurrency", this.concurrency, 1, 64);
        Path dir = context.workspace().userPath(imageDir);
        List<ImageScanner.ClassFolder> classes = PublishCommand.scanImageDir(dir);
        String classifier =
                this.classifier != null ? this.classifier : State.defaultUrl(context.workspace(), Service.CLASSIFIER);
        ServiceHttp http = new ServiceHttp(context.workspace());

        JsonNode model = served(http, classifier);
        // every photo by the version served now, even if another is swapped in meanwhile
        long evaluated = model.path("version").asLong();
        Set<String> labels = new HashSet<>();
        model.path("labels").forEach(label -> labels.add(label.asText()));
        List<Photo> photos = new ArrayList<>();
        for (ImageScanner.ClassFolder folder : classes) {
            for (Path image : folder.images()) {
                photos.add(new Photo(ImageScanner.imageId(folder, image), folder.name(), image));
            }
        }
        PrintStream out = context.out();
        out.printf(
                Locale.ROOT,
                "Evaluating model version %d (%s; %d labels) on %d photos of %d class folders in %s%n",
                evaluated,
                model.path("architecture").asText(),
                labels.size(),
                photos.size(),
                classes.size(),
                dir);

        long start = System.nanoTime();
        Classified classified = classifyAll(http, classifier, evaluated, photos, concurrency);
        Evaluation evaluation = new Evaluation(labels, classified.answers());
        for (Evaluation.Answer miss : evaluation.misses()) {
            out.printf(
                    Locale.ROOT,
                    "WARNING: %s is %s, predicted %s (score = %.5f)%n",
                    miss.file(),
                    miss.label(),
                    miss.predicted(),
                    miss.score());
        }
        classified.failures().forEach(out::println);
        print(out, evaluation);
        out.printf(
                Locale.ROOT,
                "Classified %d photos in %.1f s (%d at once)%s%n",
                classified.answers().size(),
                (System.nanoTime() - start) / 1e9,
                concurrency,
                classified.failures().isEmpty()
                        ? ""
                        : "; " + classified.failures().size() + " could not be classified (above)");
        return 0;
    }

    /** A photo to classify: its id as shown ({@code <folder>/<file>}), its label and its file. */
    private record Photo(String id, String label, Path file) {}

    /** The answers, in photo order, and a line for each photo the classifier refused. */
    private record Classified(List<Evaluation.Answer> answers, List<String> failures) {}

    /** {@code GET /model}, or a failure that says what to do. */
    private static JsonNode served(ServiceHttp http, String classifier) {
        ServiceHttp.Reply reply = http.get(ServiceHttp.join(classifier, "/model"));
        if (reply.status() == 503) {
            throw new CliException(
                    "The classifier at " + classifier + " has no model yet: train one with ./retrain train --wait");
        }
        if (!reply.ok()) {
            throw new CliException("The classifier at " + classifier + " replied HTTP " + reply.status() + " to GET "
                    + "/model: " + reply.message());
        }
        return reply.json();
    }

    private Classified classifyAll(
            ServiceHttp http, String classifier, long version, List<Photo> photos, int concurrency) {
        StatusLine status = new StatusLine(context.err(), context.interactive());
        AtomicInteger done = new AtomicInteger();
        String path = "/classify?top_k=1&version=" + version;
        ExecutorService pool = Executors.newFixedThreadPool(concurrency, runnable -> {
            Thread thread = new Thread(runnable, "evaluate");
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<Object>> results = new ArrayList<>();
            for (Photo photo : photos) {
                results.add(pool.submit(() -> {
                    Object result = classify(http, ServiceHttp.join(classifier, path), photo);
                    int now = done.incrementAndGet();
                    synchronized (status) {
                        status.update("Classified " + now + " of " + photos.size() + " photos");
                    }
                    return result;
                }));
            }
            List<Evaluation.Answer> answers = new ArrayList<>();
            List<String> failures = new ArrayList<>();
            for (Future<Object> result : results) {
                Object each = result.get();
                if (each instanceof Evaluation.Answer answer) {
                    answers.add(answer);
                } else {
                    failures.add((String) each);
                }
            }
            status.clear();
            return new Classified(answers, failures);
        } catch (ExecutionException e) {
            status.clear();
            if (e.getCause() instanceof CliException failure) {
                throw failure;
            }
            throw new CliException("Classifying failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("Interrupted", e);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * One photo's answer, or a line saying why the classifier refused it (an image it cannot decode); throws when the
     * classifier cannot answer at all (no model, the version gone, nothing at the URL).
     */
    private static Object classify(ServiceHttp http, String url, Photo photo) throws IOException {
        byte[] bytes = Files.readAllBytes(photo.file());
        ServiceHttp.Reply reply = http.post(url, bytes, ImageScanner.contentType(photo.file()));
        for (int attempt = 0; reply.status() == 503 && attempt < 10 && isBusy(reply); attempt++) {
            sleep();
            reply = http.post(url, bytes, ImageScanner.contentType(photo.file()));
        }
        if (reply.status() == 200) {
            JsonNode top = reply.json().path("predictions").path(0);
            return new Evaluation.Answer(
                    photo.id(),
                    photo.label(),
                    top.path("label").asText(),
                    top.path("score").asDouble());
        }
        if (reply.status() == 400 || reply.status() == 413 || reply.status() == 500) {
            return "WARNING: " + photo.id() + " could not be classified (HTTP " + reply.status() + "): "
                    + reply.message();
        }
        throw new CliException("The classifier replied HTTP " + reply.status() + " for " + photo.id() + ": "
                + reply.message()
                + (reply.status() == 404 ? ". See ./retrain models for the versions there are." : ""));
    }

    /** A 503 of a full queue (retry) rather than of a classifier without a model. */
    private static boolean isBusy(ServiceHttp.Reply reply) {
        return !reply.message().contains("No model");
    }

    private static void sleep() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("Interrupted", e);
        }
    }

    private static void print(PrintStream out, Evaluation evaluation) {
        Map<String, Evaluation.Figures> perLabel = evaluation.perLabel();
        int width = Math.max(
                "overall".length(),
                perLabel.keySet().stream().mapToInt(String::length).max().orElse(0));
        String row = "%-" + width + "s  %6s  %8s  %10s  %12s  %13s%n";
        out.printf(Locale.ROOT, row, "label", "photos", "hit rate", "mean hits", "mean misses", "min_score");
        perLabel.forEach((label, figures) -> out.printf(Locale.ROOT, row, cells(label, figures)));
        out.printf(Locale.ROOT, row, cells("overall", evaluation.overall()));
        Map<String, List<Evaluation.Answer>> unknown = evaluation.unknownLabels();
        if (!unknown.isEmpty()) {
            out.println("Photos of labels the model does not know (not counted above):");
            unknown.forEach((label, answers) -> out.printf(
                    Locale.ROOT,
                    "  %s: %d photos, predicted %s, mean score %.3f%n",
                    label,
                    answers.size(),
                    predictedCounts(answers),
                    answers.stream()
                            .mapToDouble(Evaluation.Answer::score)
                            .average()
                            .orElse(0)));
        }
    }

    private static Object[] cells(String label, Evaluation.Figures figures) {
        return new Object[] {
            label,
            Integer.toString(figures.count()),
            String.format(Locale.ROOT, "%.1f%%", 100 * figures.hitRate()),
            Evaluation.format(figures.meanHits()),
            Evaluation.format(figures.meanMisses()),
            Evaluation.format(figures.threshold())
        };
    }

    private static String predictedCounts(List<Evaluation.Answer> answers) {
        Map<String, Long> counts = new java.util.TreeMap<>();
        answers.forEach(a -> counts.merge(a.predicted(), 1L, Long::sum));
        return counts.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue())
                .reduce((a, b) -> a + ", " + b)
                .orElse("");
    }
}
