package dev.electra.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.electra.jobs.io.OutputDir;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.config.RunInfo;
import dev.electra.pipeline.eval.EncodedTask;
import dev.electra.pipeline.eval.FineTuner;
import dev.electra.pipeline.eval.FrozenFeatures;
import dev.electra.pipeline.eval.GlueTasks;
import dev.electra.pipeline.eval.MinimalPairs;
import dev.electra.pipeline.eval.Task;
import dev.electra.pipeline.metrics.ClassificationMetrics;
import dev.electra.pipeline.metrics.ClassificationMetrics.Spread;
import dev.electra.pipeline.model.ElectraModel;
import dev.electra.pipeline.model.KernelMode;
import dev.electra.pipeline.model.ModelConfig;
import dev.electra.pipeline.model.ParameterSpec;
import dev.electra.pipeline.train.AdamW;
import dev.electra.tokenizer.BertTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code evaluate}: a pretrained run's encoder on the evaluation tasks. Intrinsic held-out metrics come from the
 * run itself; each classification or regression task is fine-tuned over {@code evaluate.seeds} seeds, one Spark task
 * per (task, seed), and probed; a tagging task is probed; the minimal pairs are scored zero-shot by the discriminator
 * on the driver. Writes
 * {@code OUTPUT/evaluation.json} with every score and the mean ± standard deviation per task.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {"Fine-tune and score a pretrained encoder on the evaluation tasks (data.dir/tasks, written by "
                + "fetch-data), over several seeds; score minimal pairs zero-shot.",
                "Writes OUTPUT/evaluation.json, _run.json and _effective.conf. Keys: evaluate.*."})
public final class EvaluateJob implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(EvaluateJob.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    public static final String RESULT = "evaluation.json";

    @Mixin
    CommonOptions common;

    @Mixin
    OverwriteOption replace;

    @Option(names = "--model", required = true, paramLabel = "RUN_OR_DIR",
            description = "A pretrain output directory (its newest complete checkpoint is used), or a transformers "
                    + "ELECTRA discriminator directory (an export, or config.json with model.safetensors).")
    String model;

    @Option(names = "--vocab", paramLabel = "DIR",
            description = "For a pretrain run: the vocabulary it was pretrained with (vocab's output directory or its "
                    + "vocab.txt). Not for a transformers directory, which carries its tokenizer.")
    String vocab;

    @Option(names = "--tasks", split = ",", paramLabel = "NAME",
            description = "Tasks to run (default: evaluate.tasks, or with --glue-dir GLUE's nine), names of "
                    + "directories under --tasks-dir or GLUE task names (cola, sst2, mrpc, qqp, mnli-m, mnli-mm, "
                    + "qnli, rte, wnli).")
    List<String> tasks;

    @Option(names = "--glue-dir", paramLabel = "DIR",
            description = "GLUE's data as its download script lays it out (CoLA/, SST-2/, MRPC/, …): its files are "
                    + "read as GLUE ships them; fine-tuned on train.tsv, reported on the dev set.")
    String glueDir;

    @Option(names = "--tasks-dir", paramLabel = "DIR", description = "Task directories (default: data.dir/tasks).")
    String tasksDir;

    @Option(names = "--output", paramLabel = "DIR", description = "Output directory (default: RUN/evaluation).")
    String output;

    @Override
    public Integer call() {
        ElectraConfig config = common.config();
        SparkSession spark = Sparks.session(config, "evaluate");
        String out = output != null ? output : model + "/evaluation";
        List<String> names = tasks != null ? tasks : glueDir != null ? GlueTasks.names() : config.evaluate().tasks();
        String dir = tasksDir != null ? tasksDir : Path.of(config.data().dir(), "tasks").toString();
        // The default output, RUN/evaluation, is an earlier evaluation of the same run: it is replaced.
        Map<String, Object> r = run(spark, config, model, vocab, dir, glueDir, names, out,
                replace.overwrite || output == null,
                vocab == null ? List.of("evaluate", "--model", model)
                        : List.of("evaluate", "--model", model, "--vocab", vocab));
        System.out.println(summary(r, model));
        System.out.println("evaluation written to " + out + "/" + RESULT);
        return 0;
    }

    public static Map<String, Object> run(SparkSession spark, ElectraConfig config, String run, String vocabPath,
                                          String tasksDir, List<String> taskNames, String output, boolean overwrite,
                                          List<String> arguments) {
        return run(spark, config, run, vocabPath, tasksDir, null, taskNames, output, overwrite, arguments);
    }

    /** @param glueDir GLUE's data directory (null: none); GLUE task names are read from it, others from tasksDir */
    public static Map<String, Object> run(SparkSession spark, ElectraConfig config, String run, String vocabPath,
                                          String tasksDir, String glueDir, List<String> taskNames, String output,
                                          boolean overwrite, List<String> arguments) {
        long start = System.nanoTime();
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        // What evaluate reads of the model: its output may sit beside these (RUN/evaluation), not on them.
        List<OutputDir.Input> inputs = new ArrayList<>(PretrainedModels.inputs(run, hadoop));
        inputs.add(new OutputDir.Input("--vocab", vocabPath));
        inputs.add(new OutputDir.Input("--tasks-dir", tasksDir));
        inputs.add(new OutputDir.Input("--glue-dir", glueDir));
        try (OutputDir out = OutputDir.begin("evaluate", output, overwrite, hadoop, inputs)) {
            try {
                Map<String, Object> result = evaluate(spark, config, run, vocabPath, tasksDir, glueDir, taskNames,
                        hadoop, start);
                result.put("model", recordedModel(run, output));
                out.write(RESULT, JSON.writeValueAsBytes(result));
                @SuppressWarnings("unchecked")
                Map<String, Object> scores = (Map<String, Object>) result.get("scores");
                out.writeRunInfo(RunInfo.start("evaluate", arguments, config).withResults(Map.of("scores", scores)));
                out.commit();
                return result;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + output + ": " + e.getMessage(), e);
            } catch (Exception e) {
                throw out.failure(e);
            }
        }
    }

    private static Map<String, Object> evaluate(SparkSession spark, ElectraConfig config, String run,
                                                String vocabPath, String tasksDir, String glueDir,
                                                List<String> taskNames,
                                                Configuration hadoop, long start) {
        PretrainedModels.Loaded pretrained = PretrainedModels.open(run, vocabPath, hadoop);
        ElectraModel pretrainModel = pretrained.model();
        ModelConfig modelConfig = pretrainModel.config();
        ElectraConfig.EvaluateConfig ev = config.evaluate();
        if (ev.maxSeqLength() > modelConfig.maxPositions()) {
            throw new IllegalArgumentException("evaluate.max-seq-length " + ev.maxSeqLength() + " exceeds the "
                    + "model's " + modelConfig.maxPositions() + " positions (model.max-positions)");
        }
        // how to compute is this invocation's choice (this machine's backend), not the run's
        KernelMode.Choice kernels = KernelMode.resolve(config.model().kernels());
        pretrainModel.useKernels(kernels.mode());
        LOG.info("evaluate: {}, kernels {}", pretrained.source(), kernels);
        BertTokenizer tokenizer = pretrained.tokenizer().build();

        // classification and regression: fine-tuned and probed; tagging: probed; pairs: zero-shot
        List<EncodedTask> supervised = new ArrayList<>();
        List<EncodedTask> tagging = new ArrayList<>();
        List<EncodedTask> pairs = new ArrayList<>();
        Map<String, Object> taskInfo = new LinkedHashMap<>();
        for (String name : taskNames) {
            Task task = glueDir != null && GlueTasks.names().contains(name)
                    ? GlueTasks.read(Path.of(glueDir), name) : Task.read(Path.of(tasksDir, name));
            EncodedTask encoded = EncodedTask.of(task, tokenizer, ev.maxSeqLength(), ev.maxTrainExamples(),
                    ev.maxEvalExamples(), config.seed());
            (task.kind() == Task.Kind.PAIRS ? pairs : task.kind() == Task.Kind.TAGGING ? tagging : supervised)
                    .add(encoded);
            taskInfo.put(name, Map.of("kind", task.kind().configName(), "metric",
                    metricName(task.metric()), "labels", task.labels(), "source", task.source(),
                    "train", encoded.ids(Task.Split.TRAIN).length, "test", encoded.ids(Task.Split.TEST).length));
        }

        // A transformers directory has no pretraining configuration: this invocation's clip-norm applies.
        double clipNorm = (pretrained.runConfig() != null ? pretrained.runConfig() : config).pretrain().clipNorm();
        Map<String, Object> probes = ev.mode() == ElectraConfig.EvaluateMode.FINETUNE ? Map.of()
                : probe(spark, modelConfig, pretrainModel, kernels.mode(), supervised, tagging, ev,
                config.seed());
        List<FineTuner.Result> results = ev.mode() == ElectraConfig.EvaluateMode.PROBE ? List.of()
                : fineTune(spark, modelConfig, pretrainModel, clipNorm, supervised, ev, config.model().kernels());
        Map<String, Object> scores = new LinkedHashMap<>();
        for (EncodedTask t : supervised) {
            List<FineTuner.Result> mine = results.stream().filter(x -> x.task().equals(t.name())).toList();
            if (mine.isEmpty()) {
                continue;
            }
            Spread test = Spread.of(mine.stream().mapToDouble(FineTuner.Result::test).toArray());
            Spread dev = Spread.of(mine.stream().mapToDouble(FineTuner.Result::dev).toArray());
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("metric", metricName(t.metric()));
            s.put("test_mean", test.mean());
            s.put("test_std", test.std());
            s.put("test_median", ClassificationMetrics.median(mine.stream().mapToDouble(FineTuner.Result::test)
                    .toArray()));
            if (t.metric() == Task.Metric.F1 || t.metric().ofRegression()) {
                // GLUE reports MRPC and QQP as F1 and accuracy, STS-B as Pearson and Spearman, and its score averages
                // the two
                s.put("test_" + metricName(FineTuner.companion(t.metric())) + "_mean", Spread.of(mine.stream()
                        .mapToDouble(FineTuner.Result::testCompanion).toArray()).mean());
            }
            s.put("dev_mean", dev.mean());
            s.put("dev_std", dev.std());
            s.put("dev_median", ClassificationMetrics.median(mine.stream().mapToDouble(FineTuner.Result::dev)
                    .toArray()));
            s.put("seeds", mine.stream().map(EvaluateJob::seedResult).toList());
            s.put("collapsed_seeds", mine.stream().filter(FineTuner.Result::collapsed).count());
            scores.put(t.name(), s);
            LOG.info("evaluate: {} {} {} (test, {} seeds)", t.name(), t.metric().name().toLowerCase(), test,
                    mine.size());
        }
        for (EncodedTask t : pairs) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("metric", "accuracy");
            s.put("pairs", t.ids(Task.Split.TEST).length);
            if (pretrainModel.objective().hasDiscriminator()) {
                double accuracy = MinimalPairs.accuracy(pretrainModel, t, ev.batchSize());
                s.put("test_mean", accuracy);
                // No seeds to vary: the spread reported is the binomial standard error over the pairs.
                s.put("test_std", Math.sqrt(accuracy * (1 - accuracy) / t.ids(Task.Split.TEST).length));
                s.put("spread", "binomial standard error");
                LOG.info("evaluate: {} zero-shot accuracy {}", t.name(), String.format("%.3f", accuracy));
            } else {
                s.put("not_applicable", "objective " + pretrainModel.objective().configName()
                        + " has no discriminator");
            }
            scores.put(t.name(), s);
        }

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("model", run);
        result.put("objective", pretrainModel.objective().configName());
        if (pretrained.step() >= 0) {
            result.put("step", pretrained.step());
        }
        if (pretrained.results().heldOut() != null) {
            result.put("intrinsic", pretrained.results().heldOut());
        }
        result.put("tasks", taskInfo);
        result.put("scores", scores);
        if (!probes.isEmpty()) {
            result.put("probes", probes);
        }
        result.put("wall_seconds", (System.nanoTime() - start) / 1e9);
        return result;
    }

    /**
     * The model as evaluation.json names it: relative to the output when the output sits inside the run or beside it
     * (RUN/evaluation, an ablation's OBJECTIVE/evaluation), so the record stays true when the whole directory moves
     * (quickstart --overwrite builds its ablation under a temporary name); otherwise as given.
     */
    static String recordedModel(String run, String output) {
        if (run.contains("://") || output.contains("://")) {
            return run;
        }
        java.nio.file.Path model = Path.of(run).toAbsolutePath().normalize();
        java.nio.file.Path out = Path.of(output).toAbsolutePath().normalize();
        if (out.startsWith(model) || model.getParent() != null && model.getParent().equals(out.getParent())) {
            return out.relativize(model).toString();
        }
        return run;
    }

    /**
     * One fine-tuning run in evaluation.json: scores, the training curve per epoch and the plateau signs (a
     * regression's fit is Pearson's r and it has no majority label).
     */
    private static Map<String, Object> seedResult(FineTuner.Result x) {
        boolean regression = x.metric().ofRegression();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seed", x.seed());
        m.put("dev", x.dev());
        m.put("test", x.test());
        m.put("test_" + metricName(FineTuner.companion(x.metric())), x.testCompanion());
        m.put("seconds", x.seconds());
        m.put("train_loss", x.trainLoss());
        m.put(regression ? "train_pearson" : "train_accuracy", x.trainFit());
        if (!regression) {
            m.put("majority_share", x.majorityShare());
        }
        m.put(regression ? "test_distinct_predictions" : "test_classes_predicted", x.testClassesPredicted());
        return m;
    }

    /** A metric as evaluation.json names it. */
    static String metricName(Task.Metric metric) {
        return metric.name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Frozen-feature probes of every classification, regression and tagging task: features of the frozen encoder (no
     * dropout) extracted once on the driver, then {@link Probes}' regressions. Tagging tasks are only probed.
     */
    private static Map<String, Object> probe(SparkSession spark, ModelConfig modelConfig, ElectraModel pretrained,
                                             KernelMode kernels, List<EncodedTask> tasks, List<EncodedTask> tagging,
                                             ElectraConfig.EvaluateConfig ev, long seed) {
        ElectraModel frozen = ElectraModel.classifier(modelConfig.withDropout(0), pretrained.objective(), 2,
                org.nd4j.linalg.api.buffer.DataType.FLOAT, seed).useKernels(kernels);
        frozen.loadMatching(pretrained.flatParameters(), pretrained.parameters());
        Map<String, Object> out = new LinkedHashMap<>();
        for (EncodedTask t : tasks) {
            FrozenFeatures.Pooled[] f = new FrozenFeatures.Pooled[Task.Split.values().length];
            for (Task.Split split : Task.Split.values()) {
                f[split.ordinal()] = FrozenFeatures.of(frozen, t, t.ids(split), ev.batchSize());
            }
            Map<String, Object> r = Probes.run(spark, t, f[0], f[1], f[2], ev.probeL2(), seed);
            out.put(t.name(), r);
            logProbe(t.name(), "mean pooling", r.get("mean"));
        }
        for (EncodedTask t : tagging) {
            FrozenFeatures.Tokens[] f = new FrozenFeatures.Tokens[Task.Split.values().length];
            for (Task.Split split : Task.Split.values()) {
                f[split.ordinal()] = FrozenFeatures.tokens(frozen, t, t.ids(split), t.tags(split), ev.batchSize());
            }
            Map<String, Object> r = Probes.runTagging(spark, t, f[0], f[1], f[2], ev.probeL2(), seed);
            out.put(t.name(), r);
            logProbe(t.name(), f[0].tags().length + " training words", r.get("token"));
        }
        return out;
    }

    private static void logProbe(String task, String what, Object result) {
        @SuppressWarnings("unchecked")
        Map<String, Object> r = (Map<String, Object>) result;
        LOG.info("evaluate: {} probe ({}) {} {} [{}, {}] (test, l2 {})", task, what, r.get("metric"),
                String.format("%.3f", (Double) r.get("test")), String.format("%.3f", (Double) r.get("test_low")),
                String.format("%.3f", (Double) r.get("test_high")), r.get("l2"));
    }

    /** Every (task, seed) as one Spark task; results in task and seed order. */
    private static List<FineTuner.Result> fineTune(SparkSession spark, ModelConfig modelConfig,
                                                   ElectraModel pretrained, double clipNorm, List<EncodedTask> tasks,
                                                   ElectraConfig.EvaluateConfig ev, KernelMode kernels) {
        List<int[]> jobs = new ArrayList<>();
        for (int t = 0; t < tasks.size(); t++) {
            for (int seed = 1; seed <= ev.seeds(); seed++) {
                jobs.add(new int[] {t, seed});
            }
        }
        if (jobs.isEmpty()) {
            return List.of();
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        jsc.setJobDescription("evaluate: fine-tune " + tasks.size() + " tasks × " + ev.seeds() + " seeds");
        Broadcast<float[]> params = jsc.broadcast(pretrained.flatParameters());
        FineTuner.Settings settings = new FineTuner.Settings(ev.epochs(), ev.batchSize(), ev.learningRate(),
                ev.warmupShare(), new AdamW.Settings(ev.adamBeta1(), ev.adamBeta2(), ev.adamEpsilon(), ev.weightDecay()),
                clipNorm, kernels, ev.layerwiseLrDecay());
        var objective = pretrained.objective();
        List<ParameterSpec> specList = List.copyOf(pretrained.parameters());
        List<FineTuner.Result> results = jsc.parallelize(jobs, jobs.size())
                .map(job -> FineTuner.run(modelConfig, objective, params.value(), specList, tasks.get(job[0]),
                        settings, job[1]))
                .collect();
        params.destroy();
        return results;
    }

    static String summary(Map<String, Object> result, String model) {
        StringBuilder sb = new StringBuilder("evaluation of " + model + " (" + result.get("objective")
                + (result.containsKey("step") ? ", step " + result.get("step") : "") + "):");
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> scores = (Map<String, Map<String, Object>>) result.get("scores");
        scores.forEach((task, s) -> sb.append(String.format("%n  %-14s %s", task, s.containsKey("test_mean")
                ? String.format("%s %.3f ± %.3f", s.get("metric"), (Double) s.get("test_mean"),
                (Double) s.get("test_std"))
                : s.get("not_applicable"))));
        return sb.toString();
    }
}
