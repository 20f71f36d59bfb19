package dev.electra.jobs;

import dev.electra.pipeline.config.ConfigLoader;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.data.EvalTasks;
import dev.electra.pipeline.data.SampleCorpus;
import dev.electra.pipeline.packing.PackingStats;
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
                + "evaluate ELECTRA and ELECTRA 15% (tiny model, short budget: conf/quickstart.conf) on local "
                + "Spark, and write the ablation report; prints where it is.",
                "Writes OUTPUT/vocab, OUTPUT/shards and OUTPUT/ablation (report in OUTPUT/ablation/report)."})
final class QuickstartCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

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
        if (common.overwrite) {
            deleteTree(ablation);
        }
        Path report = AblateJob.run(spark, overlays, common.sets, shardsDir, vocabDir, ablation, objectives,
                tasks.toString());
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

    /** --overwrite starts the ablation afresh (without it, a rerun resumes the runs already there). */
    private static void deleteTree(Path dir) {
        if (!java.nio.file.Files.exists(dir)) {
            return;
        }
        try (var files = java.nio.file.Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.delete(p);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot delete " + dir + ": " + e.getMessage(), e);
        }
    }
}
