package io.retrainstream.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/** {@code ./retrain}: runs retrain-stream on this machine and drives it like retrain.py and label_image. */
public final class Main {

    static final List<Command> COMMANDS = List.of(new UpCommand(), new DownCommand(), new StatusCommand(),
            new PublishCommand(), new TrainCommand(), new CancelCommand(), new ClassifyCommand(), new DemoCommand(),
            new ArchitecturesCommand(), new ModelsCommand(), new ModelsCommand.Rollback(), new ModelsCommand.Unpin());

    private Main() {
    }

    public static void main(String[] argv) {
        // TopicSetup logs through JBoss Logging: send it to SLF4J (quiet, see simplelogger.properties)
        System.setProperty("org.jboss.logging.provider", "slf4j");
        int status = run(argv, Context.system());
        System.out.flush();
        System.err.flush();
        System.exit(status);
    }

    /** Runs one command line; returns the exit status (0 ok, 1 failure, 2 bad arguments). */
    static int run(String[] argv, Context context) {
        PrintStream err = context.err();
        if (argv.length == 0 || argv[0].equals("-h") || argv[0].equals("--help") || argv[0].equals("help")) {
            if (argv.length > 1 && argv[0].equals("help")) {
                Command command = find(argv[1]);
                if (command != null) {
                    context.out().print(command.usage());
                    return 0;
                }
            }
            (argv.length == 0 ? err : context.out()).print(usage());
            return argv.length == 0 ? 2 : 0;
        }
        Command command = find(argv[0]);
        if (command == null) {
            err.println("Unknown command '" + argv[0] + "'.");
            err.print(usage());
            return 2;
        }
        try {
            Args args = Args.parse(Arrays.asList(argv).subList(1, argv.length), command.valueOptions(),
                    command.flagOptions());
            if (args.help()) {
                context.out().print(command.usage());
                return 0;
            }
            return command.run(args, context);
        } catch (UsageException e) {
            err.println("retrain " + command.name() + ": " + e.getMessage());
            err.println();
            err.print(command.usage());
            return 2;
        } catch (CliException e) {
            err.println("Error: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("Interrupted.");
            return 130;
        } catch (Exception e) {
            err.println("Error: " + e);
            e.printStackTrace(err);
            return 1;
        }
    }

    static Command find(String name) {
        return COMMANDS.stream().filter(c -> c.name().equals(name)).findFirst().orElse(null);
    }

    static String usage() {
        StringBuilder usage = new StringBuilder("""
                Usage: ./retrain COMMAND [OPTIONS]

                TensorFlow's image retraining as Kafka microservices, run on this machine.

                Commands:
                """);
        for (Command command : COMMANDS) {
            usage.append(String.format("  %-14s %s%n", command.name(), command.summary()));
        }
        usage.append(String.format("  %-14s %s%n", "benchmark", "measure throughput, latency and memory against "
                + "same-run ceilings (run by the ./retrain script itself)"));
        usage.append(String.format("  %-14s %s%n", "benchmark streaming", "freshness of continuous retraining and "
                + "classify latency during model swaps"));
        usage.append("""

                Run ./retrain COMMAND --help for a command's options. A first session:
                  ./retrain up --model-dir ../shared/models
                  ./retrain publish --image-dir ~/flower_photos
                  ./retrain train --wait
                  ./retrain classify ~/flower_photos/daisy/21652746_cc379e0eea_m.jpg
                  ./retrain down
                Or all at once: ./retrain demo --image-dir DIR --model-dir DIR
                """);
        return usage.toString();
    }
}
