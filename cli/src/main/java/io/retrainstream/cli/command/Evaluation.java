package io.retrainstream.cli.command;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeMap;

/**
 * The figures of {@code ./retrain evaluate}, from the top-1 answer of each labelled photo: per label (the photo's class
 * folder) the count, hit rate, mean score of hits and of misses and a suggested minimum score; photos of labels the
 * model does not know apart.
 */
final class Evaluation {

    /** One photo's top-1 answer: its file as shown, its true label, the predicted label and that label's score. */
    record Answer(String file, String label, String predicted, double score) {

        boolean hit() {
            return label.equals(predicted);
        }
    }

    /**
     * The figures of a set of answers.
     *
     * @param threshold the suggested minimum score ({@link #threshold}); empty without both hits and misses
     */
    record Figures(int count, int hits, OptionalDouble meanHits, OptionalDouble meanMisses, OptionalDouble threshold) {

        double hitRate() {
            return count == 0 ? 0 : (double) hits / count;
        }

        static Figures of(Collection<Answer> answers) {
            List<Double> hitScores = new ArrayList<>();
            List<Double> missScores = new ArrayList<>();
            for (Answer answer : answers) {
                (answer.hit() ? hitScores : missScores).add(answer.score());
            }
            return new Figures(
                    answers.size(),
                    hitScores.size(),
                    mean(hitScores),
                    mean(missScores),
                    Evaluation.threshold(hitScores, missScores));
        }
    }

    private final Map<String, List<Answer>> known = new TreeMap<>();
    private final Map<String, List<Answer>> unknown = new TreeMap<>();

    /**
     * @param modelLabels the labels the model knows; answers for photos of other labels are counted apart
     * @param answers     every photo's answer
     */
    Evaluation(Set<String> modelLabels, List<Answer> answers) {
        for (Answer answer : answers) {
            (modelLabels.contains(answer.label()) ? known : unknown)
                    .computeIfAbsent(answer.label(), l -> new ArrayList<>())
                    .add(answer);
        }
    }

    /** The photos of labels the model knows, by label (sorted). */
    Map<String, Figures> perLabel() {
        Map<String, Figures> figures = new LinkedHashMap<>();
        known.forEach((label, answers) -> figures.put(label, Figures.of(answers)));
        return figures;
    }

    /** Every photo of a label the model knows. */
    Figures overall() {
        return Figures.of(known.values().stream().flatMap(List::stream).toList());
    }

    /** The photos of labels the model does not know, by label: every answer of theirs is a miss. */
    Map<String, List<Answer>> unknownLabels() {
        return unknown;
    }

    /** The wrong top-1 answers of photos of known labels, in file order. */
    List<Answer> misses() {
        return known.values().stream()
                .flatMap(List::stream)
                .filter(a -> !a.hit())
                .sorted(java.util.Comparator.comparing(Answer::file))
                .toList();
    }

    /**
     * The minimum score that best tells hits from misses: a {@code min_score} at it keeps the most hits and turns the
     * most misses into {@code unknown} (hits at or above it plus misses below it, the most there can be). Among the
     * cuts that tie, the one with the fewest hits lost; the value is halfway between the two scores it falls between.
     * Empty when there are no misses (nothing to weed out) or no hits, or when no cut above 0 does better than none.
     */
    static OptionalDouble threshold(List<Double> hits, List<Double> misses) {
        if (hits.isEmpty() || misses.isEmpty()) {
            return OptionalDouble.empty();
        }
        List<double[]> scores = new ArrayList<>();
        hits.forEach(s -> scores.add(new double[] {s, 1}));
        misses.forEach(s -> scores.add(new double[] {s, 0}));
        scores.sort(java.util.Comparator.comparingDouble(s -> s[0]));
        // a cut below scores[i] keeps scores[i..]: right = hits at or above it, left misses = misses below it
        int hitsAbove = hits.size();
        int missesBelow = 0;
        int best = hitsAbove; // the cut below every score: all hits kept, no miss weeded out
        double bestCut = 0;
        for (int i = 0; i < scores.size(); i++) {
            if (scores.get(i)[1] == 1) {
                hitsAbove--;
            } else {
                missesBelow++;
            }
            boolean boundary = i + 1 == scores.size() || scores.get(i + 1)[0] > scores.get(i)[0];
            if (boundary && hitsAbove + missesBelow > best) {
                best = hitsAbove + missesBelow;
                bestCut = i + 1 == scores.size()
                        ? Math.min(1, scores.get(i)[0] + 1e-6)
                        : (scores.get(i)[0] + scores.get(i + 1)[0]) / 2;
            }
        }
        return bestCut == 0 ? OptionalDouble.empty() : OptionalDouble.of(bestCut);
    }

    private static OptionalDouble mean(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).average();
    }

    /** {@code 0.912} or {@code -}. */
    static String format(OptionalDouble value) {
        return value.isPresent() ? String.format(java.util.Locale.ROOT, "%.3f", value.getAsDouble()) : "-";
    }
}
