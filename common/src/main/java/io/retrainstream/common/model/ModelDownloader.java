package io.retrainstream.common.model;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Brings an architecture's graph into the model cache the way {@code retrain.py} does: downloads its {@code .tgz}
 * and unpacks it. Safe to trust: the archive is downloaded to a temporary file and unpacked into a temporary folder
 * in the cache, the graph is checked against its known SHA-256 when there is one, and only then moved into place by
 * renames (the graph file last), so a crash never leaves a half file under a final name. A file lock in the cache
 * keeps a second process (or thread) from downloading at the same time; it finds the graph in place afterwards.
 */
public final class ModelDownloader {

    /** Told how far a download has come; {@code total} is -1 when the server does not say. */
    public interface Progress {
        void update(long bytes, long total);

        Progress NONE = (bytes, total) -> {};
    }

    /**
     * SHA-256 of the graph files whose content we could verify ({@code ../shared/models/SHA256SUMS}, the files of
     * Google's archives), by path below the cache. Other graphs are taken as downloaded.
     */
    public static final Map<String, String> KNOWN_SHA256 = Map.of(
            "mobilenet_v1_0.25_128/frozen_graph.pb", "76fec915bb13a76014a1863ff0976f848d8506388a76fe571e7b366541cc812f",
            "mobilenet_v1_0.25_128/quantized_graph.pb",
                    "221cd63ad56dec7eec4e1868f0009ccac6c0ce6c32bba57234c62987a9124ff7",
            "mobilenet_v1_0.25_224/frozen_graph.pb", "bf56de7d43277493cbf251dc97e5ce3332725f2d134cf62418d666278f9b5ff7",
            "mobilenet_v1_0.25_224/quantized_graph.pb",
                    "afd3860980c05c339d823c575f87b4cc54cc03ab151855809a59186ef719b0d7",
            "mobilenet_v1_0.50_224/quantized_graph.pb",
                    "42eed25cc25407e8f11dcbbf7a089a9d12747ddd20599aaa9ba194a829e97653");

    private static final String LOCK_FILE = ".download.lock";
    /** FileLock guards against other processes only; threads of this JVM queue here. */
    private static final Object JVM_LOCK = new Object();

    private final Path cacheDir;
    private final Progress progress;
    private final Map<String, String> knownSha256;
    private final HttpClient http;

    public ModelDownloader(Path cacheDir, Progress progress) {
        this(cacheDir, progress, KNOWN_SHA256);
    }

    public ModelDownloader(Path cacheDir, Progress progress, Map<String, String> knownSha256) {
        this.cacheDir = cacheDir.toAbsolutePath().normalize();
        this.progress = progress;
        this.knownSha256 = knownSha256;
        this.http = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(20))
                .build();
    }

    public Path cacheDir() {
        return cacheDir;
    }

    /** The architecture's graph in the cache, downloaded from its public URL first when it is not there. */
    public Path obtain(Architecture architecture) {
        return obtain(architecture, URI.create(architecture.downloadUrl()));
    }

    /** The architecture's graph in the cache, downloaded from {@code url} first when it is not there. */
    public Path obtain(Architecture architecture, URI url) {
        Path graph = cacheDir.resolve(architecture.relativeGraphPath());
        if (Files.isRegularFile(graph)) {
            return graph;
        }
        synchronized (JVM_LOCK) {
            try {
                Files.createDirectories(cacheDir);
                try (FileChannel channel = FileChannel.open(
                                cacheDir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                        FileLock lock = channel.lock()) {
                    if (!Files.isRegularFile(graph)) {
                        removeLeftovers();
                        downloadAndUnpack(architecture, url, graph);
                    }
                    return graph;
                }
            } catch (IOException e) {
                throw failure(architecture, url, e.getMessage(), e);
            }
        }
    }

    /** Temporary files of a process that died mid-download; holding the lock, no one else is writing them. */
    private void removeLeftovers() throws IOException {
        try (Stream<Path> files = Files.list(cacheDir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith(".download-")
                            || f.getFileName().toString().startsWith(".unpack-"))
                    .toList()) {
                deleteTree(file);
            }
        }
    }

    private void downloadAndUnpack(Architecture architecture, URI url, Path graph) throws IOException {
        Path archive = Files.createTempFile(cacheDir, ".download-", ".part");
        Path unpacked = Files.createTempDirectory(cacheDir, ".unpack-");
        try {
            download(architecture, url, archive);
            unpack(architecture, url, archive, unpacked);
            Path fresh = unpacked.resolve(architecture.relativeGraphPath());
            if (!Files.isRegularFile(fresh)) {
                throw failure(architecture, url, "the archive holds no " + architecture.relativeGraphPath(), null);
            }
            String key = architecture.relativeGraphPath().toString().replace('\\', '/');
            String expected = knownSha256.get(key);
            if (expected != null) {
                String actual = ModelFiles.sha256(fresh);
                if (!actual.equals(expected)) {
                    throw failure(
                            architecture,
                            url,
                            "checksum mismatch for " + key + ": expected SHA-256 " + expected + ", got " + actual
                                    + " (a damaged or tampered download; nothing was kept)",
                            null);
                }
            }
            moveIntoCache(unpacked, fresh);
        } finally {
            Files.deleteIfExists(archive);
            deleteTree(unpacked);
        }
    }

    private void download(Architecture architecture, URI url, Path archive) throws IOException {
        HttpResponse<InputStream> response;
        try {
            response = http.send(
                    HttpRequest.newBuilder(url)
                            .timeout(Duration.ofMinutes(30))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure(architecture, url, "interrupted", e);
        } catch (IOException e) {
            throw failure(architecture, url, "cannot connect (" + describe(e) + ")", e);
        }
        long total = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        long bytes = 0;
        try (InputStream in = response.body();
                OutputStream out = Files.newOutputStream(archive)) {
            if (response.statusCode() != 200) {
                throw failure(architecture, url, "the server answered HTTP " + response.statusCode(), null);
            }
            byte[] buffer = new byte[64 * 1024];
            progress.update(0, total);
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
                bytes += n;
                progress.update(bytes, total);
            }
        } catch (IOException e) {
            throw failure(
                    architecture,
                    url,
                    "the download broke off after " + bytes + " of " + (total < 0 ? "?" : Long.toString(total))
                            + " bytes (" + describe(e) + ")",
                    e);
        }
        if (total >= 0 && bytes != total) {
            throw failure(architecture, url, "the download is truncated: " + bytes + " of " + total + " bytes", null);
        }
    }

    /** Unpacks the .tgz into {@code target}, refusing entries that would land outside it. */
    private void unpack(Architecture architecture, URI url, Path archive, Path target) {
        try (TarArchiveInputStream tar = new TarArchiveInputStream(
                new GzipCompressorInputStream(new BufferedInputStream(Files.newInputStream(archive))))) {
            for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
                Path path = target.resolve(entry.getName()).normalize();
                if (!path.startsWith(target)) {
                    throw failure(
                            architecture,
                            url,
                            "the archive entry " + entry.getName() + " would land outside the cache",
                            null);
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(path);
                } else if (entry.isFile()) {
                    Files.createDirectories(path.getParent());
                    Files.copy(tar, path, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw failure(architecture, url, "the archive is corrupt, not a .tgz (" + describe(e) + ")", e);
        }
    }

    /** Renames every unpacked file into the cache, the graph last; files already in the cache stay as they are. */
    private void moveIntoCache(Path unpacked, Path graph) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(unpacked)) {
            files = walk.filter(Files::isRegularFile)
                    .filter(file -> !file.equals(graph))
                    .sorted()
                    .toList();
        }
        for (Path file : Stream.concat(files.stream(), Stream.of(graph)).toList()) {
            Path target = cacheDir.resolve(unpacked.relativize(file));
            if (!Files.exists(target)) {
                Files.createDirectories(target.getParent());
                Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
            }
        }
    }

    private ModelDownloadException failure(Architecture architecture, URI url, String what, Throwable cause) {
        String archiveName = url.getPath().substring(url.getPath().lastIndexOf('/') + 1);
        return new ModelDownloadException(
                "Cannot get " + architecture.name() + " from " + url + ": " + what
                        + ". To install it by hand, download " + archiveName + " from " + url + " and unpack it into "
                        + cacheDir + " so that " + cacheDir.resolve(architecture.relativeGraphPath())
                        + " exists, or pass --model-dir pointing at a folder in retrain.py's download layout.",
                cause);
    }

    private static String describe(IOException e) {
        return e.getMessage() != null
                ? e.getClass().getSimpleName() + ": " + e.getMessage()
                : e.getClass().getSimpleName();
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot clean up " + root, e);
        }
    }

    /** A model could not be downloaded; the message names the URL, the file and the folder to put it in by hand. */
    public static final class ModelDownloadException extends RuntimeException {
        public ModelDownloadException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
