package dev.electra.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.electra.jobs.io.HadoopStorage;
import dev.electra.jobs.io.Shards;
import dev.electra.pipeline.checkpoint.Checkpoints;
import dev.electra.pipeline.checkpoint.TrainingState;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.config.RunInfo;
import dev.electra.pipeline.model.ElectraModel;
import dev.electra.pipeline.packing.PackedExample;
import dev.electra.pipeline.train.AdamW;
import dev.electra.pipeline.train.ExampleStream;
import dev.electra.pipeline.train.NonFiniteLossException;
import dev.electra.pipeline.train.Pretraining;
import dev.electra.pipeline.train.StepMetrics;
import dev.electra.pipeline.train.Trainer;
import dev.electra.tokenizer.SpecialTokens;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code pretrain} on one worker: reads the shards, trains the objective of {@code pretrain.objective}, logs a JSON
 * line of metrics every {@code log-every} steps and checkpoints every {@code checkpoint-every} steps. Rerun with the
 * same output directory, it resumes from the last complete checkpoint.
 */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = {"Pretrain an ELECTRA generator/discriminator pair (or a baseline objective) on one worker.",
                "Writes OUTPUT/checkpoints/step-NNNNNNNNN (params.npy, adam_m.npy, adam_v.npy, state.json), "
                        + "OUTPUT/checkpoints/latest, OUTPUT/metrics/train-*.jsonl, OUTPUT/metrics/eval.jsonl, "
                        + "_run.json and _effective.conf. A rerun with the same OUTPUT resumes.",
                "Keys: pretrain.*, model.*, seed."})
public final class PretrainJob implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(PretrainJob.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    CommonOptions common;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "Shards written by prepare.")
    String data;

    @Option(names = "--output", required = true, paramLabel = "DIR",
            description = "Run directory (checkpoints, metrics); an existing one is resumed.")
    String output;

    @Option(names = "--stop-after", paramLabel = "STEPS",
            description = "Stop (with a checkpoint) after this many steps of this invocation; a rerun continues. "
                    + "For time-sliced clusters; the schedule still spans pretrain.steps.")
    long stopAfter = Long.MAX_VALUE;

    @Override
    public Integer call() {
        ElectraConfig config = common.config();
        SparkSession spark = Sparks.session(config, "pretrain");
        Result r = run(spark, config, data, output, common.overwrite, stopAfter,
                List.of("pretrain", "--data", data, "--output", output));
        System.out.println("trained to step " + r.step() + "; checkpoints in " + output + "/checkpoints, metrics in "
                + output + "/metrics");
        return 0;
    }

    /** Where training ended and the last held-out evaluation. */
    public record Result(long step, StepMetrics heldOut, float[] parameters) {}

    public static Result run(SparkSession spark, ElectraConfig config, String data, String output, boolean overwrite,
                             long stopAfter, List<String> arguments) {
        var hadoop = spark.sparkContext().hadoopConfiguration();
        long start = System.nanoTime();
        try {
            Path out = new Path(output);
            FileSystem fs = out.getFileSystem(hadoop);
            if (overwrite && fs.exists(out)) {
                fs.delete(out, true);
            }
            Shards shards = Shards.open(data, hadoop);
            int heldOutCount = heldOutShards(shards.files().size(), config.pretrain().heldOutShare());
            List<String> trainFiles = shards.files().subList(0, shards.files().size() - heldOutCount);
            List<String> heldOutFiles = shards.files().subList(shards.files().size() - heldOutCount, shards.files().size());
            List<PackedExample> train = Shards.read(spark, trainFiles);
            List<PackedExample> heldOut = Shards.read(spark, heldOutFiles);
            LOG.info("pretrain: {} training examples in {} shards, {} held-out examples in {} shards; objective {}",
                    train.size(), trainFiles.size(), heldOut.size(), heldOutFiles.size(),
                    config.pretrain().objective().configName());

            ElectraModel model = Pretraining.model(config, shards.vocabSize(), shards.maxSeqLength());
            Pretraining.SpecialIds ids = new Pretraining.SpecialIds(shards.specialId(SpecialTokens.PAD),
                    shards.specialId(SpecialTokens.CLS), shards.specialId(SpecialTokens.SEP),
                    shards.specialId(SpecialTokens.MASK));
            Checkpoints checkpoints = new Checkpoints(new HadoopStorage(output + "/checkpoints", hadoop),
                    config.pretrain().keepCheckpoints());
            Optional<TrainingState> resumed = checkpoints.loadLatest();
            Trainer trainer;
            long step = 0;
            ExampleStream stream;
            if (resumed.isPresent()) {
                TrainingState s = resumed.get();
                checkCompatible(s, config, model);
                model.setFlatParameters(s.params());
                trainer = Pretraining.trainer(config, model, ids, 0,
                        new AdamW(Pretraining.adamSettings(config), model.weightDecayMask(), s.adamM(), s.adamV()));
                step = s.step();
                stream = new ExampleStream(train, config.seed(), s.epoch(), s.examplesInEpoch());
                LOG.info("pretrain: resuming from step {} (epoch {}, {} examples into it)", step, s.epoch(),
                        s.examplesInEpoch());
            } else {
                trainer = Pretraining.trainer(config, model, ids, 0);
                stream = new ExampleStream(train, config.seed(), 0, 0);
            }
            RunInfo info = RunInfo.start("pretrain", arguments, config);
            writeRunInfo(fs, out, info, Map.of(
                    "parameters", model.parameterCount(), "training_examples", train.size(),
                    "held_out_examples", heldOut.size(), "resumed_from_step", step));
            long total = config.pretrain().steps();
            long end = stopAfter >= total - step ? total : step + stopAfter;
            int batchSize = config.pretrain().batchSize();
            StepMetrics lastEval = null;
            // The local file system's checksumming layer holds lines back until close; its raw layer flushes them,
            // so a user can follow the metrics while a run lasts.
            FileSystem metricsFs = fs instanceof LocalFileSystem local ? local.getRaw() : fs;
            try (FSDataOutputStream metrics = metricsFs.create(
                         new Path(out, String.format("metrics/train-%09d.jsonl", step)), true);
                 FSDataOutputStream eval = metricsFs.create(
                         new Path(out, String.format("metrics/eval-%09d.jsonl", step)), true)) {
                Progress progress = new Progress(total, step);
                while (step < end) {
                    StepMetrics m;
                    try {
                        m = trainer.step(stream.next(batchSize), step);
                    } catch (NonFiniteLossException e) {
                        LOG.error("pretrain: {}", e.getMessage());
                        throw e;
                    }
                    step++;
                    progress.add(m);
                    if (step % config.pretrain().logEvery() == 0 || step == end) {
                        writeLine(metrics, withWorker(m.toMap()));
                        LOG.info(progress.line(m, step));
                    }
                    if (step % config.pretrain().checkpointEvery() == 0 || step == end) {
                        checkpoints.save(new TrainingState(step, model.flatParameters(),
                                trainer.optimizer().firstMoment().clone(), trainer.optimizer().secondMoment().clone(),
                                config.seed(), stream.epoch(), stream.examplesInEpoch(), config.rendered()));
                        lastEval = evaluate(trainer, heldOut, batchSize, config.pretrain().evalBatches(), step);
                        if (lastEval != null) {
                            writeLine(eval, lastEval.toMap());
                            LOG.info("pretrain: held-out at step {}: {}", step, summary(lastEval));
                        }
                    }
                }
            }
            Map<String, Object> results = new LinkedHashMap<>();
            results.put("final_step", step);
            results.put("wall_seconds", (System.nanoTime() - start) / 1e9);
            if (lastEval != null) {
                results.put("held_out", lastEval.toMap());
            }
            writeRunInfo(fs, out, info, results);
            return new Result(step, lastEval, model.flatParameters());
        } catch (IOException e) {
            throw new UncheckedIOException("pretrain failed writing " + output + ": " + e.getMessage(), e);
        }
    }

    static int heldOutShards(int shards, double share) {
        if (shards < 2 || share == 0) {
            return 0;
        }
        return (int) Math.max(1, Math.min(shards - 1, Math.round(shards * share)));
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
        return Progress.mean(all, step);
    }

    private static void checkCompatible(TrainingState s, ElectraConfig config, ElectraModel model) {
        if (s.params().length != model.parameterCount()) {
            throw new IllegalArgumentException("the checkpoint at step " + s.step() + " has " + s.params().length
                    + " parameters but this configuration builds " + model.parameterCount()
                    + "; use the run's own configuration (its _effective.conf) or another --output");
        }
        if (s.seed() != config.seed()) {
            throw new IllegalArgumentException("the checkpoint was trained with seed " + s.seed() + ", not "
                    + config.seed() + "; resuming with another seed would not reproduce the run");
        }
    }

    private static Map<String, Object> withWorker(Map<String, Object> m) {
        m.put("worker", 0);
        return m;
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

        void add(StepMetrics m) {
            tokens += m.tokens();
        }

        String line(StepMetrics m, long step) {
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            double stepsPerSecond = (step - startStep) / seconds;
            long eta = Math.round((total - step) / stepsPerSecond);
            return String.format("step %d/%d | %s | lr %.2e | %.0f tokens/s | RSS %d MB | ETA %dm%02ds", step, total,
                    summary(m), m.learningRate(), tokens / seconds, residentMegabytes(), eta / 60, eta % 60);
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

        /** Token-weighted means of held-out batches. */
        static StepMetrics mean(List<StepMetrics> all, long step) {
            double w = 0;
            double[] s = new double[11];
            Map<String, Double> terms = new LinkedHashMap<>();
            long tokens = 0;
            double seconds = 0;
            for (StepMetrics m : all) {
                double t = m.tokens();
                w += t;
                double[] v = {m.totalLoss(), m.generatorLoss(), m.generatorAccuracy(), m.discriminatorLoss(),
                    m.discriminatorAccuracy(), m.discriminatorPrecision(), m.discriminatorRecall(),
                    m.discriminatorAuc(), m.replacedShare(), m.mainLoss(), m.mainAccuracy()};
                for (int i = 0; i < v.length; i++) {
                    s[i] += t * v[i];
                }
                m.lossTerms().forEach((k, x) -> terms.merge(k, t * x, Double::sum));
                tokens += m.tokens();
                seconds += m.seconds();
            }
            double total = w;
            terms.replaceAll((k, x) -> x / total);
            return new StepMetrics(step, Double.NaN, s[0] / w, terms, s[1] / w, s[2] / w, s[3] / w, s[4] / w,
                    s[5] / w, s[6] / w, s[7] / w, s[8] / w, s[9] / w, s[10] / w, Double.NaN, tokens, seconds);
        }
    }
}
