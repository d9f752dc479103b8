package io.retrainstream.common.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The models and photos in {@code ../shared} beside the checkout; tests skip, saying why, when it is missing. */
public final class SharedData {

    private SharedData() {}

    public static Path root() {
        String configured = System.getProperty("retrainstream.shared.dir");
        Path root = configured != null ? Path.of(configured) : Path.of("..", "shared");
        return root.toAbsolutePath().normalize();
    }

    public static Path models() {
        Path models = root().resolve("models");
        assumeTrue(Files.isDirectory(models), "../shared/models is not beside the checkout (" + models + ")");
        return models;
    }

    public static Path flowers() {
        Path flowers = root().resolve("datasets").resolve("flowers-small");
        assumeTrue(Files.isDirectory(flowers), "../shared/datasets/flowers-small is missing (" + flowers + ")");
        return flowers;
    }

    public static Path testdata(String file) {
        Path path = root().resolve("testdata").resolve(file);
        assumeTrue(Files.isRegularFile(path), "../shared/testdata/" + file + " is missing (" + path + ")");
        return path;
    }

    /** The first {@code count} photos of one flower class, sorted by name. */
    public static List<Path> flowerPhotos(String label, int count) {
        try (Stream<Path> files = Files.list(flowers().resolve(label))) {
            return files.filter(p -> p.toString().endsWith(".jpg"))
                    .sorted()
                    .limit(count)
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
