package io.retrainstream.cli.stack;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.retrainstream.cli.CliException;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The process {@code ./retrain up} leaves running: it starts the Kafka broker and the three services and restarts any
 * of them that exits, or whose liveness check ({@code /q/health/live}; for the broker a TCP connect to its port) fails
 * {@value #FAILURES_IN_A_ROW} times in a row, after a back-off that doubles from {@link #FIRST_BACKOFF} up to
 * {@link #MAX_BACKOFF} and starts over once the process has been healthy for {@link #HEALTHY_RESET}. Each restart is
 * logged with the exit code or the failed check ({@code .retrain/logs/supervisor.log}) and counted in
 * {@code state.json}, which it alone writes while it runs, as it writes the pid files.
 *
 * <p>
 * On SIGTERM ({@code ./retrain down}) it stops watching and exits without touching the processes, which {@code down}
 * then stops. It never starts a process after it has begun to stop, so every process it started has its pid file.
 */
public final class Supervisor {

    static final String NAME = "supervisor";
    static final String MAIN_CLASS = Supervisor.class.getName();
    /** Its own JVM: small, it only starts processes and probes them. */
    static final List<String> JVM_OPTIONS =
            List.of("-Xms16m", "-Xmx48m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k");

    /** Between liveness checks of a process that has been live. */
    static final Duration PROBE_INTERVAL = Duration.ofSeconds(2);
    /** Between checks of a process still starting, so that it counts as live soon after it is. */
    static final Duration STARTING_PROBE_INTERVAL = Duration.ofMillis(500);
    /** A check not answered within this fails. */
    static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    /** Failed checks in a row, once live, that get a process stopped and restarted. */
    static final int FAILURES_IN_A_ROW = 3;

    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** Healthy this long, the back-off starts again from {@link #FIRST_BACKOFF}. */
    static final Duration HEALTHY_RESET = Duration.ofSeconds(60);
    /** A process that failed its checks gets SIGTERM, then SIGKILL after this. */
    static final Duration STOP_GRACE = Duration.ofSeconds(10);
    /** How soon an exit is noticed. */
    static final Duration EXIT_POLL = Duration.ofMillis(200);

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    /**
     * What to start and watch, written by {@code up} to {@code .retrain/supervisor.json}.
     *
     * @param children in start order: the broker first
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Plan(List<Child> children) {

        void save(Workspace workspace) {
            try {
                Files.createDirectories(workspace.home());
                ServiceHttp.JSON.writeValue(workspace.supervisorPlanFile().toFile(), this);
            } catch (IOException e) {
                throw new CliException("Cannot write " + workspace.supervisorPlanFile() + ": " + e.getMessage(), e);
            }
        }

        static Plan load(Workspace workspace) throws IOException {
            return ServiceHttp.JSON.readValue(workspace.supervisorPlanFile().toFile(), Plan.class);
        }
    }

    /**
     * One process to keep running.
     *
     * @param env         its environment, besides the admin token
     * @param liveUrl     its liveness endpoint, or null
     * @param tcpPort     a port of 127.0.0.1 it accepts connections on while live (the broker), or 0
     * @param startTimeoutSeconds how long it may take to become live after each start before it counts as failed
     * @param adminToken  whether it gets the admin token ({@code RETRAIN_ADMIN_TOKEN}) in its environment
     * @param afterBroker whether its first start waits until the broker accepts connections
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Child(
            String name,
            List<String> command,
            Map<String, String> env,
            String workDir,
            String log,
            String liveUrl,
            int tcpPort,
            long startTimeoutSeconds,
            boolean adminToken,
            boolean afterBroker) {}

    private final Workspace workspace;
    private final Plan plan;
    private final String token;
    private final PrintStream log;
    private final ServiceHttp http;
    private final Object lock = new Object();
    /** Counted down once by each broker the first time it is live: the services start once all are. */
    private final CountDownLatch brokerLive;
    /** Guarded by {@link #lock}. */
    private State state;
    /** Guarded by {@link #lock}; once true, nothing more is started. */
    private boolean stopping;

    Supervisor(Workspace workspace, Plan plan, String token, PrintStream log) {
        this.workspace = workspace;
        this.plan = plan;
        this.token = token;
        this.log = log;
        this.http = new ServiceHttp(workspace, PROBE_TIMEOUT);
        this.brokerLive = new CountDownLatch((int)
                plan.children().stream().filter(child -> child.tcpPort() > 0).count());
        this.state = State.load(workspace).orElseThrow(() -> new CliException("No " + workspace.stateFile()));
    }

    /**
     * {@code java ... io.retrainstream.cli.stack.Supervisor ROOT}: supervises what {@code ROOT/.retrain/supervisor.json}
     * lists.
     */
    public static void main(String[] args) {
        Path root = Path.of(args.length > 0 ? args[0] : "").toAbsolutePath();
        Workspace workspace = new Workspace(root, root);
        Supervisor supervisor;
        try {
            supervisor = new Supervisor(workspace, Plan.load(workspace), System.getenv(AdminToken.ENV), System.out);
        } catch (IOException | RuntimeException e) {
            System.out.println(now() + " Cannot start supervising: " + e);
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(supervisor::stop, "supervisor-stop"));
        supervisor.run();
    }

    /** Starts every child and watches them until the JVM stops. */
    void run() {
        synchronized (lock) {
            state = state.withPid(NAME, ProcessHandle.current().pid());
            state.save(workspace);
        }
        log(
                "Supervising %s (pid %d): restart after an exit or %d failed liveness checks in a row, back-off %d s "
                        + "doubling up to %d s",
                String.join(", ", plan.children().stream().map(Child::name).toList()),
                ProcessHandle.current().pid(),
                FAILURES_IN_A_ROW,
                FIRST_BACKOFF.toSeconds(),
                MAX_BACKOFF.toSeconds());
        List<Thread> watchers = new ArrayList<>();
        for (Child child : plan.children()) {
            Thread thread = new Thread(new Watcher(child), "watch-" + child.name());
            thread.start();
            watchers.add(thread);
        }
        for (Thread watcher : watchers) {
            try {
                watcher.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The shutdown hook: no process is started after it returns. */
    void stop() {
        synchronized (lock) {
            stopping = true;
        }
        log("Stopping supervision; the processes keep running until ./retrain down stops them");
        log.flush();
    }

    private boolean stopping() {
        synchronized (lock) {
            return stopping;
        }
    }

    /** Keeps one child running. */
    private final class Watcher implements Runnable {

        private final Child child;
        /** Restarts since the child was last healthy for {@link #HEALTHY_RESET}. */
        private int backoffStep;
        /** Whether this broker has counted down {@link #brokerLive}. */
        private boolean countedLive;

        Watcher(Child child) {
            this.child = child;
        }

        @Override
        public void run() {
            try {
                if (child.afterBroker()) {
                    brokerLive.await();
                }
                while (true) {
                    String reason;
                    try {
                        Optional<Process> process = start();
                        if (process.isEmpty()) {
                            return;
                        }
                        reason = watch(process.get());
                    } catch (RuntimeException e) {
                        reason = "could not be started or watched: " + e.getMessage();
                    }
                    if (reason == null) {
                        return;
                    }
                    Duration delay = backoff(backoffStep++);
                    recordRestart(child.name(), reason, delay);
                    Thread.sleep(delay.toMillis());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Throwable e) {
                log("Watching %s failed, it is no longer supervised: %s", child.name(), e);
            }
        }

        /** Starts the child and records its pid, unless the supervisor is stopping. */
        private Optional<Process> start() {
            synchronized (lock) {
                if (stopping) {
                    return Optional.empty();
                }
                Map<String, String> env = new LinkedHashMap<>(child.env());
                if (child.adminToken() && token != null && !token.isBlank()) {
                    env.put(AdminToken.ENV, token);
                }
                Process process =
                        Processes.startDetached(child.command(), env, Path.of(child.workDir()), Path.of(child.log()));
                Processes.writePid(workspace.pidFile(child.name()), process.pid());
                state = state.withPid(child.name(), process.pid());
                state.save(workspace);
                log("Started %s (pid %d)", child.name(), process.pid());
                return Optional.of(process);
            }
        }

        /** Returns why the process stopped (it has stopped), or null when the supervisor is stopping. */
        private String watch(Process process) throws InterruptedException {
            long started = System.nanoTime();
            long nextProbe = started + STARTING_PROBE_INTERVAL.toNanos();
            boolean live = false;
            long healthySince = 0;
            int failures = 0;
            while (true) {
                if (process.waitFor(EXIT_POLL.toMillis(), TimeUnit.MILLISECONDS)) {
                    return exitReason(process.exitValue());
                }
                if (stopping()) {
                    return null;
                }
                if (System.nanoTime() < nextProbe) {
                    continue;
                }
                Optional<String> problem = probe();
                long now = System.nanoTime();
                if (problem.isEmpty()) {
                    if (!live) {
                        live = true;
                        log(
                                "%s is live (pid %d, %.1f s after its start)",
                                child.name(), process.pid(), (now - started) / 1e9);
                        if (child.tcpPort() > 0 && !countedLive) {
                            countedLive = true;
                            brokerLive.countDown();
                        }
                    }
                    if (failures > 0 || healthySince == 0) {
                        healthySince = now;
                    }
                    failures = 0;
                    if (backoffStep > 0 && now - healthySince >= HEALTHY_RESET.toNanos()) {
                        backoffStep = 0;
                    }
                    nextProbe = now + PROBE_INTERVAL.toNanos();
                } else if (live) {
                    failures++;
                    log(
                            "%s (pid %d) failed its liveness check, %d of %d in a row: %s",
                            child.name(), process.pid(), failures, FAILURES_IN_A_ROW, problem.get());
                    if (failures >= FAILURES_IN_A_ROW) {
                        String how = stopHung(process);
                        return "liveness check failed " + FAILURES_IN_A_ROW + " times in a row (" + problem.get()
                                + "); " + how;
                    }
                    nextProbe = now + PROBE_INTERVAL.toNanos();
                } else if (now - started
                        > Duration.ofSeconds(child.startTimeoutSeconds()).toNanos()) {
                    String how = stopHung(process);
                    return "not live " + child.startTimeoutSeconds() + " s after its start (" + problem.get() + "); "
                            + how;
                } else {
                    nextProbe = now + STARTING_PROBE_INTERVAL.toNanos();
                }
            }
        }

        /** Empty when the child is live, else what failed. */
        private Optional<String> probe() {
            if (child.liveUrl() != null) {
                Optional<Integer> status = http.probe(child.liveUrl(), PROBE_TIMEOUT);
                if (status.isEmpty()) {
                    return Optional.of(
                            "no answer from " + child.liveUrl() + " within " + PROBE_TIMEOUT.toSeconds() + " s");
                }
                return status.get() == 200
                        ? Optional.empty()
                        : Optional.of(child.liveUrl() + " answered HTTP " + status.get());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(State.LOOPBACK, child.tcpPort()), (int) PROBE_TIMEOUT.toMillis());
                return Optional.empty();
            } catch (IOException e) {
                return Optional.of(
                        "cannot connect to " + State.LOOPBACK + ":" + child.tcpPort() + ": " + e.getMessage());
            }
        }

        /** SIGTERM, then SIGKILL after {@link #STOP_GRACE}; says which ended it. */
        private String stopHung(Process process) throws InterruptedException {
            process.destroy();
            if (process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                return "stopped it with SIGTERM";
            }
            process.destroyForcibly();
            process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            return "killed it (SIGKILL) after " + STOP_GRACE.toSeconds() + " s";
        }
    }

    private void recordRestart(String name, String reason, Duration delay) {
        synchronized (lock) {
            if (stopping) {
                return;
            }
            state = state.withRestart(
                    name, reason, Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
            state.save(workspace);
            log("%s stopped: %s; restart %d in %d s", name, reason, state.restartCount(name), delay.toSeconds());
        }
    }

    /** {@link #FIRST_BACKOFF} doubled {@code step} times, at most {@link #MAX_BACKOFF}. */
    static Duration backoff(int step) {
        long millis = FIRST_BACKOFF.toMillis();
        for (int i = 0; i < step && millis < MAX_BACKOFF.toMillis(); i++) {
            millis *= 2;
        }
        return Duration.ofMillis(Math.min(millis, MAX_BACKOFF.toMillis()));
    }

    /** A process's exit status as a reason: {@code exit 1}, or {@code exit 137 (SIGKILL)} for 128 + signal 9. */
    static String exitReason(int status) {
        int signal = status - 128;
        if (signal <= 0 || signal > 64) {
            return "exit " + status;
        }
        String name =
                switch (signal) {
                    case 1 -> "SIGHUP";
                    case 2 -> "SIGINT";
                    case 3 -> "SIGQUIT";
                    case 6 -> "SIGABRT";
                    case 9 -> "SIGKILL";
                    case 11 -> "SIGSEGV";
                    case 15 -> "SIGTERM";
                    default -> "signal " + signal;
                };
        return "exit " + status + " (" + name + ")";
    }

    private void log(String format, Object... args) {
        synchronized (log) {
            log.println(now() + " " + String.format(format, args));
            log.flush();
        }
    }

    private static String now() {
        return LocalDateTime.now().format(TIME);
    }
}
