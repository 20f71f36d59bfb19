package dev.electra.pipeline.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.electra.pipeline.checkpoint.ParameterLayout;
import dev.electra.pipeline.checkpoint.TrainingState;
import dev.electra.pipeline.config.ConfigLoader;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.model.ElectraModel;
import dev.electra.pipeline.packing.PackedExample;
import dev.electra.pipeline.train.ParameterAveraging.DataPosition;
import dev.electra.pipeline.train.ParameterAveraging.RoundStart;
import dev.electra.pipeline.train.ParameterAveraging.Sum;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The driver's rounds with every worker run in this thread: plain averaging is what it was before the outer
 * optimizer existed, bit for bit; Nesterov at rate 1 without momentum is averaging; the moments' averaging period;
 * the bytes a round moves; a resumed run ends as an unbroken one.
 */
class AveragingRoundsTest {
    private static final int VOCAB = 60;
    private static final int LENGTH = 24;
    private static final int BATCH = 4;
    /** Three, so that the mean divides by a weight that is not a power of two and rounding shows. */
    private static final int WORKERS = 3;
    private static final int FREQUENCY = 2;
    private static final Pretraining.SpecialIds IDS = new Pretraining.SpecialIds(0, 2, 3, 4);
    private static final List<List<PackedExample>> SHARDS = List.of(examples(10, 1), examples(10, 2),
            examples(10, 3));

    private static ElectraConfig config(String... sets) {
        List<String> all = new ArrayList<>(List.of("model.embedding-size=16", "model.hidden-size=16",
                "model.ffn-size=32", "model.layers=1", "model.heads=2", "model.max-positions=" + LENGTH,
                "pretrain.batch-size=" + BATCH, "pretrain.learning-rate=0.01", "pretrain.warmup-steps=1",
                "pretrain.steps=8", "pretrain.checkpoint-every=" + FREQUENCY, "pretrain.log-every=" + FREQUENCY,
                "distributed.workers=" + WORKERS, "distributed.averaging-frequency=" + FREQUENCY));
        all.addAll(List.of(sets));
        return ConfigLoader.load(List.of("tiny"), all);
    }

    private static List<PackedExample> examples(int count, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<PackedExample> out = new ArrayList<>();
        for (int e = 0; e < count; e++) {
            int length = r.nextInt(8, LENGTH + 1);
            int[] ids = new int[length];
            byte[] segments = new byte[length];
            ids[0] = IDS.cls();
            for (int t = 1; t < length - 1; t++) {
                ids[t] = r.nextInt(5, VOCAB);
                segments[t] = (byte) (t < length / 2 ? 0 : 1);
            }
            ids[length - 1] = IDS.sep();
            segments[length - 1] = 1;
            out.add(new PackedExample(ids, segments));
        }
        return out;
    }

    /** Runs each round's workers one after the other in this thread; keeps the checkpoints and metric lines. */
    private static final class InProcess implements AveragingRounds.Driver {
        final ElectraConfig config;
        final ElectraModel model;
        final List<TrainingState> checkpoints = new ArrayList<>();
        final List<Map<String, Object>> lines = new ArrayList<>();

        InProcess(ElectraConfig config) {
            this.config = config;
            this.model = Pretraining.model(config, VOCAB, LENGTH);
        }

        @Override
        public AveragingRounds.Ran round(RoundStart start, String description) {
            // As the Spark job sends it: the shared part, and each worker's own moments apart.
            RoundStart shared = start.shared();
            Sum sum = new Sum(start.averageMoments());
            for (int w = 0; w < WORKERS; w++) {
                sum.add(ParameterAveraging.workerRound(config, model, IDS, SHARDS.get(w), shared, w,
                        start.momentsOf(w), ParameterAveraging.StepListener.NONE));
            }
            return new AveragingRounds.Ran(sum.finish(WORKERS), 0);
        }

        @Override
        public void checkpoint(TrainingState state) {
            checkpoints.add(state);
        }

        @Override
        public void trainLine(Map<String, Object> line) {
            lines.add(line);
        }

        @Override
        public void heldOutLine(Map<String, Object> line) {
        }
    }

    private record Run(RunState end, InProcess driver, ParameterLayout layout) {}

    private static Run train(ElectraConfig config, RunState begin, long stopAfter) throws IOException {
        InProcess driver = new InProcess(config);
        ElectraModel model = driver.model;
        ParameterLayout layout = ParameterLayout.of(model.parameters());
        RunState from = begin != null ? begin : RunState.fresh(model.flatParameters(),
                Pretraining.initialMoments(config, model), config);
        HeldOutEvaluation none = new HeldOutEvaluation(model, Pretraining.masker(config, model, IDS), config.seed(),
                List.of(), BATCH, 0);
        return new Run(AveragingRounds.train(config, from, stopAfter, layout, none, driver).state(), driver, layout);
    }

    /**
     * The rounds as they were computed before the outer optimizer, copied from the code of 6c29586 (its
     * workerRound and Sum): each worker loads the parameters and moments, trains its steps, and the driver averages
     * parameters and both moments, weighted by examples, in double, rounding once to float.
     */
    private static float[][] previousAveraging(ElectraConfig config, int rounds) {
        ElectraModel model = Pretraining.model(config, VOCAB, LENGTH);
        float[] params = model.flatParameters();
        float[][] moments = Pretraining.initialMoments(config, model);
        List<DataPosition> positions = java.util.Collections.nCopies(WORKERS, new DataPosition(0, 0));
        for (int round = 0; round < rounds; round++) {
            int n = params.length;
            double[] p = new double[n];
            double[] m = new double[n];
            double[] v = new double[n];
            long weight = 0;
            List<DataPosition> next = new ArrayList<>();
            for (int w = 0; w < WORKERS; w++) {
                model.setFlatParameters(params);
                Optimizer optimizer = Pretraining.optimizer(config, model, moments[0].clone(), moments[1].clone());
                Trainer trainer = Pretraining.trainer(config, model, IDS, optimizer);
                DataPosition at = positions.get(w);
                ExampleStream stream = new ExampleStream(SHARDS.get(w), ParameterAveraging.streamSeed(config.seed(),
                        w), at.epoch(), at.examplesInEpoch());
                for (int s = 0; s < FREQUENCY; s++) {
                    trainer.step(stream.next(BATCH), (long) round * FREQUENCY + s, w * BATCH);
                }
                double examples = FREQUENCY * BATCH;
                float[] after = model.flatParameters();
                for (int i = 0; i < n; i++) {
                    p[i] += examples * after[i];
                    m[i] += examples * optimizer.firstMoment()[i];
                    v[i] += examples * optimizer.secondMoment()[i];
                }
                weight += FREQUENCY * BATCH;
                next.add(new DataPosition(stream.epoch(), stream.examplesInEpoch()));
            }
            params = divide(p, weight);
            moments = new float[][] {divide(m, weight), divide(v, weight)};
            positions = next;
        }
        return new float[][] {params, moments[0], moments[1]};
    }

    private static float[] divide(double[] sum, long weight) {
        float[] out = new float[sum.length];
        for (int i = 0; i < sum.length; i++) {
            out[i] = (float) (sum[i] / weight);
        }
        return out;
    }

    @Test
    void averageIsThePreviousArithmeticBitForBit() throws IOException {
        ElectraConfig config = config();
        RunState end = train(config, null, Long.MAX_VALUE).end();
        float[][] previous = previousAveraging(config, 4);
        assertEquals(8, end.step());
        assertEquals(0, end.outerMomentum().length, "plain averaging keeps no outer state");
        assertArrayEquals(previous[0], end.params(), "parameters after 4 rounds");
        assertArrayEquals(previous[1], end.moments().get(0)[0], "Adam's m after 4 rounds");
        assertArrayEquals(previous[2], end.moments().get(0)[1], "Adam's v after 4 rounds");
        float[] initial = Pretraining.model(config, VOCAB, LENGTH).flatParameters();
        double moved = 0;
        for (int i = 0; i < initial.length; i++) {
            moved = Math.max(moved, Math.abs(end.params()[i] - initial[i]));
        }
        assertTrue(moved > 1e-3, "the rounds trained (max move " + moved + ")");
    }

    /**
     * One round agrees to the last bit of float (θ + (mean − θ) in double, rounded once, against the mean rounded
     * once; usually the same bits). Over four rounds a differing last bit would feed the next rounds' AdamW steps and
     * grow, hence the looser bound there (measured: identical on this run).
     */
    @Test
    void nesterovAtRateOneWithoutMomentumIsAveraging() throws IOException {
        ElectraConfig plain = config("distributed.outer-optimizer=nesterov", "distributed.outer-learning-rate=1",
                "distributed.outer-momentum=0");
        float[] averaged = train(config(), null, FREQUENCY).end().params();
        RunState nesterov = train(plain, null, FREQUENCY).end();
        assertEquals(averaged.length, nesterov.outerMomentum().length, "nesterov keeps a momentum buffer");
        for (int i = 0; i < averaged.length; i++) {
            assertTrue(Math.abs(averaged[i] - nesterov.params()[i]) <= Math.ulp(averaged[i]), "one round, parameter "
                    + i + ": " + averaged[i] + " vs " + nesterov.params()[i]);
        }
        float[] fourRounds = train(config(), null, Long.MAX_VALUE).end().params();
        float[] nesterovFour = train(plain, null, Long.MAX_VALUE).end().params();
        double worst = 0;
        for (int i = 0; i < fourRounds.length; i++) {
            worst = Math.max(worst, Math.abs(fourRounds[i] - nesterovFour[i]) / (1e-3 + Math.abs(fourRounds[i])));
        }
        assertTrue(worst < 1e-4, "4 rounds of nesterov(1, 0) vs average: worst relative difference " + worst);
    }

    @Test
    void momentsAreAveragedEveryNRoundsAndKeptPerWorkerInBetween() throws IOException {
        ElectraConfig config = config("distributed.optimizer-state-every=2");
        Run run = train(config, null, Long.MAX_VALUE);
        List<Integer> sets = run.driver().checkpoints.stream().map(TrainingState::momentSets).toList();
        assertEquals(List.of(WORKERS, 1, WORKERS, 1), sets, "rounds 1 and 3 keep each worker's moments, 2 and 4 average them");
        for (TrainingState s : run.driver().checkpoints) {
            assertEquals(s.momentSets(), RunState.resume(s, config, s.params().length).moments().size(),
                    "a checkpoint of either kind resumes");
        }
        assertEquals(WORKERS, train(config("distributed.optimizer-state=local"), null, Long.MAX_VALUE).end()
                .moments().size());
    }

    @Test
    void everyMetricsLineSaysWhatTheRoundMoved() throws IOException {
        ElectraConfig float32 = config();
        Run run = train(float32, null, 2);
        long n = run.end().params().length;
        Map<String, Object> line = run.driver().lines.get(0);
        // Parameters and one moment pair out, a data position per worker; each worker returns parameters and both
        // moments.
        assertEquals(4 * n + 8 * n + WORKERS * 16, line.get(StepMetrics.BROADCAST_BYTES));
        assertEquals(WORKERS * (4 * n + 8 * n), line.get(StepMetrics.RETURN_BYTES));
        assertTrue(line.containsKey("broadcast_seconds") && line.containsKey("overhead_share"), "existing keys stay");
        Run bf16 = train(config("distributed.payload=bfloat16", "distributed.optimizer-state=local"), null, 4);
        // Each worker's own moments go out; the changes come back in 2 bytes a value.
        Map<String, Object> second = bf16.driver().lines.get(1);
        assertEquals(4 * n + WORKERS * 8 * n + WORKERS * 16, second.get(StepMetrics.BROADCAST_BYTES));
        assertEquals(WORKERS * (2 * n + 8 * n), second.get(StepMetrics.RETURN_BYTES));
    }

    @Test
    void aResumedNesterovRunEndsAsAnUnbrokenOne() throws IOException {
        ElectraConfig config = config("distributed.outer-optimizer=nesterov", "distributed.payload=bfloat16",
                "distributed.optimizer-state=local");
        RunState unbroken = train(config, null, Long.MAX_VALUE).end();
        Run first = train(config, null, 4);
        assertEquals(4, first.end().step());
        TrainingState saved = first.driver().checkpoints.get(first.driver().checkpoints.size() - 1);
        assertEquals(saved.params().length, saved.outerMomentum().length, "the checkpoint holds the outer momentum");
        assertTrue(java.util.stream.IntStream.range(0, saved.outerMomentum().length)
                .anyMatch(i -> saved.outerMomentum()[i] != 0), "and it is not zero after two rounds");
        RunState resumed = train(config, RunState.resume(saved, config, saved.params().length), Long.MAX_VALUE).end();
        assertArrayEquals(unbroken.params(), resumed.params());
        assertArrayEquals(unbroken.outerMomentum(), resumed.outerMomentum());
        assertArrayEquals(unbroken.moments().get(1)[1], resumed.moments().get(1)[1]);
        float[] averaged = train(config(), null, Long.MAX_VALUE).end().params();
        boolean differs = false;
        for (int i = 0; i < averaged.length && !differs; i++) {
            differs = averaged[i] != unbroken.params()[i];
        }
        assertTrue(differs, "nesterov at 0.7 and 0.9 trains another run than averaging");
    }
}
