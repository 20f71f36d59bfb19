package dev.electra.jobs;

import dev.electra.jobs.io.Failures;
import dev.electra.jobs.io.HadoopStorage;
import dev.electra.jobs.io.Lease;
import dev.electra.jobs.io.OutputDir;
import dev.electra.jobs.io.RunFiles;
import dev.electra.jobs.io.Shards;
import dev.electra.pipeline.checkpoint.Checkpoints;
import dev.electra.pipeline.checkpoint.ParameterLayout;
import dev.electra.pipeline.checkpoint.TrainingState;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.config.RunInfo;
import dev.electra.pipeline.model.ElectraModel;
import dev.electra.pipeline.model.Flops;
import dev.electra.pipeline.model.KernelMode;
import dev.electra.pipeline.packing.DataFingerprint;
import dev.electra.pipeline.packing.PackedExample;
import dev.electra.pipeline.train.AveragingRounds;
import dev.electra.pipeline.train.HeldOut;
import dev.electra.pipeline.train.HeldOutEvaluation;
import dev.electra.pipeline.train.MetricFiles;
import dev.electra.pipeline.train.PretrainResults;
import dev.electra.pipeline.train.Pretraining;
import dev.electra.pipeline.train.RunState;
import dev.electra.pipeline.train.StepMetrics;
import dev.electra.tokenizer.SpecialTokens;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
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
 * complete checkpoint. This class sets a run up (fresh or resumed); the loop over rounds is
 * {@code pipeline.train.AveragingRounds}, a round on Spark {@link SparkRounds}.
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
            PretrainResults previous = PretrainResults.read(RunFiles.results(fs, out));
            shards = Shards.open(data, hadoop);
            HeldOut heldOutRule = HeldOut.ofRun(previous, config, shards.examples());
            List<PackedExample> heldOut = shards.heldOut(spark, heldOutRule);
            train = trainingExamples(spark, config, shards, heldOutRule, heldOut.size(), data);

            KernelMode.Choice kernels = KernelMode.resolve(config.model().kernels());
            LOG.info("pretrain: kernels {}", kernels);
            // Built afresh (not borrowed): its initial parameters are the run's step 0.
            ElectraModel driverModel = Pretraining.model(config, shards.vocabSize(), shards.maxSeqLength());
            ParameterLayout layout = ParameterLayout.of(driverModel.parameters());
            SparkRounds.requireDriverFits(spark, config, driverModel.parameterCount());
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
            RunFiles.write(fs, out, info, setup.toMap());

            Pretraining.SpecialIds ids = new Pretraining.SpecialIds(shards.specialId(SpecialTokens.PAD),
                    shards.specialId(SpecialTokens.CLS), shards.specialId(SpecialTokens.SEP),
                    shards.specialId(SpecialTokens.MASK));
            Gpus.Bound gpus = new Gpus.Bound(JavaSparkContext.fromSparkContext(spark.sparkContext()),
                    config.distributed().gpusPerWorker());
            AveragingRounds.Trained trained = SparkRounds.train(spark, config, train, begin, stopAfter, ids, layout,
                    checkpoints, HeldOutEvaluation.of(config, driverModel, ids, heldOut), metricsFs, out,
                    shards.vocabSize(), shards.maxSeqLength(), gpus);
            double seconds = (System.nanoTime() - start) / 1e9;
            // training_seconds: over every invocation of the run, so a resumed run reports what the whole training took
            Map<String, Object> results = setup.finished(trained.state().step(), seconds, earlierSeconds + seconds,
                    trained.heldOut() == null ? null : trained.heldOut().toMap()).toMap();
            if (config.distributed().gpusPerWorker() > 0) {
                // Written only, read by no one: which GPU each worker trained on in the last round.
                results.put(Gpus.GPU, gpus.toMap());
            }
            RunFiles.write(fs, out, info, results);
            if (replacement != null) {
                replacement.commit();
            }
            return new Result(trained.state().step(), trained.heldOut(), trained.state().params());
        } catch (IOException | org.apache.hadoop.fs.FSError e) {
            // FSError: the local file system's full disk while a metrics line is written (an Error, not an Exception).
            throw Failures.writing(e, output, "the run keeps what it had written before");
        } catch (Exception e) {
            // Spark's exceptions are checked ones thrown undeclared; a damaged shard is named here.
            throw shards == null ? Failures.unchecked(e) : shards.explain(spark, e);
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
                        + "of their numbers); objective {}; global batch {} = {} workers × {} ({} micro-batches of {} "
                        + "per step); averaging every {} steps: {}",
                trainExamples, shards.files().size(), workers, heldOut,
                config.pretrain().objective().configName(), workers * batchSize, workers, batchSize,
                config.pretrain().accumulationSteps(), config.pretrain().microBatchSize(),
                config.distributed().averagingFrequency(), PretrainResults.distributed(config.distributed()));
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
        RunState state = RunState.resumeChecked(s, config, where, previous.recordedData(), dataFingerprint(shards),
                data, layout, model.parameterCount(), changes);
        int cut = MetricFiles.cutAfter(new HadoopStorage(metricsFs, new Path(out, "metrics")), s.step());
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
                PretrainResults.HeldOutSelection.of(rule), workers, globalBatch,
                PretrainResults.distributed(config.distributed()), PretrainResults.optimizer(config.pretrain()), step,
                changes, null, null, null, null);
    }

    /** What identifies the shards a run trains on; a resumed run must be given the same. */
    static Map<String, Object> dataFingerprint(Shards shards) {
        return DataFingerprint.of(shards.manifest(), shards.files().size()).toMap();
    }
}
