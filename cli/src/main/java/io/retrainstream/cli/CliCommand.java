package io.retrainstream.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * One {@code ./retrain} command: picocli parses the command line into its annotated fields, then {@link #call()} runs
 * it against the {@link Context} and returns the exit status. Throws {@link CliException} for failures the user can
 * act on and {@link UsageException} for arguments picocli cannot judge alone.
 */
public abstract class CliCommand implements Callable<Integer> {

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "show this help")
    private boolean help;

    protected final Context context;

    protected CliCommand(Context context) {
        this.context = context;
    }

    /** Adds to the command's options what annotations cannot declare; nothing by default. */
    protected void customize(CommandSpec command) {}

    /** {@code value} when it lies within {@code [min, max]}; the option's name goes into the message otherwise. */
    protected static int inRange(String option, int value, int min, int max) throws UsageException {
        if (value < min || value > max) {
            throw new UsageException("Option " + option + " must be between " + min + " and " + max + ", not " + value);
        }
        return value;
    }
}
