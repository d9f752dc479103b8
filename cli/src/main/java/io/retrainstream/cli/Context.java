package io.retrainstream.cli;

import io.retrainstream.cli.stack.Workspace;
import java.io.PrintStream;

/**
 * What a command runs against: the workspace and the terminal. {@code interactive} is true when the terminal shows
 * lines updated in place (progress bars, spinners); otherwise progress is printed sparingly, one line at a time.
 */
public record Context(Workspace workspace, PrintStream out, PrintStream err, boolean interactive) {

    static Context system() {
        return new Context(Workspace.fromEnvironment(), System.out, System.err, System.console() != null);
    }
}
