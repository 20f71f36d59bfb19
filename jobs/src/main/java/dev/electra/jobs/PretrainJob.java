package dev.electra.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.electra.jobs.io.Failures;
import dev.electra.jobs.io.HadoopStorage;
import dev.electra.jobs.io.Lease;
import dev.electra.jobs.io.OutputDir;
import dev.electra.jobs.io.Shards;
import dev.electra.pipeline.checkpoint.Checkpoints;
import dev.electra.pipeline.checkpoint.ParameterLayout;
import dev.electra.pipeline.checkpoint.TrainingState;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.config.ElectraConfig.OptimizerState;
import dev.electra.pipeline.config.ResumeCheck;
import dev.electra.pipeline.config.RunInfo;
import dev.electra.pipeline.model.ElectraModel;
import dev.electra.pipeline.model.Flops;
import dev.electra.pipeline.model.KernelMode;
import dev.electra.pipeline.packing.PackedExample;
import dev.electra.pipeline.train.HeldOut;
import dev.electra.pipeline.train.NonFiniteLossException;
import dev.electra.pipeline.train.ParameterAveraging;
import dev.electra.pipeline.train.ParameterAveraging.DataPosition;
import dev.electra.pipeline.train.ParameterAveraging.RoundResult;
import dev.electra.pipeline.train.ParameterAveraging.RoundStart;
import dev.electra.pipeline.train.ParameterAveraging.Sum;
import dev.electra.pipeline.train.ParameterAveraging.WorkerResult;
import dev.electra.pipeline.train.ParameterAveraging.WorkerSummary;
import dev.electra.pipeline.train.PretrainResults;
import dev.electra.pipeline.train.Pretraining;
import dev.electra.pipeline.train.RunState;
import dev.electra.pipeline.train.StepMetrics;
import dev.electra.pipeline.train.Trainer;
import dev.electra.tokenizer.SpecialTokens;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code pretrain} on {@code distributed.workers} Spark tasks with parameter averaging: each round the driver
 * broadcasts the parameters and optimizer state, every worker trains {@code averaging-frequency} steps on its own
 * share of the shards, a tree aggregation sums the results and the driver averages them. A JSON line of metrics
 * (with per-worker figures) is logged when a round passes a multiple of {@code log-every} steps, a checkpoint
 * when it passes one of {@code checkpoint-every}. Rerun with the same output directory, it resumes from the last
 * complete checkpoint.
 */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = {"Pretrain an ELECTRA generator/discriminator pair (or a baseline objective) on "
                + "distributed.workers Spark tasks with parameter averaging.",
                "Writes OUTPUT/checkpoints/step-NNNNNNNNN (params.npy, adam_m.npy, adam_v.npy, state.json), "
                        + "OUTPUT/checkpoints/latest, OUTPUT/metrics/train-STEP.jsonl and "
                        + "OUTPUT/metrics/eval-STEP.jsonl (one pair per invocation, STEP = where it started), "
                        + "_run.json and _effective.conf. A rerun with the same OUTPUT resumes.",
                "Keys: pretrain.*, distributed.*, model.*, seed."})
public final class PretrainJob implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(PretrainJob.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    CommonOptions common;

    @Mixin
    OverwriteOption replace;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "Shards written by prepare.")
    String data;

    @Option(names = "--output", required = true, paramLabel = "DIR",
            description = "Run directory (checkpoints, metrics); an existing one is resumed.")
    String output;

    @Option(names = "--stop-after", paramLabel = "STEPS",
            description = "Stop (with a checkpoint) after this many steps of this invocation, rounded up to a whole "
                    + "averaging round; a rerun continues. For time-sliced clusters; the schedule still spans "
                    + "pretrain.steps.")
    long stopAfter = Long.MAX_VALUE;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (stopAfter < 1) {
            throw new ParameterException(spec.commandLine(), "--stop-after must be a positive number of steps, got "
                    + stopAfter);
        }
        ElectraConfig config = common.config();
        SparkSession spark = Sparks.session(config, "pretrain");
        Result r = run(spark, config, data, output, replace.overwrite, stopAfter,
                List.of("pretrain", "--data", data, "--output", output));
        System.out.println("trained to step " + r.step() + "; checkpoints in " + output + "/checkpoints, metrics in "
                + output + "/metrics");
        return 0;
    }

    /** Where training ended and the last held-out evaluation. */
    public record Result(long step, StepMetrics heldOut, float[] parameters) {}

    /**
     * Spark property naming a fault to inject, as {@code WORKER:STEP[:exit]}: the task of worker WORKER throws
     * (or, with {@code :exit}, kills its executor JVM) right after local step STEP, on its first attempt only. For
     * checking that a cluster's retries leave a run's result unchanged.
     */
    public static final String INJECT_FAULT = "spark.electra.inject-fault";

    public static Result run(SparkSession spark, ElectraConfig config, String data, String output, boolean overwrite,
                             long stopAfter, List<String> arguments) {
        var hadoop = spark.sparkContext().hadoopConfiguration();
        long start = System.nanoTime();
        JavaRDD<PackedExample> train = null;
        OutputDir replacement = null;
        Lease lease = null;
        Shards shards = null;
        try {
            Path target = new Path(output);
            FileSystem fs = target.getFileSystem(hadoop);
            target = fs.makeQualified(target);
            List<OutputDir.Input> inputs = List.of(new OutputDir.Input("--data", data),
                    new OutputDir.Input("pretrain.init-from", config.pretrain().initFrom().isEmpty() ? null
                            : config.pretrain().initFrom()));
            OutputDir.checkApart(fs, target, inputs, hadoop);
            // One writer per run: a second pretrain into it (a fresh start or a resume) is refused while this one runs.
            lease = Lease.take(fs, target, "pretrain");
            OutputDir.cleanLeftovers(fs, target);
            // A run trains in place, so a killed one resumes; --overwrite trains the new run beside the old one,
            // which goes only when the new one is in place.
            Path out = target;
            if (fs.exists(target) && !(fs.getFileStatus(target).isDirectory() && fs.listStatus(target).length == 0)) {
                if (overwrite) {
                    replacement = OutputDir.begin("pretrain", output, true, hadoop, inputs);
                    out = replacement.temporary();
                } else {
                    OutputDir.requireOwn(fs, target, "pretrain", "pretrain resumes (writes into)");
                }
            }
            PretrainResults previous = PretrainResults.read(readResults(fs, out));
            shards = Shards.open(data, hadoop);
            HeldOut heldOutRule = heldOutRule(previous, config, shards.examples());
            List<PackedExample> heldOut = shards.heldOut(spark, heldOutRule);
            train = trainingExamples(spark, config, shards, heldOutRule, heldOut.size(), data);

            KernelMode.Choice kernels = KernelMode.resolve(config.model().kernels());
            LOG.info("pretrain: kernels {}", kernels);
            // Built afresh (not borrowed): its initial parameters are the run's step 0.
            ElectraModel driverModel = Pretraining.model(config, shards.vocabSize(), shards.maxSeqLength());
            ParameterLayout layout = ParameterLayout.of(driverModel.parameters());
            Checkpoints checkpoints = new Checkpoints(new HadoopStorage(out + "/checkpoints", hadoop),
                    config.pretrain().keepCheckpoints());
            checkpoints.removeIncomplete();
            // The local file system's checksumming layer holds lines back until close; its raw layer flushes them,
            // so a user can follow the metrics while a run lasts.
            FileSystem metricsFs = fs instanceof LocalFileSystem local ? local.getRaw() : fs;
            List<Map<String, Object>> changes = new ArrayList<>(previous.changesSoFar());
            Optional<TrainingState> resumed = checkpoints.loadLatest();
            RunState begin = resumed.isPresent()
                    ? resume(resumed.get(), config, target + " from its checkpoint at step " + resumed.get().step(),
                            previous, shards, data, layout, driverModel, changes, metricsFs, out)
                    : RunState.fresh(config.pretrain().initFrom().isEmpty() ? driverModel.flatParameters()
                            : PretrainedModels.initialParameters(config.pretrain().initFrom(), driverModel,
                            shards.manifest().vocabSha256(), hadoop),
                            Pretraining.initialMoments(config, driverModel), config);
            double earlierSeconds = resumed.isPresent() ? previous.trainingSecondsSoFar() : 0;
            RunInfo info = RunInfo.start("pretrain", arguments, config);
            PretrainResults setup = setup(config, data, shards, driverModel, kernels, heldOutRule, heldOut.size(),
                    begin.step(), changes);
            writeRunInfo(fs, out, info, setup.toMap());

            Pretraining.SpecialIds ids = new Pretraining.SpecialIds(shards.specialId(SpecialTokens.PAD),
                    shards.specialId(SpecialTokens.CLS), shards.specialId(SpecialTokens.SEP),
                    shards.specialId(SpecialTokens.MASK));
            Trained trained = trainRounds(spark, config, train, begin, stopAfter, ids, driverModel, layout,
                    checkpoints, heldOut, metricsFs, out, shards.vocabSize(), shards.maxSeqLength());
            double seconds = (System.nanoTime() - start) / 1e9;
            // training_seconds: over every invocation of the run, so a resumed run reports what the whole training took
            writeRunInfo(fs, out, info, setup.finished(trained.state().step(), seconds, earlierSeconds + seconds,
                    trained.heldOut() == null ? null : trained.heldOut().toMap()).toMap());
            if (replacement != null) {
                replacement.commit();
            }
            return new Result(trained.state().step(), trained.heldOut(), trained.state().params());
        } catch (IOException | org.apache.hadoop.fs.FSError e) {
            // FSError: the local file system's full disk while a metrics line is written (an Error, not an Exception).
            throw Failures.writing(e, output, "the run keeps what it had written before");
        } catch (Exception e) {
            // Spark's exceptions are checked ones thrown undeclared; a damaged shard is named here.
            throw shards == null ? (e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e))
                    : shards.explain(spark, e);
        } finally {
            if (train != null) {
                train.unpersist(false);
            }
            if (replacement != null) {
                replacement.close();
            }
            if (lease != null) {
                lease.close();
            }
        }
    }

    /** Every example the run does not hold out, in one partition per worker, persisted; logs the run's shape. */
    private static JavaRDD<PackedExample> trainingExamples(SparkSession spark, ElectraConfig config, Shards shards,
                                                           HeldOut rule, int heldOut, String data) {
        int workers = config.distributed().workers();
        int batchSize = config.pretrain().batchSize();
        long trainExamples = shards.examples() - heldOut;
        if (trainExamples < workers) {
            throw new IllegalArgumentException(data + " holds " + trainExamples + " training examples, fewer than "
                    + "distributed.workers = " + workers);
        }
        if ((long) config.pretrain().evalBatches() * batchSize > heldOut) {
            LOG.warn("pretrain: pretrain.eval-batches × batch-size = {} but the run holds out {} examples (chosen "
                    + "when it started): evaluation reads those", (long) config.pretrain().evalBatches()
                    * batchSize, heldOut);
        }
        LOG.info("pretrain: {} training examples in {} shards over {} workers, {} held-out examples (a seeded hash "
                        + "of their numbers); objective {}; global batch {} = {} workers × {}; averaging every {} "
                        + "steps; optimizer state {}",
                trainExamples, shards.files().size(), workers, heldOut,
                config.pretrain().objective().configName(), workers * batchSize, workers, batchSize,
                config.distributed().averagingFrequency(),
                config.distributed().optimizerState().name().toLowerCase(Locale.ROOT));
        if (workers > spark.sparkContext().defaultParallelism()) {
            LOG.warn("pretrain: {} workers but Spark offers {} task slots; the rounds' tasks will queue",
                    workers, spark.sparkContext().defaultParallelism());
        }
        return shards.partitioned(spark, workers, rule).persist(StorageLevel.MEMORY_AND_DISK());
    }

    /**
     * The checkpoint's state once the data, the configuration and the layout are checked against it; configuration
     * changes are logged and added to {@code changes}, metric lines past its step removed.
     */
    private static RunState resume(TrainingState s, ElectraConfig config, String where, PretrainResults previous,
                                   Shards shards, String data, ParameterLayout layout, ElectraModel model,
                                   List<Map<String, Object>> changes, FileSystem metricsFs, Path out)
            throws IOException {
        ResumeCheck.data(previous.recordedData(), dataFingerprint(shards), where, data);
        for (ResumeCheck.Change c : ResumeCheck.configuration(s.config(), config, where)) {
            LOG.warn("pretrain: {} changes from {} to {} at step {} (recorded in {})", c.key(), c.from(), c.to(),
                    s.step(), RunInfo.FILE_NAME);
            changes.add(c.toMap(s.step()));
        }
        s.layout().requireSame(layout, "the checkpoint of " + where);
        RunState state = RunState.resume(s, config, model.parameterCount());
        int cut = cutMetrics(metricsFs, new Path(out, "metrics"), s.step());
        if (cut > 0) {
            LOG.warn("pretrain: removed {} metric lines of steps after {}, which this run trains again", cut,
                    s.step());
        }
        LOG.info("pretrain: resuming from step {} (data positions {})", state.step(), state.positions());
        return state;
    }

    /** What _run.json records of a run before it trains ({@link PretrainResults#finished} adds the outcome). */
    private static PretrainResults setup(ElectraConfig config, String data, Shards shards, ElectraModel model,
                                         KernelMode.Choice kernels, HeldOut rule, int heldOut, long step,
                                         List<Map<String, Object>> changes) {
        int workers = config.distributed().workers();
        int globalBatch = workers * config.pretrain().batchSize();
        return new PretrainResults(config.pretrain().objective().configName(), data,
                shards.manifest().vocabSha256(), dataFingerprint(shards), shards.vocabSize(),
                shards.maxSeqLength(), model.parameterCount(), kernels.mode().configName(), kernels.reason(),
                Flops.perStep(model.config(), config.pretrain().objective(), globalBatch, shards.maxSeqLength(),
                        config.pretrain().maskProb()), shards.examples() - heldOut, heldOut,
                PretrainResults.HeldOutSelection.of(rule), workers, globalBatch, step, changes, null, null, null,
                null);
    }

    /** Where the rounds left the run, and its last held-out evaluation (null when it never evaluated). */
    private record Trained(RunState state, StepMetrics heldOut) {}

    /**
     * Averaging rounds from {@code begin} to pretrain.steps (or the round that ends --stop-after's steps): metrics
     * every log-every steps, a checkpoint and a held-out evaluation every checkpoint-every steps and at the end.
     */
    private static Trained trainRounds(SparkSession spark, ElectraConfig config, JavaRDD<PackedExample> train,
                                       RunState begin, long stopAfter, Pretraining.SpecialIds ids,
                                       ElectraModel driverModel, ParameterLayout layout, Checkpoints checkpoints,
                                       List<PackedExample> heldOut, FileSystem metricsFs, Path out, int vocabSize,
                                       int maxSeqLength) throws IOException {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int workers = config.distributed().workers();
        int batchSize = config.pretrain().batchSize();
        long step = begin.step();
        float[] params = begin.params();
        List<float[][]> moments = begin.moments();
        List<DataPosition> positions = begin.positions();
        long total = config.pretrain().steps();
        int frequency = config.distributed().averagingFrequency();
        // Rounds cover steps [k·f, (k+1)·f): a stop or a checkpoint falls on a round's end, so a resumed run
        // meets the same rounds as an unbroken one.
        long end = stopAfter >= total - step ? total
                : Math.min(total, Math.floorDiv(step + stopAfter + frequency - 1, (long) frequency) * frequency);
        String fault = spark.conf().get(INJECT_FAULT, "");
        StepMetrics lastEval = null;
        try (FSDataOutputStream metrics = metricsFs.create(
                     new Path(out, String.format("metrics/train-%09d.jsonl", step)), true);
             FSDataOutputStream eval = metricsFs.create(
                     new Path(out, String.format("metrics/eval-%09d.jsonl", step)), true)) {
            Progress progress = new Progress(total, step);
            while (step < end) {
                long round = step / frequency + 1;
                int steps = (int) Math.min(frequency - step % frequency, end - step);
                long roundStart = System.nanoTime();
                jsc.setJobDescription(String.format("pretrain round %d: steps %d-%d on %d workers", round,
                        step + 1, step + steps, workers));
                Broadcast<RoundStart> state = jsc.broadcast(new RoundStart(step, steps, params, moments,
                        positions, layout));
                double broadcastSeconds = (System.nanoTime() - roundStart) / 1e9;
                RoundResult r = round(train, state, config, ids, vocabSize, maxSeqLength, fault, workers);
                state.destroy();
                double roundSeconds = (System.nanoTime() - roundStart) / 1e9;
                long before = step;
                step += steps;
                params = r.params();
                moments = r.moments();
                positions = r.positions();
                StepMetrics mean = StepMetrics.mean(r.stepMeans(), step);
                progress.add(mean.tokens(), roundSeconds);
                boolean last = step == end;
                if (crossed(before, step, config.pretrain().logEvery()) || last) {
                    writeLine(metrics, roundLine(round, mean, r, roundSeconds, broadcastSeconds, workers,
                            batchSize));
                    LOG.info(progress.line(round, mean, r, step));
                }
                if (crossed(before, step, config.pretrain().checkpointEvery()) || last) {
                    TrainingState saved = new RunState(step, params, moments, positions).checkpoint(config,
                            layout);
                    try {
                        checkpoints.save(saved);
                    } catch (IOException | RuntimeException e) {
                        throw Failures.writing(e, out + "/checkpoints/" + Checkpoints.directoryName(step),
                                "the run keeps its earlier checkpoints; rerun to resume from the newest");
                    }
                    driverModel.setFlatParameters(params);
                    lastEval = evaluate(Pretraining.trainer(config, driverModel, ids), heldOut, batchSize,
                            config.pretrain().evalBatches(), step);
                    if (lastEval != null) {
                        writeLine(eval, lastEval.toMap());
                        LOG.info("pretrain: held-out at step {}: {}", step, summary(lastEval));
                    }
                }
            }
        }
        if (lastEval == null && step > 0) {
            // Nothing left to train (a rerun of a finished run): evaluate the final parameters all the same.
            driverModel.setFlatParameters(params);
            lastEval = evaluate(Pretraining.trainer(config, driverModel, ids), heldOut, batchSize,
                    config.pretrain().evalBatches(), step);
        }
        return new Trained(new RunState(step, params, moments, positions), lastEval);
    }

    /** One round on the cluster: every partition trains as one worker; the results meet in a tree aggregation. */
    private static RoundResult round(JavaRDD<PackedExample> train, Broadcast<RoundStart> state, ElectraConfig config,
                                     Pretraining.SpecialIds ids, int vocabSize, int maxSeqLength, String fault,
                                     int workers) {
        OptimizerState mode = config.distributed().optimizerState();
        try {
            Sum sum = train.mapPartitionsWithIndex((worker, examples) -> {
                List<PackedExample> mine = new ArrayList<>();
                examples.forEachRemaining(mine::add);
                ElectraModel model = WorkerModels.borrow(config, vocabSize, maxSeqLength);
                WorkerResult result = ParameterAveraging.workerRound(config, model, ids, mine, state.value(), worker,
                        faultInjection(fault));
                WorkerModels.giveBack(config, vocabSize, maxSeqLength, model);
                return List.of(result).iterator();
            }, true).treeAggregate(new Sum(mode), Sum::add, Sum::merge, 2);
            return sum.finish(workers);
        } catch (Exception e) {
            // Scala code throws SparkException without declaring it.
            if (!(e instanceof SparkException)) {
                throw e;
            }
            Throwable t = e;
            while (t != null) {
                if (t instanceof NonFiniteLossException n) {
                    throw n;
                }
                t = t.getCause();
            }
            if (String.valueOf(e.getMessage()).contains(NonFiniteLossException.class.getSimpleName())) {
                throw new IllegalStateException("pretrain stopped: a worker's loss became non-finite (details: "
                        + e.getMessage() + "); lower pretrain.learning-rate or resume from an earlier checkpoint", e);
            }
            throw new IllegalStateException("pretrain round failed after Spark's retries: " + e.getMessage(), e);
        }
    }

    /** The listener that injects {@link #INJECT_FAULT}'s failure, on a task's first attempt only. */
    private static ParameterAveraging.StepListener faultInjection(String fault) {
        if (fault.isEmpty()) {
            return ParameterAveraging.StepListener.NONE;
        }
        String[] parts = fault.split(":");
        if (parts.length < 2) {
            throw new IllegalArgumentException(INJECT_FAULT + " must be WORKER:STEP[:exit], got '" + fault + "'");
        }
        int worker = Integer.parseInt(parts[0]);
        long atStep = Long.parseLong(parts[1]);
        boolean exit = parts.length > 2 && parts[2].equals("exit");
        return (w, stepsDone) -> {
            TaskContext task = TaskContext.get();
            if (w == worker && stepsDone == atStep && task != null && task.attemptNumber() == 0) {
                if (exit) {
                    LOG.warn("injected fault: worker {} kills its executor after step {}", w, stepsDone);
                    Runtime.getRuntime().halt(137);
                }
                throw new IllegalStateException("injected fault: worker " + w + " fails after step " + stepsDone);
            }
        };
    }

    /** Whether (before, after] contains a multiple of {@code every}. */
    static boolean crossed(long before, long after, long every) {
        return after / every > before / every;
    }

    private static Map<String, Object> roundLine(long round, StepMetrics mean, RoundResult r, double roundSeconds,
                                                 double broadcastSeconds, int workers, int batchSize) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("round", round);
        line.putAll(mean.toMap());
        line.put("round_steps", r.stepMeans().size());
        line.put("seconds", roundSeconds);
        line.put("tokens_per_second", mean.tokens() / roundSeconds);
        line.put("global_batch", workers * batchSize);
        double slowest = 0;
        List<Map<String, Object>> perWorker = new ArrayList<>();
        for (WorkerSummary w : r.workers()) {
            slowest = Math.max(slowest, w.seconds());
            perWorker.add(ParameterAveraging.toMap(w));
        }
        line.put("broadcast_seconds", broadcastSeconds);
        line.put("worker_seconds", slowest);
        // Broadcast, task launch, result transfer and averaging: the price of distribution.
        line.put("overhead_share", Math.max(0, roundSeconds - slowest) / roundSeconds);
        line.put("workers", perWorker);
        return line;
    }

    /** The results of the run's _run.json (missing when the run is new). */
    private static JsonNode readResults(FileSystem fs, Path run) {
        try (var in = fs.open(new Path(run, RunInfo.FILE_NAME))) {
            return JSON.readTree(in).path("results");
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    /** What identifies the shards a run trains on; a resumed run must be given the same. */
    static Map<String, Object> dataFingerprint(Shards shards) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("vocab_sha256", shards.manifest().vocabSha256());
        m.put("max_seq_length", shards.maxSeqLength());
        m.put("examples", shards.manifest().examples());
        m.put("shards", shards.files().size());
        return m;
    }

    /**
     * Removes the metric lines of steps after {@code step} (and lines a killed run left unfinished): a run that
     * resumes there trains those steps again, and the report must not read the abandoned ones as if they happened.
     * Returns the number of lines removed.
     */
    static int cutMetrics(FileSystem fs, Path metrics, long step) throws IOException {
        if (!fs.exists(metrics)) {
            return 0;
        }
        int cut = 0;
        for (FileStatus f : fs.listStatus(metrics)) {
            String name = f.getPath().getName();
            if (!name.endsWith(".jsonl") || name.startsWith(".")) {
                continue;
            }
            List<String> kept = new ArrayList<>();
            int dropped = 0;
            try (var in = new BufferedReader(new InputStreamReader(fs.open(f.getPath()), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (stepOf(line) <= step) {
                        kept.add(line);
                    } else {
                        dropped++;
                    }
                }
            }
            if (dropped == 0) {
                continue;
            }
            cut += dropped;
            if (kept.isEmpty()) {
                fs.delete(f.getPath(), false);
                continue;
            }
            Path tmp = new Path(metrics, "." + name + ".tmp");
            try (OutputStream o = fs.create(tmp, true)) {
                o.write((String.join("\n", kept) + "\n").getBytes(StandardCharsets.UTF_8));
            }
            fs.delete(f.getPath(), false);
            if (!fs.rename(tmp, f.getPath())) {
                throw new IOException("cannot rename " + tmp + " to " + f.getPath());
            }
        }
        return cut;
    }

    /** The step of a metrics line; a line cut short by a kill counts as after every step. */
    private static long stepOf(String line) {
        try {
            JsonNode n = JSON.readTree(line);
            return n != null && n.has("step") ? n.get("step").asLong() : Long.MAX_VALUE;
        } catch (IOException e) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * The held-out examples of a run: what evaluation reads ({@code eval-batches × batch-size}) when it starts; a
     * resumed run keeps its recorded choice whatever eval-batches says now, so no held-out example ever trains.
     */
    static HeldOut heldOutRule(PretrainResults previous, ElectraConfig config, long examples) {
        long wanted = previous.heldOutSelection() != null ? previous.heldOutSelection().wanted()
                : (long) config.pretrain().evalBatches() * config.pretrain().batchSize();
        return new HeldOut(config.seed(), wanted, examples);
    }

    /** Mean metrics over up to {@code batches} held-out batches (fixed masks and samples: seeded by batch index). */
    static StepMetrics evaluate(Trainer trainer, List<PackedExample> heldOut, int batchSize, int batches, long step) {
        if (heldOut.isEmpty() || batches == 0) {
            return null;
        }
        List<StepMetrics> all = new ArrayList<>();
        for (int b = 0; b < batches && b * batchSize < heldOut.size(); b++) {
            List<PackedExample> slice = heldOut.subList(b * batchSize, Math.min(heldOut.size(), (b + 1) * batchSize));
            all.add(trainer.evaluate(slice, -1L - b));
        }
        return StepMetrics.mean(all, step);
    }

    private static void writeLine(FSDataOutputStream out, Map<String, Object> line) throws IOException {
        out.write(JSON.writeValueAsBytes(line));
        out.write('\n');
        out.hflush();
    }

    private static void writeRunInfo(FileSystem fs, Path out, RunInfo info, Map<String, Object> results)
            throws IOException {
        RunInfo done = info.withResults(results);
        try (OutputStream o = fs.create(new Path(out, RunInfo.FILE_NAME), true)) {
            o.write(done.toJson());
        }
        try (OutputStream o = fs.create(new Path(out, RunInfo.CONFIG_FILE_NAME), true)) {
            o.write(done.effectiveConfig().getBytes(StandardCharsets.UTF_8));
        }
    }

    static String summary(StepMetrics m) {
        StringBuilder sb = new StringBuilder(String.format("loss %.4f", m.totalLoss()));
        if (!Double.isNaN(m.generatorLoss())) {
            sb.append(String.format(", generator loss %.3f acc %.3f", m.generatorLoss(), m.generatorAccuracy()));
        }
        if (!Double.isNaN(m.discriminatorLoss())) {
            sb.append(String.format(", discriminator loss %.4f acc %.4f (all-original %.4f) auc %.3f",
                    m.discriminatorLoss(), m.discriminatorAccuracy(), 1 - m.replacedShare(), m.discriminatorAuc()));
        }
        if (!Double.isNaN(m.mainLoss())) {
            sb.append(String.format(", main loss %.3f acc %.3f", m.mainLoss(), m.mainAccuracy()));
        }
        return sb.toString();
    }

    /** Throughput, ETA and resident memory for the progress lines. */
    static final class Progress {
        private final long total;
        private final long startStep;
        private final long startNanos = System.nanoTime();
        private long tokens;

        Progress(long total, long startStep) {
            this.total = total;
            this.startStep = startStep;
        }

        void add(long roundTokens, double roundSeconds) {
            tokens += roundTokens;
        }

        String line(long round, StepMetrics m, RoundResult r, long step) {
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            double stepsPerSecond = (step - startStep) / seconds;
            long eta = Math.round((total - step) / stepsPerSecond);
            StringBuilder perWorker = new StringBuilder();
            for (WorkerSummary w : r.workers()) {
                perWorker.append(perWorker.length() == 0 ? "" : ", ")
                        .append(String.format("w%d %.0f", w.worker(), w.tokensPerSecond()));
            }
            Runtime jvm = Runtime.getRuntime();
            return String.format("round %d | step %d/%d | %s | lr %.2e | %.0f tokens/s (%s) | RSS %d MB (heap %d MB "
                            + "committed, %d MB used) | ETA %dm%02ds",
                    round, step, total, summary(m), m.learningRate(), tokens / seconds, perWorker,
                    residentMegabytes(), jvm.totalMemory() >> 20, (jvm.totalMemory() - jvm.freeMemory()) >> 20,
                    eta / 60, eta % 60);
        }

        static long residentMegabytes() {
            try {
                for (String line : Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                    if (line.startsWith("VmRSS:")) {
                        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                    }
                }
            } catch (IOException | RuntimeException e) {
                return -1;
            }
            return -1;
        }
    }
}
