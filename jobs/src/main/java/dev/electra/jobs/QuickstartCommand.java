package dev.electra.jobs;

import dev.electra.pipeline.config.ConfigLoader;
import dev.electra.pipeline.config.ElectraConfig;
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
 * {@code quickstart}: the whole pipeline on the sample corpus with the {@code tiny} configuration, on local
 * Spark. It owns its output directory and replaces it on every run, so it can be rerun at will.
 */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
        description = {"Fetch the sample corpus, train a vocabulary and pack pretraining shards, with the tiny "
                + "configuration on local Spark; prints what it wrote.",
                "Writes OUTPUT/vocab and OUTPUT/shards (replaced on every run)."})
final class QuickstartCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--output", paramLabel = "DIR", description = "Where to write (default: runs/quickstart).")
    Path output = Path.of("runs", "quickstart");

    @Override
    public Integer call() {
        List<String> overlays = new ArrayList<>(List.of("tiny"));
        overlays.addAll(common.confs);
        ElectraConfig config = ConfigLoader.load(overlays, common.sets);
        long start = System.nanoTime();
        Path corpus = SampleCorpus.fetch(Path.of(config.data().dir())).toAbsolutePath();
        var spark = Sparks.session(config, "quickstart");
        String vocabDir = output.resolve("vocab").toAbsolutePath().toString();
        String shardsDir = output.resolve("shards").toAbsolutePath().toString();
        Vocabulary vocab = VocabJob.run(spark, config, corpus.toString(), vocabDir, true,
                List.of("quickstart", "vocab"));
        PackingStats stats = PrepareJob.run(spark, config, corpus.toString(), vocabDir, shardsDir, true,
                List.of("quickstart", "prepare"));
        System.out.printf("quickstart finished in %.0f s%n", (System.nanoTime() - start) / 1e9);
        System.out.println("  corpus:     " + corpus);
        System.out.println("  vocabulary: " + vocabDir + "/vocab.txt (" + vocab.size() + " tokens) and tokenizer.json");
        System.out.println("  shards:     " + shardsDir + " (" + stats.examples() + " examples, " + stats.tokens()
                + " tokens, manifest in _manifest.json)");
        return 0;
    }
}
