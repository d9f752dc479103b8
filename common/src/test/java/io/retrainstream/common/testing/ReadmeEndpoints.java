package io.retrainstream.common.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP endpoints the README's API table lists for one service, and those an OpenAPI document holds, in one form
 * to compare: {@code "GET /v1/models/{}/metadata"}. Template names do not matter, a {@code {name}:verb} segment is one
 * template, query strings are dropped, and each optional part ({@code [/versions/{v}]}) counts both with and without.
 */
public final class ReadmeEndpoints {

    private static final Pattern ENDPOINT = Pattern.compile("`(GET|POST|PUT|DELETE) (/[^`\\s]*)`");

    private ReadmeEndpoints() {}

    /**
     * The endpoints of the README rows of {@code service} (and of {@code all}), Quarkus' own {@code /q/} ones left out.
     */
    public static List<String> of(String service) {
        Path readme = Path.of("..", "README.md");
        List<String> lines;
        try {
            lines = Files.readAllLines(readme);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + readme.toAbsolutePath() + ": run from a module folder", e);
        }
        List<String> endpoints = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("| " + service + " |") || line.startsWith("| all |")) {
                Matcher matcher = ENDPOINT.matcher(line.split("\\|")[2]);
                while (matcher.find()) {
                    for (String path : expand(matcher.group(2))) {
                        if (!path.startsWith("/q/")) {
                            endpoints.add(matcher.group(1) + " " + normalise(path));
                        }
                    }
                }
            }
        }
        return endpoints;
    }

    /** The operations of an OpenAPI document's {@code paths}, read as JSON into maps. */
    public static List<String> documented(Map<String, Map<String, Object>> paths) {
        List<String> documented = new ArrayList<>();
        paths.forEach((path, operations) -> operations
                .keySet()
                .forEach(method -> documented.add(method.toUpperCase(Locale.ROOT) + " " + normalise(path))));
        return documented;
    }

    private static List<String> expand(String path) {
        int open = path.indexOf('[');
        if (open < 0) {
            return List.of(path);
        }
        int close = path.indexOf(']', open);
        String optional = path.substring(open + 1, close);
        String before = path.substring(0, open);
        String after = path.substring(close + 1);
        List<String> all = new ArrayList<>(expand(before + after));
        if (!optional.startsWith("?") && !optional.startsWith("&")) {
            all.addAll(expand(before + optional + after));
        }
        return all;
    }

    private static String normalise(String path) {
        return path.replaceAll("\\?.*", "")
                .replaceAll("\\{[^}]*}", "{}")
                .replaceAll("\\{}:[a-z]+", "{}")
                .replaceAll("/$", "");
    }
}
