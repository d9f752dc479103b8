package io.retrainstream.cli.command;

import io.retrainstream.common.kafka.ImageRecords;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Reads an image dir the way {@code retrain.py --image_dir} does: each sub-folder is a class, and every file directly
 * in it whose extension is jpg, jpeg, png, gif or bmp (any case) is one of its images.
 */
public final class ImageScanner {

    static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "png", "gif", "bmp");

    private ImageScanner() {}

    /** A class folder: its name as on disk and its images, sorted by file name. */
    record ClassFolder(String name, List<Path> images) {}

    /** The class folders of {@code dir} sorted by name (hidden folders left out), including those without images. */
    static List<ClassFolder> scan(Path dir) throws IOException {
        List<ClassFolder> classes = new ArrayList<>();
        for (Path folder : list(dir)) {
            String name = folder.getFileName().toString();
            if (!Files.isDirectory(folder) || name.startsWith(".")) {
                continue;
            }
            List<Path> images = new ArrayList<>();
            for (Path file : list(folder)) {
                if (Files.isRegularFile(file) && isImage(file)) {
                    images.add(file);
                }
            }
            classes.add(new ClassFolder(name, List.copyOf(images)));
        }
        return classes;
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.sorted(Comparator.comparing(p -> p.getFileName().toString()))
                    .toList();
        }
    }

    static boolean isImage(Path file) {
        return EXTENSIONS.contains(extension(file));
    }

    /** The lower-case extension without the dot, or an empty string. */
    static String extension(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    /** The MIME type of an image file, by its extension. */
    static String contentType(Path file) {
        return switch (extension(file)) {
            case "jpg", "jpeg" -> "image/jpeg";
            case "png" -> "image/png";
            case "gif" -> "image/gif";
            case "bmp" -> "image/bmp";
            default -> "application/octet-stream";
        };
    }

    /** The stable image id of a file of a class folder: {@code <folder>/<file name>}. */
    static String imageId(ClassFolder folder, Path image) {
        return ImageRecords.imageId(folder.name(), image.getFileName().toString());
    }
}
