package dev.electra.jobs;

import dev.electra.jobs.io.Failures;
import dev.electra.pipeline.config.ConfigLoader;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The command line: {@code bin/electra <command>} locally, or
 * {@code spark-submit --class dev.electra.jobs.Main <fat jar> <command>} on a cluster.
 */
@Command(name = "electra", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "ELECTRA pretraining on Spark: sample data, WordPiece vocabulary, shards, pretraining, evaluation, ablation reports.",
        subcommands = {QuickstartCommand.class, FetchDataCommand.class, VocabJob.class, PrepareJob.class,
                EncodeJob.class, PretrainJob.class, EvaluateJob.class, AblateJob.class, ReportCommand.class,
                ExportCommand.class, ScoreJob.class,
                PlanCommand.class, DoctorCommand.class},
        footer = {"", Main.FOOTER})
public final class Main implements Runnable {
    /** What the options of the commands have in common (MainTest checks it against every command). */
    static final String FOOTER = "Every command but report and export takes --conf FILE and --set KEY=VALUE "
            + "(all defaults are in conf/reference.conf); fetch-data, vocab, prepare, encode, pretrain, evaluate, "
            + "export, score and quickstart also take --overwrite.";

    public static void main(String[] args) {
        int code = run(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    /** Runs a command and returns its exit code (0 success, 1 failure, 2 usage error); never exits the JVM. */
    public static int run(String... args) {
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** As {@link #run(String...)}, with the streams for usage and error messages. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler(Main::usageError);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            PrintWriter w = cmd.getErr();
            w.println("error: " + describe(e));
            if (System.getenv("ELECTRA_DEBUG") != null) {
                e.printStackTrace(w);
            } else {
                w.println("(set ELECTRA_DEBUG=1 for the stack trace)");
            }
            w.flush();
            return 1;
        });
        try {
            return cli.execute(args);
        } catch (org.apache.hadoop.fs.FSError e) {
            // A full disk that a writer did not turn into a JobError arrives as an Error, which picocli passes on.
            err.println("error: " + describe(e));
            err.flush();
            return 1;
        }
    }

    /** What the command line prints for a failure: one line naming the file and what to do where we know it. */
    static String describe(Throwable e) {
        return Failures.describe(e);
    }

    /**
     * Usage errors: an unknown option is reported before the required options it may have been meant as (picocli
     * would say only that {@code --input} is missing for {@code --inptu}), with the nearest valid option.
     */
    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter w = cmd.getErr();
        String message = e.getMessage();
        var commands = cmd.getSubcommands().keySet();
        if (cmd.getParent() == null && !commands.isEmpty() && args.length > 0 && !args[0].startsWith("-")
                && !commands.contains(args[0])) {
            // A misspelt command: its options are not the problem, the command is.
            w.println("Unknown command: '" + args[0] + "'; did you mean '" + ConfigLoader.nearest(args[0], commands)
                    + "'?");
            w.println("(electra --help lists every command)");
            w.flush();
            return cmd.getCommandSpec().exitCodeOnInvalidInput();
        }
        for (String arg : args) {
            String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            if (name.startsWith("--")
                    && cmd.getCommandSpec().findOption(name) == null && !cmd.getSubcommands().containsKey(name)) {
                message = "Unknown option: '" + name + "'; did you mean '"
                        + ConfigLoader.nearest(name, cmd.getCommandSpec().optionsMap().keySet()) + "'?";
                break;
            }
        }
        w.println(message);
        w.println("(" + cmd.getCommandSpec().qualifiedName() + " --help lists every option)");
        w.flush();
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** The code version baked into the jar. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"electra " + dev.electra.pipeline.config.CodeVersion.current()};
        }
    }
}
