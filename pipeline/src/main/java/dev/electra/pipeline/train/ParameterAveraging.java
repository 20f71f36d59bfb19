package dev.electra.pipeline.train;

import dev.electra.pipeline.checkpoint.ParameterLayout;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.distributed.PayloadSum;
import dev.electra.pipeline.distributed.WorkerPayload;
import dev.electra.pipeline.model.ElectraModel;
import dev.electra.pipeline.packing.PackedExample;
import dev.electra.pipeline.seeds.Seeds;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Data-parallel parameter averaging, the algorithm of DL4J's ParameterAveragingTrainingMaster, as plain functions
 * (the driver's loop over rounds is {@link AveragingRounds}, run on Spark by the jobs' {@code SparkRounds}): the driver hands every worker the same {@link RoundStart}; each worker trains
 * {@code steps} local steps on its own examples ({@link #workerRound}) and sends back its payload (its parameters,
 * or its change in bfloat16) and Adam's moments; the workers' results are summed, weighted by the examples each
 * trained on ({@link Sum}, associative, for a tree aggregation); the driver's outer optimizer turns the mean into the
 * next global parameters ({@code AveragingRounds}).
 *
 * <p>A worker's round is a pure function of the round start, its moments, its examples and its index: masking,
 * sampling and dropout are seeded by (run seed, step, the row's index in the global batch), the data order by (run
 * seed, worker, epoch). A task that Spark re-runs after a failure therefore returns exactly what the lost one would
 * have.
 */
public final class ParameterAveraging {
    private ParameterAveraging() {}

    /** Where one worker stands in its own examples: passes completed and examples consumed in the current pass. */
    public record DataPosition(long epoch, long examplesInEpoch) implements Serializable {}

    /**
     * What the driver sends at the start of a round.
     *
     * @param firstStep      the global step the round starts at (0-based)
     * @param steps          local steps each worker takes
     * @param params         the global parameters
     * @param moments        Adam's [m, v]: one pair for all workers (averaged at the last round's end), one per worker
     *                       (kept by each worker), or none when each worker's own pair travels apart
     *                       ({@link #shared})
     * @param positions      each worker's data position
     * @param averageMoments whether the moments are averaged at the end of this round, else kept per worker
     */
    public record RoundStart(long firstStep, int steps, float[] params, List<float[][]> moments,
                             List<DataPosition> positions, ParameterLayout layout, boolean averageMoments)
            implements Serializable {
        public RoundStart {
            moments = List.copyOf(moments);
            positions = List.copyOf(positions);
            if (moments.size() > 1 && moments.size() != positions.size()) {
                throw new IllegalArgumentException("optimizer state for " + moments.size() + " workers, data "
                        + "positions for " + positions.size());
            }
        }

        /** Whether every worker has moments of its own (else all start from one pair). */
        public boolean momentsPerWorker() {
            return moments.size() > 1 || moments.isEmpty();
        }

        /**
         * This start without the per-worker moments, for a broadcast every worker reads whole, while each worker's own
         * pair is sent to it apart: a worker then receives 2 × parameters of moments, not workers × 2 × parameters.
         * Unchanged when all workers share one pair.
         */
        public RoundStart shared() {
            return moments.size() > 1 ? new RoundStart(firstStep, steps, params, List.of(), positions, layout,
                    averageMoments) : this;
        }

        /** The moments worker {@code worker} starts from. */
        public float[][] momentsOf(int worker) {
            if (moments.isEmpty()) {
                throw new IllegalStateException("this round start carries no moments; worker " + worker
                        + "'s are sent apart");
            }
            return moments.get(moments.size() == 1 ? 0 : worker);
        }

        /**
         * Bytes of the arrays the driver sends this round (parameters, each moment pair and each data position,
         * once each): Spark's broadcast sends the shared part once per executor, and each worker's own moments once.
         */
        public long broadcastBytes() {
            long bytes = (long) Float.BYTES * params.length + (long) 2 * Long.BYTES * positions.size();
            for (float[][] pair : moments) {
                bytes += (long) Float.BYTES * (pair[0].length + pair[1].length);
            }
            return bytes;
        }
    }

    /**
     * What one worker sends back: its payload (parameters or change) and moments after the round, and what it
     * measured.
     */
    public record WorkerResult(int worker, long examples, WorkerPayload payload, float[] m, float[] v,
                               List<StepMetrics> metrics, DataPosition position, double seconds)
            implements Serializable {
        /** Bytes of the arrays sent back: the payload and both moments (float32). */
        public long bytes() {
            return payload.bytes() + (long) Float.BYTES * (m.length + v.length);
        }
    }

    /** One worker's share of a round, for the per-worker figures of the progress lines and metrics. */
    public record WorkerSummary(int worker, long examples, long tokens, double seconds, StepMetrics mean,
                                DataPosition position) implements Serializable {
        public double tokensPerSecond() {
            return seconds > 0 ? tokens / seconds : Double.NaN;
        }
    }

    /**
     * The workers' results met: the weighted mean of their payloads (for the driver's outer step), the moments for
     * the next round, and what they measured.
     *
     * @param returnBytes bytes the workers sent back, all together (see {@link WorkerResult#bytes})
     */
    public record RoundResult(PayloadSum mean, List<float[][]> moments, List<DataPosition> positions,
                              List<WorkerSummary> workers, List<StepMetrics> stepMeans, long returnBytes) {}

    /** The data-order seed of worker {@code worker}. */
    public static long streamSeed(long runSeed, int worker) {
        return Seeds.child(runSeed ^ Seeds.WORKER_STREAMS, -1L - worker);
    }

    /** {@link #workerRound(ElectraConfig, ElectraModel, Pretraining.SpecialIds, List, RoundStart, int, float[][],
     * StepListener)} with the moments the round start carries for {@code worker}. */
    public static WorkerResult workerRound(ElectraConfig config, ElectraModel model, Pretraining.SpecialIds ids,
                                           List<PackedExample> examples, RoundStart start, int worker,
                                           StepListener afterStep) {
        return workerRound(config, model, ids, examples, start, worker, start.momentsOf(worker), afterStep);
    }

    /**
     * Worker {@code worker}'s round: loads the round's parameters and {@code moments} into {@code model} (a model
     * the caller owns for the duration of the call), trains {@code start.steps()} steps of
     * {@code pretrain.batch-size} sequences on {@code examples} from the worker's data position, and returns the
     * result, its parameters in {@code distributed.payload} precision. Nothing in {@code start} or {@code moments}
     * is modified.
     *
     * @param afterStep called after each local step with the global step just completed (progress, fault tests)
     */
    public static WorkerResult workerRound(ElectraConfig config, ElectraModel model, Pretraining.SpecialIds ids,
                                           List<PackedExample> examples, RoundStart start, int worker,
                                           float[][] moments, StepListener afterStep) {
        long begin = System.nanoTime();
        int batchSize = config.pretrain().batchSize();
        // A worker on other code (an executor with another jar) must not read the vector into other tensors.
        start.layout().requireSame(ParameterLayout.of(model.parameters()), "the parameters broadcast to worker "
                + worker);
        model.setFlatParameters(start.params());
        Optimizer optimizer = Pretraining.optimizer(config, model, moments[0].clone(), moments[1].clone());
        Trainer trainer = Pretraining.trainer(config, model, ids, optimizer);
        DataPosition p = start.positions().get(worker);
        ExampleStream stream = new ExampleStream(examples, streamSeed(config.seed(), worker), p.epoch(),
                p.examplesInEpoch());
        List<StepMetrics> metrics = new ArrayList<>(start.steps());
        for (int s = 0; s < start.steps(); s++) {
            long step = start.firstStep() + s;
            metrics.add(trainer.step(stream.next(batchSize), step, worker * batchSize));
            afterStep.stepDone(worker, step + 1);
        }
        WorkerPayload payload = WorkerPayload.of(start.params(), model.flatParameters(),
                config.distributed().payload());
        return new WorkerResult(worker, (long) start.steps() * batchSize, payload, optimizer.firstMoment(),
                optimizer.secondMoment(), metrics, new DataPosition(stream.epoch(), stream.examplesInEpoch()),
                (System.nanoTime() - begin) / 1e9);
    }

    /** Called by a worker after each local step. */
    @FunctionalInterface
    public interface StepListener extends Serializable {
        StepListener NONE = (worker, step) -> { };

        void stepDone(int worker, long stepsDone);
    }

    /**
     * The workers' results of one round met: payloads summed weighted by examples ({@link PayloadSum}, exact in
     * double as said there), moments summed alike when the round averages them and kept per worker otherwise.
     */
    public static final class Sum implements Serializable {
        private final boolean averageMoments;
        private final PayloadSum params = new PayloadSum();
        private double[] m;
        private double[] v;
        private long weight;
        private long bytes;
        private final TreeMap<Integer, float[][]> localMoments = new TreeMap<>();
        private final TreeMap<Integer, WorkerSummary> workers = new TreeMap<>();
        private final TreeMap<Integer, List<StepMetrics>> steps = new TreeMap<>();

        /** @param averageMoments whether this round averages Adam's moments ({@link RoundStart#averageMoments}) */
        public Sum(boolean averageMoments) {
            this.averageMoments = averageMoments;
        }

        public Sum add(WorkerResult r) {
            if (workers.containsKey(r.worker())) {
                throw new IllegalStateException("worker " + r.worker() + " reported twice in one round");
            }
            if (m == null) {
                m = new double[averageMoments ? r.m().length : 0];
                v = new double[averageMoments ? r.v().length : 0];
            }
            double w = r.examples();
            params.add(r.payload(), r.examples());
            if (averageMoments) {
                PayloadSum.accumulate(m, r.m(), w);
                PayloadSum.accumulate(v, r.v(), w);
            } else {
                localMoments.put(r.worker(), new float[][] {r.m(), r.v()});
            }
            weight += r.examples();
            bytes += r.bytes();
            long tokens = 0;
            for (StepMetrics s : r.metrics()) {
                tokens += s.tokens();
            }
            StepMetrics last = r.metrics().get(r.metrics().size() - 1);
            workers.put(r.worker(), new WorkerSummary(r.worker(), r.examples(), tokens, r.seconds(),
                    StepMetrics.mean(r.metrics(), last.step()), r.position()));
            steps.put(r.worker(), r.metrics());
            return this;
        }

        public Sum merge(Sum other) {
            if (other.m == null) {
                return this;
            }
            for (Integer w : other.workers.keySet()) {
                if (workers.containsKey(w)) {
                    throw new IllegalStateException("worker " + w + " reported twice in one round");
                }
            }
            params.merge(other.params);
            if (m == null) {
                m = other.m;
                v = other.v;
            } else {
                PayloadSum.add(m, other.m);
                PayloadSum.add(v, other.v);
            }
            weight += other.weight;
            bytes += other.bytes;
            localMoments.putAll(other.localMoments);
            workers.putAll(other.workers);
            steps.putAll(other.steps);
            return this;
        }

        /** The weighted means; fails unless exactly workers 0…{@code workerCount}−1 reported. */
        public RoundResult finish(int workerCount) {
            if (workers.size() != workerCount || workers.firstKey() != 0 || workers.lastKey() != workerCount - 1) {
                throw new IllegalStateException("expected results of workers 0.." + (workerCount - 1) + ", got "
                        + workers.keySet());
            }
            List<float[][]> moments = new ArrayList<>();
            if (averageMoments) {
                moments.add(new float[][] {PayloadSum.divide(m, weight), PayloadSum.divide(v, weight)});
            } else {
                moments.addAll(localMoments.values());
            }
            List<DataPosition> positions = new ArrayList<>();
            for (WorkerSummary s : workers.values()) {
                positions.add(s.position());
            }
            int localSteps = steps.firstEntry().getValue().size();
            List<StepMetrics> stepMeans = new ArrayList<>(localSteps);
            for (int i = 0; i < localSteps; i++) {
                List<StepMetrics> ofStep = new ArrayList<>();
                for (List<StepMetrics> w : steps.values()) {
                    ofStep.add(w.get(i));
                }
                StepMetrics mean = StepMetrics.mean(ofStep, ofStep.get(0).step());
                // Workers run concurrently: a step of the round lasts as long as its slowest worker.
                double slowest = 0;
                for (StepMetrics s : ofStep) {
                    slowest = Math.max(slowest, s.seconds());
                }
                stepMeans.add(mean.withSeconds(slowest));
            }
            return new RoundResult(params, moments, positions, List.copyOf(workers.values()), stepMeans, bytes);
        }
    }

    /** Map view of a worker summary for a metrics line. */
    public static Map<String, Object> toMap(WorkerSummary s) {
        Map<String, Object> m = s.mean().toMap();
        m.remove("lr");
        m.put("worker", s.worker());
        m.put("examples", s.examples());
        m.put("tokens", s.tokens());
        m.put("seconds", s.seconds());
        m.put("tokens_per_second", s.tokensPerSecond());
        m.put("epoch", s.position().epoch());
        m.put("examples_in_epoch", s.position().examplesInEpoch());
        return m;
    }
}
