package io.retrainstream.extractor.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageStoreTest {

    private static String hash(int i) {
        return String.format("%064x", i);
    }

    @Test
    void keepsImagesByHashWithinItsBoundsAcrossRestarts(@TempDir Path folder) throws Exception {
        ImageStore store = new ImageStore(folder, 25, 10);
        store.put(hash(1), new byte[10]);
        store.put(hash(2), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
        store.put("not-a-hash", new byte[1]);
        assertThat(store.get(hash(2)))
                .hasValueSatisfying(bytes -> assertThat(bytes).hasSize(10).startsWith(1, 2));
        store.put(hash(3), new byte[10]);
        assertThat(store.get(hash(1))).as("the oldest goes beyond 25 bytes").isEmpty();
        assertThat(store.size()).isEqualTo(2);
        assertThat(store.get("../etc/passwd")).isEmpty();
        try (var files = Files.list(folder)) {
            assertThat(files.map(file -> file.getFileName().toString())).containsExactlyInAnyOrder(hash(2), hash(3));
        }

        ImageStore reopened = new ImageStore(folder, 100, 1);
        assertThat(reopened.size()).as("bounded by count on start").isEqualTo(1);
        String kept = reopened.get(hash(3)).isPresent() ? hash(3) : hash(2);
        Files.delete(folder.resolve(kept));
        assertThat(reopened.get(kept))
                .as("a file deleted behind its back is forgotten")
                .isEmpty();
        assertThat(reopened.size()).isZero();
    }

    @Test
    void instancesSharingOneFolderServeEachOthersImages(@TempDir Path folder) throws Exception {
        ImageStore first = new ImageStore(folder, 1000, 100);
        ImageStore second = new ImageStore(folder, 1000, 100);
        first.put(hash(7), new byte[] {7, 7, 7});

        assertThat(second.get(hash(7)))
                .as("an image another extractor instance kept in the shared folder")
                .hasValueSatisfying(bytes -> assertThat(bytes).containsExactly(7, 7, 7));
        assertThat(second.size()).isEqualTo(1);
        second.put(hash(7), new byte[] {7, 7, 7});
        try (var files = Files.list(folder)) {
            assertThat(files).as("kept once").hasSize(1);
        }
        assertThat(second.get(hash(8))).isEmpty();
    }
}
