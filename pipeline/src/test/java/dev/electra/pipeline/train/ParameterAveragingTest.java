package dev.electra.pipeline.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.electra.pipeline.checkpoint.ParameterLayout;
import dev.electra.pipeline.config.ConfigLoader;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.distributed.WorkerPayload;
import dev.electra.pipeline.errors.JobError;
import dev.electra.pipeline.model.ElectraModel;
import dev.electra.pipeline.model.ParameterSpec;
import dev.electra.pipeline.packing.PackedExample;
import dev.electra.pipeline.train.ParameterAveraging.DataPosition;
import dev.electra.pipeline.train.ParameterAveraging.RoundResult;
import dev.electra.pipeline.train.ParameterAveraging.RoundStart;
import dev.electra.pipeline.train.ParameterAveraging.Sum;
import dev.electra.pipeline.train.ParameterAveraging.WorkerResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ParameterAveragingTest {
    private static final int VOCAB = 60;
    private static final int LENGTH = 24;
    private static final int BATCH = 4;
    private static final Pretraining.SpecialIds IDS = new Pretraining.SpecialIds(0, 2, 3, 4);

    private static StepMetrics metrics(long step, long tokens, double loss) {
        return new StepMetrics(step, 1e-3, loss, Map.of(), Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, Double.NaN, Double.NaN, Double.NaN, loss, Double.NaN, 1.0, tokens, 0.5);
    }

    private static WorkerResult result(int worker, long examples, float[] p, float[] m, float[] v) {
        return new WorkerResult(worker, examples, new WorkerPayload(p, null), m, v, List.of(metrics(8, examples * 10, worker + 1.0)),
                new DataPosition(0, examples), 1.0);
    }

    @Test
    void averagesAreWeightedByExamplesAndIndependentOfMergeOrder() {
        WorkerResult a = result(0, 1, new float[] {1, 2}, new float[] {0, 4}, new float[] {1, 1});
        WorkerResult b = result(1, 3, new float[] {4, 8}, new float[] {4, 0}, new float[] {5, 9});
        WorkerResult c = result(2, 4, new float[] {-1, 0}, new float[] {1, 1}, new float[] {0, 0});
        RoundResult leftToRight = new Sum(true).add(a).merge(new Sum(true)
                .add(b).merge(new Sum(true).add(c))).finish(3);
        RoundResult rightToLeft = new Sum(true).add(c).add(a)
                .merge(new Sum(true).add(b)).finish(3);
        // (1·1 + 3·4 + 4·(−1)) / 8 = 9/8, (1·2 + 3·8 + 0) / 8 = 26/8.
        assertArrayEquals(new float[] {9f / 8, 26f / 8}, leftToRight.mean().meanAsFloat());
        assertArrayEquals(new float[] {(0 + 12 + 4) / 8f, (4 + 0 + 4) / 8f}, leftToRight.moments().get(0)[0]);
        assertArrayEquals(new float[] {(1 + 15) / 8f, (1 + 27) / 8f}, leftToRight.moments().get(0)[1]);
        assertArrayEquals(leftToRight.mean().meanAsFloat(), rightToLeft.mean().meanAsFloat());
        assertEquals(3, leftToRight.workers().size());
        assertEquals(List.of(0, 1, 2), leftToRight.workers().stream().map(w -> w.worker()).toList());
        // Loss weighted by tokens (10 per example): (1·10 + 2·30 + 3·40) / 80.
        assertEquals(190.0 / 80, leftToRight.stepMeans().get(0).totalLoss(), 1e-12);
    }

    @Test
    void localOptimizerStateStaysWithItsWorker() {
        WorkerResult a = result(0, 2, new float[] {1}, new float[] {7}, new float[] {8});
        WorkerResult b = result(1, 2, new float[] {3}, new float[] {5}, new float[] {6});
        RoundResult r = new Sum(false).add(b).merge(new Sum(false).add(a)).finish(2);
        assertArrayEquals(new float[] {2}, r.mean().meanAsFloat());
        assertEquals(2, r.moments().size());
        assertArrayEquals(new float[] {7}, r.moments().get(0)[0]);
        assertArrayEquals(new float[] {6}, r.moments().get(1)[1]);
    }

    @Test
    void aMissingOrDuplicatedWorkerIsAnError() {
        WorkerResult a = result(0, 2, new float[] {1}, new float[] {7}, new float[] {8});
        assertThrows(IllegalStateException.class, () -> new Sum(true).add(a).finish(2));
        assertThrows(IllegalStateException.class,
                () -> new Sum(true).add(a).merge(new Sum(true).add(a)));
    }

    private static ElectraConfig config(String optimizer) {
        return ConfigLoader.load(List.of("tiny"), List.of("model.embedding-size=16", "model.hidden-size=16",
                "model.ffn-size=32", "model.layers=1", "model.heads=2", "model.max-positions=" + LENGTH,
                "pretrain.optimizer=" + optimizer, "pretrain.clip-norm=1e9", "pretrain.batch-size=" + BATCH,
                "pretrain.learning-rate=0.05", "pretrain.warmup-steps=0", "pretrain.steps=100",
                "distributed.workers=2", "distributed.averaging-frequency=1"));
    }

    /** Full-length examples: every row then has the same number of tokens and of masked positions. */
    private static List<PackedExample> examples(int count, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<PackedExample> out = new ArrayList<>();
        for (int e = 0; e < count; e++) {
            int[] ids = new int[LENGTH];
            byte[] segments = new byte[LENGTH];
            ids[0] = IDS.cls();
            for (int t = 1; t < LENGTH - 1; t++) {
                ids[t] = r.nextInt(5, VOCAB);
                segments[t] = (byte) (t < LENGTH / 2 ? 0 : 1);
            }
            ids[LENGTH - 1] = IDS.sep();
            segments[LENGTH - 1] = 1;
            out.add(new PackedExample(ids, segments));
        }
        return out;
    }

    @Test
    void twoWorkersAtAveragingFrequencyOneEqualOneWorkerWithTheDoubledBatch() {
        ElectraConfig config = config("sgd");
        List<List<PackedExample>> shards = List.of(examples(8, 1), examples(8, 2));
        ElectraModel workerModel = Pretraining.model(config, VOCAB, LENGTH);
        ElectraModel single = Pretraining.model(config, VOCAB, LENGTH);
        float[] initial = single.flatParameters();
        Trainer reference = Pretraining.trainer(config, single, IDS);
        List<ExampleStream> streams = List.of(
                new ExampleStream(shards.get(0), ParameterAveraging.streamSeed(config.seed(), 0), 0, 0),
                new ExampleStream(shards.get(1), ParameterAveraging.streamSeed(config.seed(), 1), 0, 0));

        float[] params = initial;
        List<DataPosition> positions = List.of(new DataPosition(0, 0), new DataPosition(0, 0));
        float[][] none = Pretraining.initialMoments(config, workerModel);
        for (int round = 0; round < 3; round++) {
            RoundStart start = new RoundStart(round, 1, params, List.<float[][]>of(none), positions,
                    ParameterLayout.of(workerModel.parameters()), true);
            Sum sum = new Sum(true);
            for (int w = 0; w < 2; w++) {
                sum.add(ParameterAveraging.workerRound(config, workerModel, IDS, shards.get(w), start, w,
                        ParameterAveraging.StepListener.NONE));
            }
            RoundResult r = sum.finish(2);
            params = r.mean().meanAsFloat();
            positions = r.positions();

            List<PackedExample> doubled = new ArrayList<>(streams.get(0).next(BATCH));
            doubled.addAll(streams.get(1).next(BATCH));
            reference.step(doubled, round, 0);
        }
        float[] expected = single.flatParameters();
        double maxDiff = 0;
        double maxMove = 0;
        String worst = "";
        for (int i = 0; i < params.length; i++) {
            double diff = Math.abs(params[i] - expected[i]) / (1 + Math.abs(expected[i]));
            if (diff > maxDiff) {
                worst = "parameter " + i + ": " + params[i] + " vs " + expected[i];
            }
            maxDiff = Math.max(maxDiff, diff);
            maxMove = Math.max(maxMove, Math.abs(expected[i] - initial[i]));
        }
        assertTrue(maxMove > 1e-2, "three SGD steps moved the parameters (max " + maxMove + ")");
        assertTrue(maxDiff < 1e-5, "2 workers × batch 4 vs 1 worker × batch 8: max relative difference " + maxDiff
                + " (" + worst + ")");
        assertEquals(new DataPosition(1, 3L * BATCH - 8), positions.get(1), "12 of 8 examples: one pass and 4");
    }

    @Test
    void aWorkersRoundIsAPureFunctionOfItsInputs() {
        ElectraConfig config = config("adamw");
        ElectraModel model = Pretraining.model(config, VOCAB, LENGTH);
        float[] params = model.flatParameters();
        float[][] moments = Pretraining.initialMoments(config, model);
        RoundStart start = new RoundStart(10, 2, params.clone(), List.<float[][]>of(moments),
                List.of(new DataPosition(0, 0), new DataPosition(1, 5)), ParameterLayout.of(model.parameters()), true);
        List<PackedExample> data = examples(6, 3);
        WorkerResult first = ParameterAveraging.workerRound(config, model, IDS, data, start, 1,
                ParameterAveraging.StepListener.NONE);
        WorkerResult again = ParameterAveraging.workerRound(config, model, IDS, data, start, 1,
                ParameterAveraging.StepListener.NONE);
        assertArrayEquals(first.payload().parameters(), again.payload().parameters(),
                "a re-run task returns the same parameters");
        assertArrayEquals(first.v(), again.v());
        assertArrayEquals(params, start.params(), "the broadcast parameters are not modified");
        assertEquals(0f, start.moments().get(0)[0][0], "the broadcast moments are not modified");
        assertEquals(new DataPosition(3, 1), first.position(), "epoch 1 at 5 of 6, then 2×4 examples: 1 + 6 + 1");
        assertEquals(12, first.metrics().get(1).step());
    }

    @Test
    void aWorkerRefusesParametersLaidOutForAnotherModel() {
        ElectraConfig config = config("adamw");
        ElectraModel model = Pretraining.model(config, VOCAB, LENGTH);
        List<ParameterSpec> specs = new ArrayList<>(model.parameters());
        java.util.Collections.swap(specs, 1, 2);
        List<ParameterLayout.Tensor> reordered = new ArrayList<>();
        long offset = 0;
        for (ParameterSpec p : specs) {
            reordered.add(new ParameterLayout.Tensor(p.name(), p.shape(), offset));
            offset += p.length();
        }
        RoundStart start = new RoundStart(0, 1, model.flatParameters(), List.<float[][]>of(
                Pretraining.initialMoments(config, model)), List.of(new DataPosition(0, 0), new DataPosition(0, 0)),
                new ParameterLayout(reordered), true);
        JobError e = assertThrows(JobError.class, () -> ParameterAveraging.workerRound(config, model, IDS,
                examples(6, 3), start, 0, ParameterAveraging.StepListener.NONE));
        assertTrue(e.getMessage().contains("worker 0") && e.getMessage().contains(specs.get(1).name()),
                e.getMessage());
    }
}
