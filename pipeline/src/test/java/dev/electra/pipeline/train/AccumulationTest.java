package dev.electra.pipeline.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.electra.pipeline.config.ConfigException;
import dev.electra.pipeline.config.ConfigLoader;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.model.ElectraModel;
import dev.electra.pipeline.packing.PackedExample;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

/**
 * Gradient accumulation ({@code pretrain.accumulation-steps}): a step of 16 sequences computed as 2 micro-batches of
 * 8 gives the update of the 16 in one pass, with masking, dropout and sampling noise as in the one pass, for every
 * objective, on rows of different lengths (so the micro-batches differ in tokens and chosen positions, and their
 * losses must be weighted by their share of the batch's positions, not averaged).
 */
class AccumulationTest {
    private static final int VOCAB = 60;
    private static final int LENGTH = 24;
    private static final int BATCH = 16;
    private static final Pretraining.SpecialIds IDS = new Pretraining.SpecialIds(0, 2, 3, 4);

    private static ElectraConfig config(String objective, String optimizer, int accumulation) {
        return config(objective, optimizer, accumulation, "auto");
    }

    private static ElectraConfig config(String objective, String optimizer, int accumulation, String kernels) {
        return ConfigLoader.load(List.of("tiny"), List.of("model.kernels=" + kernels,
                "model.embedding-size=16", "model.hidden-size=16",
                "model.ffn-size=32", "model.layers=1", "model.heads=2", "model.max-positions=" + LENGTH,
                "pretrain.objective=" + objective, "pretrain.optimizer=" + optimizer, "pretrain.clip-norm=1e9",
                "pretrain.batch-size=" + BATCH, "pretrain.accumulation-steps=" + accumulation,
                "pretrain.learning-rate=0.05", "pretrain.warmup-steps=0", "pretrain.steps=100"));
    }

    /** Examples of 6 to 24 tokens: the two halves of a batch differ in tokens and in chosen positions. */
    private static List<PackedExample> examples(int count, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<PackedExample> out = new ArrayList<>();
        for (int e = 0; e < count; e++) {
            int length = e < count / 2 ? r.nextInt(6, 12) : r.nextInt(12, LENGTH + 1);
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

    /** Two steps of one worker (rows from 16 on, as worker 1) with the whole batch and with 2 micro-batches. */
    private static void compare(String objective, String kernels) {
        ElectraConfig whole = config(objective, "sgd", 1, kernels);
        ElectraConfig split = config(objective, "sgd", 2, kernels);
        ElectraModel one = Pretraining.model(whole, VOCAB, LENGTH);
        ElectraModel two = Pretraining.model(split, VOCAB, LENGTH);
        float[] initial = one.flatParameters();
        Trainer onePass = Pretraining.trainer(whole, one, IDS);
        Trainer accumulated = Pretraining.trainer(split, two, IDS);
        for (int step = 0; step < 2; step++) {
            List<PackedExample> batch = examples(BATCH, step + 1);
            StepMetrics a = onePass.step(batch, step, BATCH);
            StepMetrics b = accumulated.step(batch, step, BATCH);
            assertEquals(a.totalLoss(), b.totalLoss(), 1e-5 * Math.abs(a.totalLoss()), objective + ": the step's loss");
            assertEquals(a.gradientNorm(), b.gradientNorm(), 1e-5 * a.gradientNorm(), objective + ": gradient norm");
            assertEquals(a.tokens(), b.tokens());
            a.lossTerms().forEach((name, value) -> assertEquals(value, b.lossTerms().get(name),
                    1e-5 * Math.abs(value), objective + ": " + name));
        }
        float[] expected = one.flatParameters();
        float[] actual = two.flatParameters();
        double maxDiff = 0;
        double maxMove = 0;
        for (int i = 0; i < expected.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]) / (1 + Math.abs(expected[i])));
            maxMove = Math.max(maxMove, Math.abs(expected[i] - initial[i]));
        }
        assertTrue(maxMove > 1e-3, objective + ": two SGD steps moved the parameters (max " + maxMove + ")");
        assertTrue(maxDiff < 1e-6, objective + ": 2 micro-batches of 8 vs one batch of 16, max relative difference "
                + maxDiff);
    }

    @Test
    void twoMicroBatchesOfEightGiveTheUpdateOfOneBatchOfSixteen() {
        for (String objective : List.of("electra", "electra-15", "replace-mlm", "all-tokens-mlm", "mlm")) {
            compare(objective, "auto");
        }
    }

    /** The same through SameDiff's graph (the GPU backend's path), where the shares are placeholders of the graph. */
    @Test
    void andSoInTheGraph() {
        compare("electra", "graph");
        compare("all-tokens-mlm", "graph");
    }

    /** With AdamW: the moments after one step (linear and quadratic in the gradient) agree. */
    @Test
    void adamsMomentsSeeTheSameGradient() {
        ElectraConfig whole = config("electra", "adamw", 1);
        ElectraConfig split = config("electra", "adamw", 4);
        ElectraModel one = Pretraining.model(whole, VOCAB, LENGTH);
        ElectraModel four = Pretraining.model(split, VOCAB, LENGTH);
        Trainer onePass = Pretraining.trainer(whole, one, IDS);
        Trainer accumulated = Pretraining.trainer(split, four, IDS);
        List<PackedExample> batch = examples(BATCH, 7);
        onePass.step(batch, 0, 0);
        accumulated.step(batch, 0, 0);
        float[] m1 = onePass.optimizer().firstMoment();
        float[] m4 = accumulated.optimizer().firstMoment();
        double scale = 0;
        double maxDiff = 0;
        for (int i = 0; i < m1.length; i++) {
            scale = Math.max(scale, Math.abs(m1[i]));
            maxDiff = Math.max(maxDiff, Math.abs(m1[i] - m4[i]));
        }
        assertTrue(scale > 0 && maxDiff < 1e-5 * scale, "first moments: max difference " + maxDiff + " of " + scale);
    }

    @Test
    void theBatchMustSplitIntoEqualMicroBatches() {
        ConfigException e = Assertions.assertThrows(ConfigException.class, () -> config("electra", "adamw", 3));
        assertTrue(e.getMessage().contains("pretrain.batch-size (16) must be a multiple of "
                + "pretrain.accumulation-steps (3)"), e.getMessage());
        assertEquals(8, config("electra", "adamw", 2).pretrain().microBatchSize());
    }
}
