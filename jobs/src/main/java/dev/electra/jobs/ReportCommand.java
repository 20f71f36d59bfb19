package dev.electra.jobs;

import dev.electra.pipeline.report.AblationReport;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code report}: (re)writes the report of an ablation directory; no Spark needed. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Write the ablation report (report.md, report.html, PNG learning curves) of a directory "
                + "written by ablate."})
final class ReportCommand implements Callable<Integer> {
    @Option(names = "--ablation", required = true, paramLabel = "DIR", description = "An ablate output directory.")
    Path ablation;

    @Option(names = "--output", paramLabel = "DIR", description = "Where to write (default: DIR/report).")
    Path output;

    @Override
    public Integer call() {
        Path md = AblationReport.read(ablation).write(output != null ? output : ablation.resolve("report"));
        System.out.println("report: " + md.toAbsolutePath() + " (and report.html beside it)");
        return 0;
    }
}
