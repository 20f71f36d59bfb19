package dev.electra.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.electra.jobs.io.Failures;
import dev.electra.jobs.io.Lease;
import dev.electra.jobs.io.OutputDir;
import dev.electra.pipeline.config.CodeVersion;
import dev.electra.pipeline.config.ConfigLoader;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.config.ResumeCheck;
import dev.electra.pipeline.config.RunInfo;
import dev.electra.pipeline.eval.Evaluation;
import dev.electra.pipeline.model.ElectraModel;
import dev.electra.pipeline.model.Objective;
import dev.electra.pipeline.report.AblationDescriptor;
import dev.electra.pipeline.report.AblationReport;
import dev.electra.pipeline.train.Pretraining;
import dev.electra.tokenizer.TokenizerSpec;
import dev.electra.tokenizer.Vocabulary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ablate}: the same data, seed, steps and batch for each objective, then {@code evaluate} for each, then
 * the report. Every objective's run lives in its own directory, so a rerun resumes an interrupted pretraining
 * and redoes only what is missing.
 */
@Command(name = "ablate", mixinStandardHelpOptions = true,
        description = {"Pretrain each objective with the same data, seed and budget, evaluate each, and write the "
                + "report.",
                "Writes OUTPUT/OBJECTIVE/pretrain, OUTPUT/OBJECTIVE/evaluation, OUTPUT/_ablation.json and "
                        + "OUTPUT/report/ (report.md, report.html, PNG curves). A rerun resumes."})
public final class AblateJob implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(AblateJob.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What an evaluation's numbers depend on besides the checkpoint: a change of any re-evaluates. */
    private static final List<String> EVALUATED_BY = List.of("evaluate.*", "seed", "data.dir");
    /** And the random row's, whose encoder is built from the model's shape and the seed. */
    private static final List<String> RANDOM_MADE_BY = List.of("evaluate.*", "seed", "data.dir", "model.*");

    @Mixin
    CommonOptions common;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "Shards written by prepare.")
    String data;

    @Option(names = "--vocab", required = true, paramLabel = "DIR", description = "The shards' vocabulary.")
    String vocab;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Ablation directory (local).")
    Path output;

    @Option(names = "--objectives", split = ",", paramLabel = "NAME",
            description = "Objectives to compare (default: all five: ${DEFAULT-VALUE}).")
    List<String> objectives = Objective.configNames();

    @Option(names = "--tasks-dir", paramLabel = "DIR", description = "Task directories (default: data.dir/tasks).")
    String tasksDir;

    @Override
    public Integer call() {
        Path report = run(Sparks.session(common.config(), "ablate"), common.confs, common.sets, data, vocab, output,
                objectives, tasksDir);
        System.out.println("report: " + report.toAbsolutePath() + " (and report.html beside it)");
        return 0;
    }

    /** Runs every objective and writes the report; returns the path of report.md. */
    public static Path run(SparkSession spark, List<String> overlays, List<String> sets, String data, String vocab,
                           Path output, List<String> objectives, String tasksDir) {
        long start = System.nanoTime();
        for (String o : objectives) {
            Objective.parse(o);
        }
        ElectraConfig base = ConfigLoader.load(overlays, sets);
        String tasks = tasksDir != null ? tasksDir : Path.of(base.data().dir(), "tasks").toString();
        try (Lease lease = claim(spark, base, output, List.of(new OutputDir.Input("--data", data),
                new OutputDir.Input("--vocab", vocab), new OutputDir.Input("--tasks-dir", tasks)),
                List.of("ablate", "--data", data, "--vocab", vocab, "--output", output.toString()))) {
            return ablate(spark, overlays, sets, data, vocab, output, objectives, tasks, base, start);
        }
    }

    /** The ablation itself, once {@code output} is this job's. */
    private static Path ablate(SparkSession spark, List<String> overlays, List<String> sets, String data, String vocab,
                               Path output, List<String> objectives, String tasks, ElectraConfig base, long start) {
        Map<String, AblationDescriptor.Run> perObjective = new LinkedHashMap<>();
        for (int i = 0; i < objectives.size(); i++) {
            String objective = objectives.get(i);
            List<String> objectiveSets = new ArrayList<>(sets);
            objectiveSets.add("pretrain.objective=" + objective);
            ElectraConfig config = ConfigLoader.load(overlays, objectiveSets);
            String run = output.resolve(objective).resolve("pretrain").toAbsolutePath().toString();
            LOG.info("ablate: objective {} ({} of {}): pretraining {} steps", objective, i + 1, objectives.size(),
                    config.pretrain().steps());
            PretrainJob.Result r = PretrainJob.run(spark, config, data, run, false, Long.MAX_VALUE,
                    List.of("ablate", "pretrain", objective));
            Path evaluation = output.resolve(objective).resolve("evaluation");
            String stale = staleBecause(evaluation, r.step(), config, EVALUATED_BY);
            if (stale == null) {
                LOG.info("ablate: objective {}: evaluation of step {} is present", objective, r.step());
            } else {
                LOG.info("ablate: objective {}: evaluating ({})", objective, stale);
                LOG.info(EvaluateJob.summary(EvaluateJob.run(spark, config, run, vocab, tasks,
                        config.evaluate().tasks(), evaluation.toAbsolutePath().toString(), true,
                        List.of("ablate", "evaluate", objective)), run));
            }
            perObjective.put(objective, new AblationDescriptor.Run(r.step()));
        }
        evaluateRandom(spark, overlays, sets, vocab, tasks, output);
        try {
            AblationDescriptor ablation = new AblationDescriptor(String.join(", ", objectives) + " at equal budget",
                    objectives, AblationReport.RANDOM, base.pretrain().steps(),
                    base.pretrain().batchSize() * base.distributed().workers(), base.seed(), base.evaluate().seeds(),
                    data, base.evaluate().tasks(), CodeVersion.current().toString(), machine(),
                    Instant.now().minusNanos(System.nanoTime() - start).toString(),
                    Math.round((System.nanoTime() - start) / 1e9), perObjective, base.rendered());
            Files.createDirectories(output);
            ablation.write(output);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + output + "/_ablation.json: " + e.getMessage(), e);
        }
        return AblationReport.read(output).write(output.resolve("report"));
    }

    /**
     * The floor every objective is compared with: the same architecture (ELECTRA's discriminator) initialised with the
     * run's seed and never pretrained, written as a transformers directory ({@code OUTPUT/random/model}) and
     * evaluated exactly as the pretrained encoders ({@code OUTPUT/random/evaluation}). Kept when present.
     */
    private static void evaluateRandom(SparkSession spark, List<String> overlays, List<String> sets, String vocab,
                                       String tasks, Path output) {
        Path dir = output.resolve(AblationReport.RANDOM);
        Path evaluation = dir.resolve("evaluation");
        List<String> electra = new ArrayList<>(sets);
        electra.add("pretrain.objective=electra");
        ElectraConfig config = ConfigLoader.load(overlays, electra);
        String stale = staleBecause(evaluation, -1, config, RANDOM_MADE_BY);
        if (stale == null) {
            LOG.info("ablate: the random-init baseline's evaluation is present");
            return;
        }
        var hadoop = spark.sparkContext().hadoopConfiguration();
        Vocabulary vocabulary = Tokenizers.readVocabulary(vocab, hadoop);
        ElectraModel model = Pretraining.model(config, vocabulary.size(), config.model().maxPositions());
        String modelDir = dir.resolve("model").toAbsolutePath().toString();
        List<String> arguments = List.of("ablate", "random-init baseline");
        try (OutputDir out = OutputDir.begin("export", modelDir, true, hadoop, List.of())) {
            try {
                ExportCommand.write(out, model, new TokenizerSpec(vocabulary, Tokenizers.normalizerOptions(config),
                        config.tokenizer().maxInputCharsPerWord()));
                out.writeRunInfo(RunInfo.start("export", arguments, config).withResults(Map.of("random_init", true,
                        "seed", config.seed())));
                out.commit();
            } catch (Exception e) {
                throw out.failure(e);
            }
        }
        LOG.info("ablate: random-init baseline (seed {}, never pretrained): evaluating ({})", config.seed(), stale);
        LOG.info(EvaluateJob.summary(EvaluateJob.run(spark, config, modelDir, null, tasks, config.evaluate().tasks(),
                evaluation.toAbsolutePath().toString(), true, arguments), modelDir));
    }

    /**
     * Makes {@code output} this ablation's directory: refused when it overlaps an input, or when it holds files
     * that no earlier ablate wrote (an ablation resumes only its own directory), or while another job holds it;
     * marked with {@code _run.json}. Returns its lease, held until the ablation ends.
     */
    private static Lease claim(SparkSession spark, ElectraConfig config, Path output, List<OutputDir.Input> inputs,
                               List<String> arguments) {
        var hadoop = spark.sparkContext().hadoopConfiguration();
        org.apache.hadoop.fs.Path dir = OutputDir.local(output);
        try {
            org.apache.hadoop.fs.FileSystem fs = dir.getFileSystem(hadoop);
            OutputDir.checkApart(fs, dir, inputs, hadoop);
            Lease lease = Lease.take(fs, fs.makeQualified(dir), "ablate");
            try {
                if (Files.isDirectory(output) && !isEmpty(output)) {
                    OutputDir.requireOwn(fs, dir, "ablate", "ablate resumes (writes into)");
                } else if (Files.exists(output) && !Files.isDirectory(output)) {
                    throw new dev.electra.pipeline.errors.JobError("output " + output + " is a file; ablate writes a "
                            + "directory");
                }
                Files.createDirectories(output);
                Files.write(output.resolve(RunInfo.FILE_NAME), RunInfo.start("ablate", arguments, config).toJson());
                return lease;
            } catch (IOException | RuntimeException e) {
                lease.close();
                throw e;
            }
        } catch (IOException e) {
            throw Failures.writing(e, output.toString(), "nothing was written");
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (var entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }

    /**
     * Why an existing evaluation cannot be kept, or null when it can: none there, one of another pretraining step
     * ({@code step} ≥ 0), or one made with other values of {@code keys} than {@code config} has (a rerun with more
     * seeds or other rates must not report the old numbers under the new settings).
     */
    static String staleBecause(Path evaluation, long step, ElectraConfig config, List<String> keys) {
        Path json = evaluation.resolve(Evaluation.FILE_NAME);
        if (!Files.isRegularFile(json)) {
            return "none yet";
        }
        try {
            Long at = Evaluation.read(json).step();
            if (step >= 0 && (at == null || at != step)) {
                return "the present one is of step " + at + ", pretraining ended at " + step;
            }
            JsonNode recorded = JSON.readTree(evaluation.resolve(RunInfo.FILE_NAME).toFile()).path("config");
            if (!recorded.isTextual()) {
                return "the present one records no configuration";
            }
            List<String> changed = ResumeCheck.differences(recorded.asText(), config).stream()
                    .filter(c -> ResumeCheck.covered(c.key(), keys)).map(c -> c.key() + " " + c.from() + " -> "
                            + c.to()).toList();
            return changed.isEmpty() ? null : "the present one was made with other settings: "
                    + String.join(", ", changed);
        } catch (IOException | RuntimeException e) {
            return "the present one does not read: " + e.getMessage();
        }
    }

    static String machine() {
        long memory = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getTotalMemorySize();
        return String.format("%d cores, %d GiB, %s %s, Java %s", Runtime.getRuntime().availableProcessors(),
                memory >> 30, System.getProperty("os.name"), System.getProperty("os.arch"), Runtime.version());
    }
}
