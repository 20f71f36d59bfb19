package dev.electra.pipeline.train;

import dev.electra.pipeline.checkpoint.ParameterLayout;
import dev.electra.pipeline.checkpoint.TrainingState;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.distributed.OuterOptimizer;
import dev.electra.pipeline.train.ParameterAveraging.RoundResult;
import dev.electra.pipeline.train.ParameterAveraging.RoundStart;
import dev.electra.pipeline.train.ParameterAveraging.WorkerSummary;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver's pretraining loop, Spark-free: averaging rounds from a run's state to {@code pretrain.steps} (or to
 * the round that ends a {@code --stop-after}), each ended by the outer optimizer's step from the global parameters
 * and the workers' mean to the next global parameters ({@code distributed.outer-optimizer}), a metrics line every
 * {@code log-every} steps, a checkpoint and a held-out evaluation every {@code checkpoint-every} steps and at the end.
 * What runs a round on the workers, and where checkpoints and lines are written, is the {@link Driver}'s (the pretrain
 * job's Spark and Hadoop calls).
 */
public final class AveragingRounds {
    private static final Logger LOG = LoggerFactory.getLogger(AveragingRounds.class);

    private AveragingRounds() {}

    /** What the loop asks of the job around it. */
    public interface Driver {
        /** Runs one round on the workers; {@code description} names it for the cluster's UI. */
        Ran round(RoundStart start, String description);

        /** Saves a checkpoint (the job words a failure for the user). */
        void checkpoint(TrainingState state);

        /** Appends a line to the run's training metrics. */
        void trainLine(Map<String, Object> line) throws IOException;

        /** Appends a line to the run's held-out metrics. */
        void heldOutLine(Map<String, Object> line) throws IOException;
    }

    /** A round's result, and how long sending its start to the workers took. */
    public record Ran(RoundResult result, double broadcastSeconds) {}

    /** Where the rounds left the run, and its last held-out evaluation (null when it never evaluated). */
    public record Trained(RunState state, StepMetrics heldOut) {}

    /** Trains from {@code begin}; {@code heldOut} evaluates the parameters at each checkpoint. */
    public static Trained train(ElectraConfig config, RunState begin, long stopAfter, ParameterLayout layout,
                                HeldOutEvaluation heldOut, Driver driver) throws IOException {
        int workers = config.distributed().workers();
        int batchSize = config.pretrain().batchSize();
        long step = begin.step();
        float[] params = begin.params();
        float[] outerMomentum = begin.outerMomentum();
        OuterOptimizer outer = config.distributed().outer();
        List<float[][]> moments = begin.moments();
        List<ParameterAveraging.DataPosition> positions = begin.positions();
        long total = config.pretrain().steps();
        int frequency = config.distributed().averagingFrequency();
        // Rounds cover steps [k·f, (k+1)·f): a stop or a checkpoint falls on a round's end, so a resumed run
        // meets the same rounds as an unbroken one.
        long end = stopAfter >= total - step ? total
                : Math.min(total, Math.floorDiv(step + stopAfter + frequency - 1, (long) frequency) * frequency);
        StepMetrics lastEval = null;
        Progress progress = new Progress(total, step);
        while (step < end) {
            long round = step / frequency + 1;
            int steps = (int) Math.min(frequency - step % frequency, end - step);
            long roundStart = System.nanoTime();
            RoundStart start = new RoundStart(step, steps, params, moments, positions, layout,
                    config.distributed().averagesMomentsAfter(round));
            Ran ran = driver.round(start, String.format("pretrain round %d: steps %d-%d on %d workers", round,
                    step + 1, step + steps, workers));
            RoundResult r = ran.result();
            // The driver's outer step: the workers' mean becomes the next global parameters (average), or their
            // averaged change is applied as an outer gradient (nesterov, DiLoCo).
            OuterOptimizer.Outer next = outer.step(params, outerMomentum, r.mean());
            double roundSeconds = (System.nanoTime() - roundStart) / 1e9;
            long before = step;
            step += steps;
            params = next.params();
            outerMomentum = next.momentum();
            moments = r.moments();
            positions = r.positions();
            StepMetrics mean = StepMetrics.mean(r.stepMeans(), step);
            progress.add(mean.tokens());
            boolean last = step == end;
            if (crossed(before, step, config.pretrain().logEvery()) || last) {
                driver.trainLine(roundLine(round, mean, r, roundSeconds, ran.broadcastSeconds(),
                        start.broadcastBytes(), workers, batchSize));
                LOG.info(progress.line(round, mean, r, step));
            }
            if (crossed(before, step, config.pretrain().checkpointEvery()) || last) {
                driver.checkpoint(new RunState(step, params, moments, positions, outerMomentum).checkpoint(config,
                        layout));
                lastEval = heldOut.evaluate(params, step);
                if (lastEval != null) {
                    driver.heldOutLine(lastEval.toMap());
                    LOG.info("pretrain: held-out at step {}: {}", step, lastEval.summary());
                }
            }
        }
        if (lastEval == null && step > 0) {
            // Nothing left to train (a rerun of a finished run): evaluate the final parameters all the same.
            lastEval = heldOut.evaluate(params, step);
        }
        return new Trained(new RunState(step, params, moments, positions, outerMomentum), lastEval);
    }

    /** Whether (before, after] contains a multiple of {@code every}. */
    static boolean crossed(long before, long after, long every) {
        return after / every > before / every;
    }

    /** A round's metrics line: the mean step, its time and throughput, each worker's, and the distribution's cost. */
    static Map<String, Object> roundLine(long round, StepMetrics mean, RoundResult r, double roundSeconds,
                                         double broadcastSeconds, long broadcastBytes, int workers, int batchSize) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("round", round);
        line.putAll(mean.toMap());
        line.put(StepMetrics.ROUND_STEPS, r.stepMeans().size());
        line.put(StepMetrics.SECONDS, roundSeconds);
        line.put(StepMetrics.TOKENS_PER_SECOND, mean.tokens() / roundSeconds);
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
        // What the round moved: the arrays the driver sent (once each) and those the workers sent back (all of them).
        line.put(StepMetrics.BROADCAST_BYTES, broadcastBytes);
        line.put(StepMetrics.RETURN_BYTES, r.returnBytes());
        line.put("workers", perWorker);
        return line;
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

        void add(long roundTokens) {
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
                    round, step, total, m.summary(), m.learningRate(), tokens / seconds, perWorker,
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
