package dev.electra.jobs;

import dev.electra.jobs.io.Failures;
import dev.electra.jobs.io.Lease;
import dev.electra.jobs.io.OutputDir;
import dev.electra.pipeline.config.ConfigLoader;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.config.RunInfo;
import dev.electra.pipeline.data.EvalTasks;
import dev.electra.pipeline.data.SampleCorpus;
import dev.electra.pipeline.errors.JobError;
import dev.electra.pipeline.model.Objective;
import dev.electra.pipeline.packing.PackingStats;
import dev.electra.pipeline.report.AblationReport;
import dev.electra.tokenizer.Vocabulary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code quickstart}: the whole pipeline on the sample corpus with the {@code tiny} and {@code quickstart}
 * configurations, on local Spark: fetch-data → vocab → prepare → ablate (pretrain and evaluate each objective) →
 * report. The vocabulary and shards are rebuilt on every run; the ablation resumes what an interrupted run left.
 */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
        description = {"Fetch the sample corpus and evaluation tasks, train a vocabulary, pack shards, pretrain and "
                + "evaluate ELECTRA and ELECTRA 15%% (tiny model, short budget: conf/quickstart.conf) on local "
                + "Spark, and write the ablation report; prints where it is.",
                "Writes OUTPUT/vocab, OUTPUT/shards and OUTPUT/ablation (report in OUTPUT/ablation/report)."})
final class QuickstartCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Mixin
    OverwriteOption replace;

    @Option(names = "--output", paramLabel = "DIR", description = "Where to write (default: runs/quickstart).")
    Path output = Path.of("runs", "quickstart");

    @Option(names = "--objectives", split = ",", paramLabel = "NAME",
            description = "Objectives to compare (default: ${DEFAULT-VALUE}).")
    List<String> objectives = List.of(Objective.ELECTRA.configName(), Objective.ELECTRA_15.configName());

    @Override
    public Integer call() {
        List<String> overlays = new ArrayList<>(List.of("tiny", "quickstart"));
        overlays.addAll(common.confs);
        ElectraConfig config = ConfigLoader.load(overlays, common.sets);
        try (Lease lease = Lease.takeLocal(output, "quickstart")) {
            claim(output, config);
            return run(config, overlays);
        }
    }

    /** The parts of an output folder the quickstart writes; an earlier quickstart's folder holds only these. */
    private static final Map<String, String> PARTS = Map.of("vocab", "vocab", "shards", "prepare",
            "ablation", "ablate");

    /**
     * Refuses an output folder the quickstart did not write (a user's folder would get vocab/, shards/ and ablation/
     * mixed into it); marks it with {@code _run.json}. An earlier quickstart's folder is recognised by its
     * {@code _run.json}, or by holding only the parts it writes, each written by its command.
     */
    static void claim(Path output, ElectraConfig config) {
        try {
            if (Files.exists(output) && !Files.isDirectory(output)) {
                throw new JobError("output " + output + " is a file; quickstart writes a folder");
            }
            if (Files.isDirectory(output) && !ours(output)) {
                List<String> names;
                try (var entries = Files.list(output)) {
                    names = entries.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted()
                            .limit(3).toList();
                }
                throw new JobError("output " + output + " holds files the quickstart did not write (" + String.join(
                        ", ", names) + "); it writes vocab/, shards/ and ablation/ into its folder. Choose another "
                        + "--output, or an empty or new folder");
            }
            Files.createDirectories(output);
            Files.write(output.resolve(RunInfo.FILE_NAME), RunInfo.start("quickstart", List.of("quickstart"), config)
                    .toJson());
        } catch (IOException e) {
            throw Failures.writing(e, output.toString(), "nothing was written");
        }
    }

    private static boolean ours(Path output) throws IOException {
        FileSystem local = FileSystem.getLocal(new Configuration());
        org.apache.hadoop.fs.Path dir = local.makeQualified(OutputDir.local(output));
        if (OutputDir.writerOf(local, dir).map("quickstart"::equals).orElse(false)) {
            return true;
        }
        try (var entries = Files.list(output)) {
            for (Path p : entries.toList()) {
                String name = p.getFileName().toString();
                if (name.startsWith(".")) {
                    continue;
                }
                String writer = PARTS.get(name);
                if (writer == null || !OutputDir.writerOf(local, new org.apache.hadoop.fs.Path(dir, name))
                        .map(writer::equals).orElse(false)) {
                    return false;
                }
            }
        }
        return true;
    }

    private Integer run(ElectraConfig config, List<String> overlays) {
        long start = System.nanoTime();
        Path corpus;
        Path tasks;
        try (Lease data = Lease.takeLocal(Path.of(config.data().dir()), "fetch-data")) {
            corpus = SampleCorpus.fetch(Path.of(config.data().dir())).toAbsolutePath();
            tasks = EvalTasks.fetch(Path.of(config.data().dir())).toAbsolutePath();
        }
        var spark = Sparks.session(config, "quickstart");
        String vocabDir = output.resolve("vocab").toAbsolutePath().toString();
        String shardsDir = output.resolve("shards").toAbsolutePath().toString();
        Vocabulary vocab = VocabJob.run(spark, config, corpus.toString(), vocabDir, true,
                List.of("quickstart", "vocab"));
        PackingStats stats = PrepareJob.run(spark, config, corpus.toString(), vocabDir, shardsDir, true,
                List.of("quickstart", "prepare"));
        Path ablation = output.resolve("ablation").toAbsolutePath();
        Path report;
        if (replace.overwrite && Files.exists(ablation)) {
            // Afresh, beside the old ablation, which goes only once the new one is complete.
            try (OutputDir fresh = OutputDir.begin("ablate", ablation.toUri().toString(), true,
                    spark.sparkContext().hadoopConfiguration(), List.of())) {
                Path temporary = Path.of(fresh.temporary().toUri());
                AblateJob.run(spark, overlays, common.sets, shardsDir, vocabDir, temporary, objectives,
                        tasks.toString());
                fresh.commit();
            }
            report = AblationReport.read(ablation).write(ablation.resolve("report"));
        } else {
            report = AblateJob.run(spark, overlays, common.sets, shardsDir, vocabDir, ablation, objectives,
                    tasks.toString());
        }
        System.out.printf("quickstart finished in %.0f s%n", (System.nanoTime() - start) / 1e9);
        System.out.println("  corpus:     " + corpus);
        System.out.println("  vocabulary: " + vocabDir + "/vocab.txt (" + vocab.size() + " tokens) and tokenizer.json");
        System.out.println("  shards:     " + shardsDir + " (" + stats.examples() + " examples, " + stats.tokens()
                + " tokens, manifest in _manifest.json)");
        System.out.println("  runs:       " + ablation + "/OBJECTIVE/{pretrain,evaluation}");
        System.out.println("  report:     " + report.toAbsolutePath() + " and " + report.getParent().toAbsolutePath()
                + "/report.html");
        return 0;
    }
}
