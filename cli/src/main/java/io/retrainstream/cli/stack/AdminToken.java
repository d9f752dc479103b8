package io.retrainstream.cli.stack;

import io.retrainstream.cli.CliException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The bearer token that the trainer's and the extractor's admin endpoints require ({@code retrain.admin-token}).
 * {@code ./retrain up} generates it once into {@code .retrain/admin-token}, created with mode 0600, and hands it to
 * those two services in their environment (never on a command line, which {@code ps} shows). Every command reads it
 * from {@code $RETRAIN_ADMIN_TOKEN} when set, else from that file.
 */
public final class AdminToken {

    /** Overrides the file, for the commands and for the services {@code up} starts. */
    static final String ENV = "RETRAIN_ADMIN_TOKEN";
    /** Random bytes in a generated token (base64url without padding: 43 characters). */
    static final int RANDOM_BYTES = 32;
    /** Owner read and write only. */
    static final Set<PosixFilePermission> FILE_PERMISSIONS = PosixFilePermissions.fromString("rw-------");
    /** What an HTTP header value may carry: visible ASCII, no spaces. */
    private static final Pattern HEADER_SAFE = Pattern.compile("[\\x21-\\x7E]+");

    /**
     * A token and where it was read from.
     *
     * @param source {@code $RETRAIN_ADMIN_TOKEN} or the file's path as shown to the user
     */
    record Found(String token, String source) {

        @Override
        public String toString() {
            return "Found[source=" + source + "]";
        }
    }

    private AdminToken() {}

    /** The token to send: {@code $RETRAIN_ADMIN_TOKEN}, else the file, else none. */
    static Optional<Found> find(Workspace workspace) {
        return find(workspace, System.getenv(ENV));
    }

    static Optional<Found> find(Workspace workspace, String fromEnvironment) {
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return Optional.of(new Found(checked(fromEnvironment.strip(), "$" + ENV), "$" + ENV));
        }
        Path file = workspace.adminTokenFile();
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        String source = workspace.display(file);
        return Optional.of(new Found(checked(read(file), source), source));
    }

    /**
     * The token for the services {@code up} starts: {@code $RETRAIN_ADMIN_TOKEN} when set, else the file, which is
     * generated on the first call. Refuses a file that others may read.
     */
    static Found ensure(Workspace workspace) {
        return ensure(workspace, System.getenv(ENV));
    }

    static Found ensure(Workspace workspace, String fromEnvironment) {
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return find(workspace, fromEnvironment).orElseThrow();
        }
        Path file = workspace.adminTokenFile();
        String source = workspace.display(file);
        if (!Files.exists(file)) {
            try {
                create(file);
            } catch (FileAlreadyExistsException e) {
                // another ./retrain up created it a moment ago: use theirs
            } catch (IOException e) {
                throw new CliException("Cannot create " + file + ": " + e.getMessage(), e);
            }
        }
        refuseIfShared(file, source);
        return new Found(checked(read(file), source), source);
    }

    /** Where the commands look for the token, for messages. */
    static String where(Workspace workspace) {
        return "$" + ENV + " when set, else " + workspace.display(workspace.adminTokenFile())
                + " (written by ./retrain up)";
    }

    /** Writes a new random token into {@code file}, created with mode 0600 (so it is never readable by others). */
    private static void create(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        byte[] random = new byte[RANDOM_BYTES];
        new SecureRandom().nextBytes(random);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        boolean posix = Files.getFileStore(file.getParent()).supportsFileAttributeView("posix");
        try (SeekableByteChannel channel = posix
                ? Files.newByteChannel(
                        file,
                        EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                        PosixFilePermissions.asFileAttribute(FILE_PERMISSIONS))
                : Files.newByteChannel(file, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))) {
            channel.write(ByteBuffer.wrap((token + "\n").getBytes(StandardCharsets.US_ASCII)));
        }
    }

    private static void refuseIfShared(Path file, String source) {
        try {
            if (!Files.getFileStore(file).supportsFileAttributeView("posix")) {
                return;
            }
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (!FILE_PERMISSIONS.containsAll(permissions)) {
                throw new CliException(source + " may be read by others (" + PosixFilePermissions.toString(permissions)
                        + "). Make it private with chmod 600 " + source + ", or delete it for a new token.");
            }
        } catch (IOException e) {
            throw new CliException("Cannot read the permissions of " + file + ": " + e.getMessage(), e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            throw new CliException("Cannot read the admin token from " + file + ": " + e.getMessage(), e);
        }
    }

    private static String checked(String token, String source) {
        if (!HEADER_SAFE.matcher(token).matches()) {
            throw new CliException("The admin token in " + source + " is empty or holds characters other than "
                    + "visible ASCII, which an Authorization header cannot carry. Delete "
                    + ".retrain/admin-token for a new one, or set " + ENV + " to a token without spaces.");
        }
        return token;
    }
}
