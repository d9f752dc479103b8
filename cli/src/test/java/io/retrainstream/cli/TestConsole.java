package io.retrainstream.cli;

import io.retrainstream.cli.stack.Workspace;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** A non-interactive {@link Context} whose output the test reads back. */
public final class TestConsole {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    public final Context context;

    public TestConsole(Path root) {
        this(new Workspace(root, root));
    }

    public TestConsole(Workspace workspace) {
        context = new Context(
                workspace,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                false);
    }

    public String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    public String err() {
        return err.toString(StandardCharsets.UTF_8);
    }
}
