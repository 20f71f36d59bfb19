package dev.electra.jobs;

import dev.electra.jobs.io.OutputDir;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.config.RunInfo;
import dev.electra.pipeline.errors.JobError;
import dev.electra.pipeline.eval.EncodedTask;
import dev.electra.pipeline.eval.Evaluation;
import dev.electra.pipeline.eval.FineTuner;
import dev.electra.pipeline.eval.FrozenFeatures;
import dev.electra.pipeline.eval.GlueTasks;
import dev.electra.pipeline.eval.MinimalPairs;
import dev.electra.pipeline.eval.Task;
import dev.electra.pipeline.model.ElectraModel;
import dev.electra.pipeline.model.KernelMode;
import dev.electra.pipeline.model.ModelConfig;
import dev.electra.pipeline.model.ParameterSpec;
import dev.electra.pipeline.train.AdamW;
import dev.electra.tokenizer.BertTokenizer;
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
 * run itself; each classification or regression task is fine-tuned over {@code evaluate.seeds} seeds at each rate of
 * {@code evaluate.learning-rate} (the best on dev reported), one Spark task per (task, rate, seed), and probed; a tagging task is probed; the minimal pairs are scored zero-shot by the discriminator
 * on the driver. Writes
 * {@code OUTPUT/evaluation.json} with every score and the mean ± standard deviation per task.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {"Fine-tune and score a pretrained encoder on the evaluation tasks (data.dir/tasks, written by "
                + "fetch-data), over several seeds; score minimal pairs zero-shot.",
                "Writes OUTPUT/evaluation.json, _run.json and _effective.conf. Keys: evaluate.*."})
public final class EvaluateJob implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(EvaluateJob.class);

    @Mixin
    CommonOptions common;

    @Mixin
    OverwriteOption replace;

    @Mixin
    ModelOptions source;

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
        String out = output != null ? output : source.model + "/evaluation";
        List<String> names = tasks != null ? tasks : glueDir != null ? GlueTasks.names() : config.evaluate().tasks();
        String dir = tasksDir != null ? tasksDir : Path.of(config.data().dir(), "tasks").toString();
        // The default output, RUN/evaluation, is an earlier evaluation of the same run: it is replaced.
        Evaluation r = run(spark, config, source.model, source.vocab, dir, glueDir, names, out,
                replace.overwrite || output == null,
                source.vocab == null ? List.of("evaluate", "--model", source.model)
                        : List.of("evaluate", "--model", source.model, "--vocab", source.vocab));
        System.out.println(summary(r, source.model));
        System.out.println("evaluation written to " + out + "/" + Evaluation.FILE_NAME);
        return 0;
    }

    public static Evaluation run(SparkSession spark, ElectraConfig config, String run, String vocabPath,
                                 String tasksDir, List<String> taskNames, String output, boolean overwrite,
                                 List<String> arguments) {
        return run(spark, config, run, vocabPath, tasksDir, null, taskNames, output, overwrite, arguments);
    }

    /** @param glueDir GLUE's data directory (null: none); GLUE task names are read from it, others from tasksDir */
    public static Evaluation run(SparkSession spark, ElectraConfig config, String run, String vocabPath,
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
                Evaluation result = evaluate(spark, config, run, vocabPath, tasksDir, glueDir, taskNames, hadoop,
                        start).withModel(recordedModel(run, output));
                out.write(Evaluation.FILE_NAME, result.toJson());
                out.writeRunInfo(RunInfo.start("evaluate", arguments, config).withResults(Map.of("scores",
                        result.scores())));
                out.commit();
                return result;
            } catch (Exception e) {
                throw out.failure(e);
            }
        }
    }

    private static Evaluation evaluate(SparkSession spark, ElectraConfig config, String run, String vocabPath,
                                       String tasksDir, String glueDir, List<String> taskNames, Configuration hadoop,
                                       long start) {
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
        Map<String, Evaluation.TaskInfo> taskInfo = new LinkedHashMap<>();
        for (String name : taskNames) {
            Task task = glueDir != null && GlueTasks.names().contains(name)
                    ? GlueTasks.read(Path.of(glueDir), name) : Task.read(Path.of(tasksDir, name));
            EncodedTask encoded = EncodedTask.of(task, tokenizer, ev.maxSeqLength(), ev.maxTrainExamples(),
                    ev.maxEvalExamples(), config.seed());
            (task.kind() == Task.Kind.PAIRS ? pairs : task.kind() == Task.Kind.TAGGING ? tagging : supervised)
                    .add(encoded);
            taskInfo.put(name, new Evaluation.TaskInfo(task.kind().configName(), task.metric().configName(),
                    task.labels(), task.source(), encoded.ids(Task.Split.TRAIN).length,
                    encoded.ids(Task.Split.TEST).length));
        }

        Map<String, Map<String, Evaluation.Probe>> probes = ev.mode() == ElectraConfig.EvaluateMode.FINETUNE ? null
                : probe(spark, modelConfig, pretrainModel, kernels.mode(), supervised, tagging, ev,
                config.seed());
        // probes only: nothing is fine-tuned, so fine-tune-tasks is not checked against the tasks
        List<EncodedTask> fineTuned = ev.mode() == ElectraConfig.EvaluateMode.PROBE ? List.of()
                : fineTuned(supervised, ev.fineTuneTasks());
        List<List<List<FineTuner.Result>>> runs = fineTuned.isEmpty() ? List.of()
                : fineTune(spark, modelConfig, pretrainModel, fineTuned, ev, config.model().kernels());
        Map<String, Evaluation.TaskScore> scores = new LinkedHashMap<>();
        for (int i = 0; i < runs.size(); i++) {
            EncodedTask t = fineTuned.get(i);
            Evaluation.TaskScore s = Evaluation.TaskScore.fineTuned(t.metric(), ev.learningRates(), runs.get(i));
            scores.put(t.name(), s);
            LOG.info("evaluate: {} {} {} ± {} (test, {} seeds{})", t.name(), s.metric(),
                    String.format("%.3f", s.testMean()), String.format("%.3f", s.testStd()), s.seeds().size(),
                    s.learningRate() == null ? "" : ", learning rate " + s.learningRate() + " chosen on dev");
        }
        for (EncodedTask t : pairs) {
            int n = t.ids(Task.Split.TEST).length;
            if (pretrainModel.objective().hasDiscriminator()) {
                double accuracy = MinimalPairs.accuracy(pretrainModel, t, ev.batchSize());
                scores.put(t.name(), Evaluation.TaskScore.zeroShot(n, accuracy));
                LOG.info("evaluate: {} zero-shot accuracy {}", t.name(), String.format("%.3f", accuracy));
            } else {
                scores.put(t.name(), Evaluation.TaskScore.notApplicable(n, "objective "
                        + pretrainModel.objective().configName() + " has no discriminator"));
            }
        }
        return new Evaluation(run, pretrainModel.objective().configName(),
                pretrained.step() >= 0 ? pretrained.step() : null, pretrained.results().heldOut(), taskInfo, scores,
                probes == null || probes.isEmpty() ? null : probes, (System.nanoTime() - start) / 1e9);
    }

    /**
     * The tasks {@code evaluate.fine-tune-tasks} names among the classification and regression tasks evaluated (all
     * of them when it is empty); a name that is not one of them is refused, so a misspelling is not a silent skip.
     */
    static List<EncodedTask> fineTuned(List<EncodedTask> supervised, List<String> names) {
        if (names.isEmpty()) {
            return supervised;
        }
        List<String> known = supervised.stream().map(EncodedTask::name).toList();
        for (String name : names) {
            if (!known.contains(name)) {
                throw new JobError("evaluate.fine-tune-tasks names " + name + ", which is not among the "
                        + "classification and regression tasks evaluated " + known + " (set evaluate.tasks or --tasks "
                        + "to include it, or leave fine-tune-tasks empty to fine-tune all of them)");
            }
        }
        return supervised.stream().filter(t -> names.contains(t.name())).toList();
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
     * Frozen-feature probes of every classification, regression and tagging task: features of the frozen encoder (no
     * dropout) extracted once on the driver, then {@link Probes}' regressions. Tagging tasks are only probed.
     */
    private static Map<String, Map<String, Evaluation.Probe>> probe(SparkSession spark, ModelConfig modelConfig, ElectraModel pretrained,
                                             KernelMode kernels, List<EncodedTask> tasks, List<EncodedTask> tagging,
                                             ElectraConfig.EvaluateConfig ev, long seed) {
        ElectraModel frozen = ElectraModel.classifier(modelConfig.withDropout(0), pretrained.objective(), 2,
                org.nd4j.linalg.api.buffer.DataType.FLOAT, seed).useKernels(kernels);
        frozen.loadMatching(pretrained.flatParameters(), pretrained.parameters());
        Map<String, Map<String, Evaluation.Probe>> out = new LinkedHashMap<>();
        for (EncodedTask t : tasks) {
            FrozenFeatures.Pooled[] f = new FrozenFeatures.Pooled[Task.Split.values().length];
            for (Task.Split split : Task.Split.values()) {
                f[split.ordinal()] = FrozenFeatures.of(frozen, t, t.ids(split), ev.batchSize());
            }
            Map<String, Evaluation.Probe> r = Probes.run(spark, t, f[0], f[1], f[2], ev.probeL2(), seed);
            out.put(t.name(), r);
            logProbe(t.name(), "mean pooling", r.get("mean"));
        }
        for (EncodedTask t : tagging) {
            FrozenFeatures.Tokens[] f = new FrozenFeatures.Tokens[Task.Split.values().length];
            for (Task.Split split : Task.Split.values()) {
                f[split.ordinal()] = FrozenFeatures.tokens(frozen, t, t.ids(split), t.tags(split), ev.batchSize());
            }
            Map<String, Evaluation.Probe> r = Probes.runTagging(spark, t, f[0], f[1], f[2], ev.probeL2(), seed);
            out.put(t.name(), r);
            logProbe(t.name(), f[0].tags().length + " training words", r.get("token"));
        }
        return out;
    }

    private static void logProbe(String task, String what, Evaluation.Probe r) {
        LOG.info("evaluate: {} probe ({}) {} {} [{}, {}] (test, l2 {})", task, what, r.metric(),
                String.format("%.3f", r.test()), String.format("%.3f", r.testLow()),
                String.format("%.3f", r.testHigh()), r.l2());
    }

    /**
     * Every (task, learning rate, seed) as one Spark task; the runs of task i at rate j over the seeds are
     * {@code result.get(i).get(j)}.
     */
    private static List<List<List<FineTuner.Result>>> fineTune(SparkSession spark, ModelConfig modelConfig,
                                                               ElectraModel pretrained, List<EncodedTask> tasks,
                                                               ElectraConfig.EvaluateConfig ev, KernelMode kernels) {
        List<Double> rates = ev.learningRates();
        List<int[]> jobs = new ArrayList<>();
        for (int t = 0; t < tasks.size(); t++) {
            for (int r = 0; r < rates.size(); r++) {
                for (int seed = 1; seed <= ev.seeds(); seed++) {
                    jobs.add(new int[] {t, r, seed});
                }
            }
        }
        if (jobs.isEmpty()) {
            return List.of();
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        jsc.setJobDescription("evaluate: fine-tune " + tasks.size() + " tasks × " + rates.size() + " learning rates × "
                + ev.seeds() + " seeds");
        Broadcast<float[]> params = jsc.broadcast(pretrained.flatParameters());
        List<FineTuner.Settings> settings = rates.stream().map(rate -> new FineTuner.Settings(ev.epochs(),
                ev.batchSize(), rate, ev.warmupShare(), new AdamW.Settings(ev.adamBeta1(), ev.adamBeta2(),
                ev.adamEpsilon(), ev.weightDecay()), ev.clipNorm(), kernels, ev.layerwiseLrDecay())).toList();
        var objective = pretrained.objective();
        List<ParameterSpec> specList = List.copyOf(pretrained.parameters());
        List<FineTuner.Result> results = jsc.parallelize(jobs, jobs.size())
                .map(job -> FineTuner.run(modelConfig, objective, params.value(), specList, tasks.get(job[0]),
                        settings.get(job[1]), job[2]))
                .collect();
        params.destroy();
        // collect keeps the jobs' order: task, then rate, then seed
        List<List<List<FineTuner.Result>>> byTask = new ArrayList<>();
        for (int t = 0, k = 0; t < tasks.size(); t++) {
            List<List<FineTuner.Result>> byRate = new ArrayList<>();
            for (int r = 0; r < rates.size(); r++, k += ev.seeds()) {
                byRate.add(results.subList(k, k + ev.seeds()));
            }
            byTask.add(byRate);
        }
        return byTask;
    }

    static String summary(Evaluation result, String model) {
        StringBuilder sb = new StringBuilder("evaluation of " + model + " (" + result.objective()
                + (result.step() != null ? ", step " + result.step() : "") + "):");
        result.scores().forEach((task, s) -> sb.append(String.format("%n  %-14s %s", task, s.scored()
                ? String.format("%s %.3f ± %.3f", s.metric(), s.testMean(), s.testStd())
                : s.notApplicable())));
        return sb.toString();
    }
}
