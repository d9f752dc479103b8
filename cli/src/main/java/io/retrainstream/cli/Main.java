package io.retrainstream.cli;

import io.retrainstream.cli.command.ArchitecturesCommand;
import io.retrainstream.cli.command.CancelCommand;
import io.retrainstream.cli.command.ClassifyCommand;
import io.retrainstream.cli.command.DemoCommand;
import io.retrainstream.cli.command.EvaluateCommand;
import io.retrainstream.cli.command.ModelsCommand;
import io.retrainstream.cli.command.PublishCommand;
import io.retrainstream.cli.command.ScaleBenchmarkCommand;
import io.retrainstream.cli.command.TrainCommand;
import io.retrainstream.cli.stack.DownCommand;
import io.retrainstream.cli.stack.StatusCommand;
import io.retrainstream.cli.stack.UpCommand;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/** {@code ./retrain}: runs retrain-stream on this machine and drives it like retrain.py and label_image. */
@Command(
        name = "./retrain",
        synopsisHeading = "",
        customSynopsis = "Usage: ./retrain COMMAND [OPTIONS]",
        description = {"", "TensorFlow's image retraining as Kafka microservices, run on this machine."},
        optionListHeading = "%nOptions:%n",
        commandListHeading = "%nCommands:%n",
        footer = {
            "",
            "Run by the ./retrain script itself:",
            "  benchmark            measure throughput, latency and memory against same-run ceilings",
            "  benchmark streaming  freshness of continuous retraining and classify latency during model swaps",
            "  benchmark scale      the trainer's memory and run times at 10k, 100k, 300k images (runs on a stack)",
            "",
            "Run ./retrain COMMAND --help (or ./retrain help COMMAND) for a command's options. A first session:",
            "  ./retrain up --model-dir ../shared/models",
            "  ./retrain publish --image-dir ~/flower_photos --wait",
            "  ./retrain train --wait",
            "  ./retrain classify ~/flower_photos/daisy/21652746_cc379e0eea_m.jpg",
            "  ./retrain down",
            "Or all at once: ./retrain demo --image-dir DIR --model-dir DIR",
            "Tab completion in bash: source <(./retrain completion)"
        })
public final class Main implements Runnable {

    /** The name the completion script completes (bash also finds it for ./retrain and for a path to it). */
    static final String SCRIPT_NAME = "retrain";

    /** Columns of the help texts. */
    static final int USAGE_WIDTH = 110;

    @picocli.CommandLine.Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "show this help")
    private boolean help;

    @Spec
    private CommandSpec spec;

    private Main() {}

    public static void main(String[] argv) {
        // TopicSetup logs through JBoss Logging: send it to SLF4J (quiet, see simplelogger.properties)
        System.setProperty("org.jboss.logging.provider", "slf4j");
        int status = run(argv, Context.system());
        System.out.flush();
        System.err.flush();
        System.exit(status);
    }

    /** No command: the overall usage on stderr, as a usage error. */
    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "");
    }

    /** Runs one command line; returns the exit status (0 ok, 1 failure, 2 bad arguments, 130 interrupted). */
    public static int run(String[] argv, Context context) {
        CommandLine cli = commandLine(context);
        PrintWriter out = new PrintWriter(context.out(), true);
        PrintWriter err = new PrintWriter(context.err(), true);
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler((e, args) -> usageError(e.getCommandLine(), e, context.err()));
        cli.setExecutionExceptionHandler((e, command, parsed) -> failure(e, command, context.err()));
        int status = cli.execute(argv);
        out.flush();
        err.flush();
        return status;
    }

    /** The whole command tree, each command running against {@code context}. */
    static CommandLine commandLine(Context context) {
        CommandLine cli = new CommandLine(new Main());
        for (CliCommand command : List.of(
                new UpCommand(context),
                new DownCommand(context),
                new StatusCommand(context),
                new PublishCommand(context),
                new TrainCommand(context),
                new CancelCommand(context),
                new ClassifyCommand(context),
                new EvaluateCommand(context),
                new DemoCommand(context),
                new ArchitecturesCommand(context),
                new ModelsCommand(context),
                new ModelsCommand.Rollback(context),
                new ModelsCommand.Unpin(context),
                new ScaleBenchmarkCommand(context))) {
            CommandLine sub = new CommandLine(command);
            command.customize(sub.getCommandSpec());
            cli.addSubcommand(sub);
        }
        cli.addSubcommand(new CompletionCommand());
        CommandLine help = new CommandLine(new HelpCommand());
        help.getCommandSpec().usageMessage().header("show a command's help: ./retrain help COMMAND");
        cli.addSubcommand(help);
        cli.setUsageHelpWidth(USAGE_WIDTH);
        cli.registerConverter(Integer.class, Main::wholeNumber);
        cli.registerConverter(int.class, Main::wholeNumber);
        for (CommandLine sub : cli.getSubcommands().values()) {
            // A command's help starts with its usage line; its one-line header is for the list of commands
            List<String> sections = new ArrayList<>(sub.getHelpSectionKeys());
            sections.remove(CommandLine.Model.UsageMessageSpec.SECTION_KEY_HEADER_HEADING);
            sections.remove(CommandLine.Model.UsageMessageSpec.SECTION_KEY_HEADER);
            sub.setHelpSectionKeys(sections);
            // Options in the order the commands declare them, as the help always listed them
            sub.getCommandSpec().usageMessage().sortOptions(false).parameterListHeading("%nArguments:%n");
        }
        return cli;
    }

    private static Integer wholeNumber(String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a whole number");
        }
    }

    /** Bad arguments: what is wrong, then the command's usage, on stderr; status 2. */
    private static int usageError(CommandLine command, Exception e, PrintStream err) {
        boolean root = command.getParent() == null;
        if (root
                && e instanceof UnmatchedArgumentException unmatched
                && !unmatched.getUnmatched().isEmpty()) {
            err.println("Unknown command '" + unmatched.getUnmatched().get(0) + "'.");
            UnmatchedArgumentException.printSuggestions(unmatched, err);
        } else if (e.getMessage() != null && !e.getMessage().isEmpty()) {
            err.println((root ? "retrain: " : "retrain " + command.getCommandName() + ": ") + e.getMessage());
            err.println();
        }
        err.print(command.getUsageMessage(CommandLine.Help.Ansi.OFF));
        return 2;
    }

    private static int failure(Exception e, CommandLine command, PrintStream err) {
        if (e instanceof UsageException) {
            return usageError(command, e, err);
        }
        if (e instanceof CliException) {
            err.println("Error: " + e.getMessage());
            return 1;
        }
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
            err.println("Interrupted.");
            return 130;
        }
        err.println("Error: " + e);
        e.printStackTrace(err);
        return 1;
    }

    /** {@code ./retrain completion}: prints the bash completion script picocli generates for the command tree. */
    @Command(
            name = "completion",
            header = "print a bash completion script: source <(./retrain completion)",
            synopsisHeading = "",
            customSynopsis = "Usage: ./retrain completion",
            description = {
                "",
                "Prints a bash (and zsh, after autoload -U +X bashcompinit && bashcompinit) "
                        + "script that completes ./retrain's commands and options. Load it into this shell with",
                "  source <(./retrain completion)",
                "or for every new shell: ./retrain completion > ~/.retrain-completion.bash, and source that file "
                        + "from ~/.bashrc."
            })
    static final class CompletionCommand implements Runnable {

        @picocli.CommandLine.Option(
                names = {"-h", "--help"},
                usageHelp = true,
                description = "show this help")
        private boolean help;

        @Spec
        private CommandSpec spec;

        @Override
        public void run() {
            CommandLine root = spec.commandLine().getParent();
            spec.commandLine().getOut().print(AutoComplete.bash(SCRIPT_NAME, root));
            spec.commandLine().getOut().flush();
        }
    }
}
