package dev.electra.jobs;

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
                DoctorCommand.class},
        footer = {"", "Every command takes --conf FILE, --set KEY=VALUE and --overwrite; "
                + "all defaults are in conf/reference.conf."})
public final class Main implements Runnable {

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
        return cli.execute(args);
    }

    /** The innermost message that says something, so Spark's wrappers do not hide the cause. */
    static String describe(Throwable e) {
        Throwable t = e;
        String message = e.getMessage();
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                message = t.getMessage();
            }
        }
        return message == null ? e.toString() : message;
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
