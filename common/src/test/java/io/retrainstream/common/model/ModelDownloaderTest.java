package io.retrainstream.common.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The download path against a real HTTP server on 127.0.0.1 serving archives the test builds. */
class ModelDownloaderTest {

    private static final Architecture ARCHITECTURE = Architecture.of("mobilenet_0.25_128");
    private static final String GRAPH_KEY = "mobilenet_v1_0.25_128/frozen_graph.pb";
    private static final byte[] GRAPH =
            "not really a graph, but bytes with a known hash".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path cache;

    private HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();
    private volatile byte[] body;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/models/", exchange -> {
            requests.incrementAndGet();
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private URI url() {
        return URI.create(
                "http://127.0.0.1:" + server.getAddress().getPort() + "/models/mobilenet_v1_0.25_128_frozen.tgz");
    }

    private void serve(byte[] bytes) {
        body = bytes;
    }

    private ModelDownloader downloader(String expectedSha256, List<long[]> progress) {
        return new ModelDownloader(
                cache, (bytes, total) -> progress.add(new long[] {bytes, total}), Map.of(GRAPH_KEY, expectedSha256));
    }

    private static String sha256(byte[] bytes) throws Exception {
        return java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void downloadsUnpacksChecksAndReusesTheGraph() throws Exception {
        byte[] archive = tgz(Map.of(GRAPH_KEY, GRAPH, "mobilenet_v1_0.25_128/labels.txt", "0:background\n".getBytes()));
        serve(archive);
        Files.write(cache.resolve(".download-123.part"), new byte[10]); // left by a process that died mid-download
        List<long[]> progress = new ArrayList<>();

        Path graph = downloader(sha256(GRAPH), progress).obtain(ARCHITECTURE, url());

        assertThat(graph).isEqualTo(cache.resolve(GRAPH_KEY)).hasBinaryContent(GRAPH);
        assertThat(cache.resolve("mobilenet_v1_0.25_128/labels.txt")).hasContent("0:background");
        assertThat(progress).isNotEmpty();
        assertThat(progress.get(progress.size() - 1)).containsExactly(archive.length, archive.length);
        assertNoLeftovers();

        Path again = downloader(sha256(GRAPH), new ArrayList<>()).obtain(ARCHITECTURE, url());
        assertThat(again).isEqualTo(graph);
        assertThat(requests).hasValue(1);
        assertThat(ModelFiles.locateGraph(ARCHITECTURE, Optional.empty(), cache))
                .isEqualTo(graph);
    }

    @Test
    void twoConcurrentCallersDownloadOnce() throws Exception {
        byte[] archive = tgz(Map.of(GRAPH_KEY, GRAPH));
        serve(archive);
        ModelDownloader downloader = downloader(sha256(GRAPH), new ArrayList<>());
        CompletableFuture<Path> first = CompletableFuture.supplyAsync(() -> downloader.obtain(ARCHITECTURE, url()));
        CompletableFuture<Path> second = CompletableFuture.supplyAsync(() -> downloader.obtain(ARCHITECTURE, url()));
        assertThat(first.get()).isEqualTo(second.get()).hasBinaryContent(GRAPH);
        assertThat(requests).hasValue(1);
        assertNoLeftovers();
    }

    @Test
    void aTruncatedDownloadLeavesNothingBehind() throws Exception {
        byte[] archive = tgz(Map.of(GRAPH_KEY, GRAPH));
        // a server that announces the whole archive, sends half of it and closes the connection
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            CompletableFuture<Void> serving = CompletableFuture.runAsync(() -> {
                try (Socket client = socket.accept();
                        OutputStream out = client.getOutputStream()) {
                    client.getInputStream().read(new byte[8192]);
                    out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + archive.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.write(archive, 0, archive.length / 2);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            URI url = URI.create(
                    "http://127.0.0.1:" + socket.getLocalPort() + "/models/mobilenet_v1_0.25_128_frozen.tgz");
            assertThatThrownBy(
                            () -> downloader(sha256(GRAPH), new ArrayList<>()).obtain(ARCHITECTURE, url))
                    .isInstanceOf(ModelDownloader.ModelDownloadException.class)
                    .hasMessageContaining(url.toString())
                    .hasMessageContaining(" of " + archive.length + " bytes")
                    .hasMessageContaining(cache.toString());
            serving.get();
        }
        assertThat(cache.resolve(GRAPH_KEY)).doesNotExist();
        assertNoLeftovers();
    }

    @Test
    void aChecksumMismatchIsRefusedAndNothingIsKept() throws Exception {
        byte[] archive = tgz(Map.of(GRAPH_KEY, GRAPH));
        serve(archive);
        String wrong = sha256("something else".getBytes());
        assertThatThrownBy(() -> downloader(wrong, new ArrayList<>()).obtain(ARCHITECTURE, url()))
                .isInstanceOf(ModelDownloader.ModelDownloadException.class)
                .hasMessageContaining("checksum mismatch for " + GRAPH_KEY)
                .hasMessageContaining("expected SHA-256 " + wrong)
                .hasMessageContaining("got " + sha256(GRAPH));
        assertThat(cache.resolve(GRAPH_KEY)).doesNotExist();
        assertNoLeftovers();
    }

    @Test
    void aCorruptArchiveIsRefused() throws Exception {
        byte[] garbage = "<html>this is not a tgz</html>".getBytes();
        serve(garbage);
        assertThatThrownBy(() -> downloader(sha256(GRAPH), new ArrayList<>()).obtain(ARCHITECTURE, url()))
                .isInstanceOf(ModelDownloader.ModelDownloadException.class)
                .hasMessageContaining("corrupt")
                .hasMessageContaining(url().toString());
        assertThat(cache.resolve(GRAPH_KEY)).doesNotExist();
        assertNoLeftovers();
    }

    @Test
    void anArchiveWithoutTheGraphIsRefused() throws Exception {
        byte[] archive = tgz(Map.of("mobilenet_v1_0.25_128/labels.txt", "0:background\n".getBytes()));
        serve(archive);
        assertThatThrownBy(() -> downloader(sha256(GRAPH), new ArrayList<>()).obtain(ARCHITECTURE, url()))
                .hasMessageContaining("the archive holds no " + Path.of(GRAPH_KEY));
        assertNoLeftovers();
    }

    @Test
    void offlineTheErrorNamesTheUrlTheFileAndTheFolder() {
        server.stop(0);
        assertThatThrownBy(() -> downloader(sha256(GRAPH), new ArrayList<>()).obtain(ARCHITECTURE, url()))
                .isInstanceOf(ModelDownloader.ModelDownloadException.class)
                .hasMessageContaining("cannot connect")
                .hasMessageContaining(url().toString())
                .hasMessageContaining("download mobilenet_v1_0.25_128_frozen.tgz")
                .hasMessageContaining("unpack it into " + cache)
                .hasMessageContaining(cache.resolve(GRAPH_KEY).toString());
    }

    @Test
    void theModelDirIsReadOnlyAndWinsOverTheCache(@TempDir Path modelDir) throws Exception {
        Path graph = modelDir.resolve(GRAPH_KEY);
        Files.createDirectories(graph.getParent());
        Files.write(graph, GRAPH);
        assertThat(ModelFiles.obtainGraph(
                        ARCHITECTURE, Optional.of(modelDir), cache, true, ModelDownloader.Progress.NONE))
                .isEqualTo(graph);
        assertThat(requests).hasValue(0);
        try (Stream<Path> files = Files.list(cache)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void theKnownChecksumsAreThoseOfTheSharedModels() throws Exception {
        Path models = io.retrainstream.common.testing.SharedData.models();
        for (Map.Entry<String, String> known : ModelDownloader.KNOWN_SHA256.entrySet()) {
            Path file = models.resolve(known.getKey());
            if (Files.isRegularFile(file)) {
                assertThat(ModelFiles.sha256(file)).as(known.getKey()).isEqualTo(known.getValue());
            }
        }
    }

    private void assertNoLeftovers() throws IOException {
        try (Stream<Path> files = Files.list(cache)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .noneMatch(name -> name.startsWith(".download-") || name.startsWith(".unpack-"));
        }
    }

    private static byte[] tgz(Map<String, byte[]> files) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes))) {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                TarArchiveEntry entry = new TarArchiveEntry(file.getKey());
                entry.setSize(file.getValue().length);
                tar.putArchiveEntry(entry);
                tar.write(file.getValue());
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }
}
