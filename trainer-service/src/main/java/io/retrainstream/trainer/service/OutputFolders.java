package io.retrainstream.trainer.service;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** File system steps the run outputs share: creating and deleting folders, and finding what is beyond the kept. */
final class OutputFolders {

    private OutputFolders() {}

    /**
     * Entries of {@code dir}, folders or files, whose names match {@code pattern}, except the newest {@code kept} by
     * {@code age} (larger is newer; null leaves an entry out); the newest first.
     */
    static <K extends Comparable<K>> List<Path> beyondNewest(
            Path dir, Pattern pattern, boolean folders, int kept, Function<Matcher, K> age) throws IOException {
        List<Map.Entry<K, Path>> found = new ArrayList<>();
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                Matcher matcher = pattern.matcher(entry.getFileName().toString());
                if (matcher.matches() && Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS) == folders) {
                    K key = age.apply(matcher);
                    if (key != null) {
                        found.add(Map.entry(key, entry));
                    }
                }
            }
        }
        found.sort(Map.Entry.<K, Path>comparingByKey().reversed());
        return found.stream().skip(kept).map(Map.Entry::getValue).toList();
    }

    /** The version number a name's group 1 (or the whole name) holds; null when it does not fit a long. */
    static Long version(Matcher matcher) {
        String number = matcher.groupCount() > 0 ? matcher.group(1) : matcher.group();
        return number.length() < 19 ? Long.parseLong(number) : null;
    }

    /** Creates {@code dir} for a SavedModel, saying what is in the way when it cannot. */
    static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (FileAlreadyExistsException e) {
            throw new UncheckedIOException("Cannot write the SavedModel: " + dir + " is not a folder", e);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Deletes a file, or a folder with everything in it; nothing when it does not exist. Follows no link. */
    static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> walk = Files.walk(path)) {
                for (Path entry : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(entry);
                }
            }
        } else {
            Files.deleteIfExists(path);
        }
    }
}
