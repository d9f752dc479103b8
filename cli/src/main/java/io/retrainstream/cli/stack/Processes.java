package io.retrainstream.cli.stack;

import io.retrainstream.cli.CliException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/** Starting, finding and stopping the background processes, and reading their logs. */
public final class Processes {

    private Processes() {}

    /** The java launcher this CLI runs on; the broker and the services run on the same one. */
    static String javaBinary() {
        return ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /**
     * Starts {@code command} in the background with its output appended to {@code log}. It gets a session of its own
     * ({@code setsid}) when possible, so that Ctrl-C in the terminal does not stop it with the CLI.
     */
    static Process startDetached(List<String> command, Map<String, String> env, Path workDir, Path log) {
        List<String> full = new ArrayList<>();
        setsid().ifPresent(full::add);
        full.addAll(command);
        try {
            Files.createDirectories(log.getParent());
            Files.writeString(
                    log,
                    "==== " + Instant.now() + ": " + String.join(" ", command) + System.lineSeparator(),
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            ProcessBuilder builder = new ProcessBuilder(full)
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(
                            ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            // The admin token reaches only the processes it is given to, not every child of a shell that exports it.
            builder.environment().remove(AdminToken.ENV);
            builder.environment().putAll(env);
            return builder.start();
        } catch (IOException e) {
            throw new CliException("Cannot start " + String.join(" ", command) + ": " + e.getMessage(), e);
        }
    }

    private static Optional<String> setsid() {
        return Stream.of("/usr/bin/setsid", "/bin/setsid")
                .filter(p -> Files.isExecutable(Path.of(p)))
                .findFirst();
    }

    /** True when {@code pid} runs and its command line (when the system tells it) contains {@code marker}. */
    static boolean isAlive(long pid, String marker) {
        return ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .filter(handle -> handle.info()
                        .commandLine()
                        .map(line -> line.contains(marker))
                        .orElse(true))
                .isPresent();
    }

    /** Asks the process to stop (SIGTERM) without waiting; false when it was not running. */
    static boolean requestStop(long pid) {
        return ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .map(ProcessHandle::destroy)
                .orElse(false);
    }

    /**
     * Waits up to {@code grace} for the process to end, then kills it (SIGKILL).
     *
     * @return true when it ended by itself within {@code grace}
     */
    static boolean awaitExit(long pid, Duration grace) {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty() || !handle.get().isAlive()) {
            return true;
        }
        try {
            handle.get().onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            handle.get().destroyForcibly();
            try {
                handle.get().onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // it is being killed; nothing more to do
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return !handle.get().isAlive();
        }
    }

    /** The last {@code lines} lines of a log file (empty when it does not exist). */
    static List<String> tail(Path log, int lines) {
        if (!Files.isRegularFile(log)) {
            return List.of();
        }
        Deque<String> last = new ArrayDeque<>(lines);
        try (Stream<String> all = Files.lines(log, StandardCharsets.UTF_8)) {
            all.forEach(line -> {
                if (last.size() == lines) {
                    last.removeFirst();
                }
                last.addLast(line);
            });
        } catch (IOException | UncheckedIOException e) {
            return List.of("(cannot read " + log + ": " + e.getMessage() + ")");
        }
        return List.copyOf(last);
    }

    /** True when nothing listens on {@code port} on this machine (we can bind it ourselves). */
    static boolean isPortFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A port free on every interface right now, chosen by the system from its ephemeral range. */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new CliException("Cannot find a free port for a service: " + e.getMessage(), e);
        }
    }

    static Optional<Long> readPid(Path pidFile) {
        try {
            return Optional.of(Long.parseLong(Files.readString(pidFile).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    static void writePid(Path pidFile, long pid) {
        try {
            Files.createDirectories(pidFile.getParent());
            Files.writeString(pidFile, pid + "\n");
        } catch (IOException e) {
            throw new CliException("Cannot write " + pidFile + ": " + e.getMessage(), e);
        }
    }
}
