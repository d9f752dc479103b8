package io.retrainstream.cli;

import java.util.Set;

/** One {@code ./retrain} command. */
interface Command {

    /** The word after {@code ./retrain}. */
    String name();

    /** One line for the overall help. */
    String summary();

    /** The command's full usage: synopsis, options, examples. */
    String usage();

    /** Options (without {@code --}) that take a value. */
    Set<String> valueOptions();

    /** Options (without {@code --}) that take none. */
    default Set<String> flagOptions() {
        return Set.of();
    }

    /** Runs the command; returns the exit status. Throws {@link CliException} for failures the user can act on. */
    int run(Args args, Context context) throws Exception;
}
