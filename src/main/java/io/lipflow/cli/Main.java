package io.lipflow.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Entry point of the {@code ./lipflow} launcher: dispatches to one {@link Command}. */
public final class Main {
    /** The commands, in the order {@code help} lists them. */
    static List<Command> commands() {
        return List.of(
                new DemoCommand(),
                new RunCommand(),
                new ProduceCommand(),
                new MelCommand(),
                new ModelsCommand(),
                new AvatarCommand(),
                new BenchCommand(),
                new ClusterCommand());
    }

    private Main() {}

    public static void main(String[] argv) {
        System.exit(run(argv, System.out, System.err));
    }

    /** Runs one command line; returns the process exit code. */
    public static int run(String[] argv, PrintStream out, PrintStream err) {
        Map<String, Command> byName = new LinkedHashMap<>();
        for (Command c : commands()) {
            byName.put(c.name(), c);
        }
        if (argv.length == 0 || argv[0].equals("help") || argv[0].equals("--help") || argv[0].equals("-h")) {
            printHelp(byName, out);
            return 0;
        }
        Command command = byName.get(argv[0]);
        if (command == null) {
            err.println("lipflow: unknown command '" + argv[0] + "' (try ./lipflow help)");
            return 2;
        }
        try {
            Args args = new Args(Arrays.asList(argv).subList(1, argv.length));
            command.run(args);
            return 0;
        } catch (UserError e) {
            // one line, whatever a library put in the message
            err.println("lipflow " + command.name() + ": " + e.getMessage().strip().replaceAll("\\s*\\R\\s*", " "));
            return 1;
        } catch (Exception e) {
            err.println("lipflow " + command.name() + ": internal error: " + e);
            e.printStackTrace(err);
            return 3;
        }
    }

    private static void printHelp(Map<String, Command> commands, PrintStream out) {
        out.println("LipFlow: lip-synced avatar video from speech, as an Apache Flink job.");
        out.println();
        out.println("Usage: ./lipflow <command> [options]");
        out.println();
        for (Command c : commands.values()) {
            out.printf("  %-10s %s%n", c.name(), c.summary());
            for (String line : c.usage().split("\n")) {
                out.println("             " + line);
            }
        }
        out.println();
        out.println("  help       this list");
    }
}
