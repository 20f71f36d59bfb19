package dev.electra.pipeline.train;

import dev.electra.pipeline.checkpoint.ParameterLayout;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.config.ElectraConfig.OptimizerState;
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
 * that a Spark job wires together: the driver hands every worker the same {@link RoundStart}; each worker trains
 * {@code steps} local steps on its own examples ({@link #workerRound}); the workers' results are summed, weighted by
 * the examples each trained on ({@link Sum}, associative, for a tree aggregation); the driver divides
 * ({@link Sum#finish}).
 *
 * <p>A worker's round is a pure function of the round start, its examples and its index: masking, sampling and
 * dropout are seeded by (run seed, step, the row's index in the global batch), the data order by (run seed,
 * worker, epoch). A task that Spark re-runs after a failure therefore returns exactly what the lost one would have.
 */
public final class ParameterAveraging {
    private ParameterAveraging() {}

    /** Where one worker stands in its own examples: passes completed and examples consumed in the current pass. */
    public record DataPosition(long epoch, long examplesInEpoch) implements Serializable {}

    /**
     * What the driver broadcasts at the start of a round.
     *
     * @param firstStep the global step the round starts at (0-based)
     * @param steps     local steps each worker takes
     * @param moments   Adam's [m, v], one pair for all workers ({@code averaged}) or one per worker ({@code local})
     * @param positions each worker's data position
     */
    public record RoundStart(long firstStep, int steps, float[] params, List<float[][]> moments,
                             List<DataPosition> positions, ParameterLayout layout) implements Serializable {
        public RoundStart {
            moments = List.copyOf(moments);
            positions = List.copyOf(positions);
            if (moments.size() != 1 && moments.size() != positions.size()) {
                throw new IllegalArgumentException("optimizer state for " + moments.size() + " workers, data "
                        + "positions for " + positions.size());
            }
        }

        /** The moments worker {@code worker} starts from. */
        float[][] momentsOf(int worker) {
            return moments.get(moments.size() == 1 ? 0 : worker);
        }
    }

    /** What one worker sends back: its parameters and moments after the round, and what it measured. */
    public record WorkerResult(int worker, long examples, float[] params, float[] m, float[] v,
                               List<StepMetrics> metrics, DataPosition position, double seconds)
            implements Serializable {}

    /** One worker's share of a round, for the per-worker figures of the progress lines and metrics. */
    public record WorkerSummary(int worker, long examples, long tokens, double seconds, StepMetrics mean,
                                DataPosition position) implements Serializable {
        public double tokensPerSecond() {
            return seconds > 0 ? tokens / seconds : Double.NaN;
        }
    }

    /** The averaged state after a round, ready for the next {@link RoundStart} or a checkpoint. */
    public record RoundResult(float[] params, List<float[][]> moments, List<DataPosition> positions,
                              List<WorkerSummary> workers, List<StepMetrics> stepMeans) {}

    /** The data-order seed of worker {@code worker}. */
    public static long streamSeed(long runSeed, int worker) {
        return Seeds.child(runSeed ^ Seeds.WORKER_STREAMS, -1L - worker);
    }

    /**
     * Worker {@code worker}'s round: loads the round's parameters and moments into {@code model} (a model the
     * caller owns for the duration of the call), trains {@code start.steps()} steps of
     * {@code pretrain.batch-size} sequences on {@code examples} from the worker's data position, and returns the
     * result. Nothing in {@code start} is modified.
     *
     * @param afterStep called after each local step with the global step just completed (progress, fault tests)
     */
    public static WorkerResult workerRound(ElectraConfig config, ElectraModel model, Pretraining.SpecialIds ids,
                                           List<PackedExample> examples, RoundStart start, int worker,
                                           StepListener afterStep) {
        long begin = System.nanoTime();
        int batchSize = config.pretrain().batchSize();
        // A worker on other code (an executor with another jar) must not read the vector into other tensors.
        start.layout().requireSame(ParameterLayout.of(model.parameters()), "the parameters broadcast to worker "
                + worker);
        model.setFlatParameters(start.params());
        float[][] moments = start.momentsOf(worker);
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
        return new WorkerResult(worker, (long) start.steps() * batchSize, model.flatParameters(),
                optimizer.firstMoment(), optimizer.secondMoment(), metrics,
                new DataPosition(stream.epoch(), stream.examplesInEpoch()), (System.nanoTime() - begin) / 1e9);
    }

    /** Called by a worker after each local step. */
    @FunctionalInterface
    public interface StepListener extends Serializable {
        StepListener NONE = (worker, step) -> { };

        void stepDone(int worker, long stepsDone);
    }

    /**
     * Weighted sums of the workers' results. Sums are kept in double: each term (a float times an integer
     * weight below 2^29) is exact there, so the order in which a tree aggregation meets the workers changes the
     * result only when one coordinate's terms differ by more than 2^29 in magnitude; with two workers it is exact
     * in any order. Moments of {@code local} runs are not summed but kept per worker.
     */
    public static final class Sum implements Serializable {
        private final boolean averageMoments;
        private double[] params;
        private double[] m;
        private double[] v;
        private long weight;
        private final TreeMap<Integer, float[][]> localMoments = new TreeMap<>();
        private final TreeMap<Integer, WorkerSummary> workers = new TreeMap<>();
        private final TreeMap<Integer, List<StepMetrics>> steps = new TreeMap<>();

        public Sum(OptimizerState state) {
            this.averageMoments = state == OptimizerState.AVERAGED;
        }

        public Sum add(WorkerResult r) {
            if (workers.containsKey(r.worker())) {
                throw new IllegalStateException("worker " + r.worker() + " reported twice in one round");
            }
            if (params == null) {
                params = new double[r.params().length];
                m = new double[averageMoments ? r.m().length : 0];
                v = new double[averageMoments ? r.v().length : 0];
            }
            double w = r.examples();
            accumulate(params, r.params(), w);
            if (averageMoments) {
                accumulate(m, r.m(), w);
                accumulate(v, r.v(), w);
            } else {
                localMoments.put(r.worker(), new float[][] {r.m(), r.v()});
            }
            weight += r.examples();
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
            if (other.params == null) {
                return this;
            }
            if (params == null) {
                params = other.params;
                m = other.m;
                v = other.v;
            } else {
                add(params, other.params);
                add(m, other.m);
                add(v, other.v);
            }
            weight += other.weight;
            for (Integer w : other.workers.keySet()) {
                if (workers.containsKey(w)) {
                    throw new IllegalStateException("worker " + w + " reported twice in one round");
                }
            }
            localMoments.putAll(other.localMoments);
            workers.putAll(other.workers);
            steps.putAll(other.steps);
            return this;
        }

        /** The weighted averages; fails unless exactly workers 0…{@code workerCount}−1 reported. */
        public RoundResult finish(int workerCount) {
            if (workers.size() != workerCount || workers.firstKey() != 0 || workers.lastKey() != workerCount - 1) {
                throw new IllegalStateException("expected results of workers 0.." + (workerCount - 1) + ", got "
                        + workers.keySet());
            }
            List<float[][]> moments = new ArrayList<>();
            if (averageMoments) {
                moments.add(new float[][] {divide(m, weight), divide(v, weight)});
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
            return new RoundResult(divide(params, weight), moments, positions, List.copyOf(workers.values()),
                    stepMeans);
        }

        private static void accumulate(double[] sum, float[] x, double w) {
            if (sum.length != x.length) {
                throw new IllegalArgumentException("a worker returned " + x.length + " values, expected "
                        + sum.length);
            }
            for (int i = 0; i < x.length; i++) {
                sum[i] += w * x[i];
            }
        }

        private static void add(double[] sum, double[] x) {
            for (int i = 0; i < x.length; i++) {
                sum[i] += x[i];
            }
        }

        private static float[] divide(double[] sum, long weight) {
            float[] out = new float[sum.length];
            for (int i = 0; i < sum.length; i++) {
                out[i] = (float) (sum[i] / weight);
            }
            return out;
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
