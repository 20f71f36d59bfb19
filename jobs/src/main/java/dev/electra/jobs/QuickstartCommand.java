package dev.electra.jobs;

import dev.electra.jobs.io.OutputDir;
import dev.electra.pipeline.config.ConfigLoader;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.data.EvalTasks;
import dev.electra.pipeline.data.SampleCorpus;
import dev.electra.pipeline.packing.PackingStats;
import dev.electra.pipeline.report.AblationReport;
import dev.electra.tokenizer.Vocabulary;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
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
            description = "Objectives to compare (default: electra,electra-15).")
    List<String> objectives = List.of("electra", "electra-15");

    @Override
    public Integer call() {
        List<String> overlays = new ArrayList<>(List.of("tiny", "quickstart"));
        overlays.addAll(common.confs);
        ElectraConfig config = ConfigLoader.load(overlays, common.sets);
        long start = System.nanoTime();
        Path corpus = SampleCorpus.fetch(Path.of(config.data().dir())).toAbsolutePath();
        Path tasks = EvalTasks.fetch(Path.of(config.data().dir())).toAbsolutePath();
        var spark = Sparks.session(config, "quickstart");
        String vocabDir = output.resolve("vocab").toAbsolutePath().toString();
        String shardsDir = output.resolve("shards").toAbsolutePath().toString();
        Vocabulary vocab = VocabJob.run(spark, config, corpus.toString(), vocabDir, true,
                List.of("quickstart", "vocab"));
        PackingStats stats = PrepareJob.run(spark, config, corpus.toString(), vocabDir, shardsDir, true,
                List.of("quickstart", "prepare"));
        Path ablation = output.resolve("ablation").toAbsolutePath();
        Path report;
        if (replace.overwrite && java.nio.file.Files.exists(ablation)) {
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
