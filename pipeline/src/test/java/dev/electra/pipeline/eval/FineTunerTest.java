package dev.electra.pipeline.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.electra.pipeline.model.ElectraModel;
import dev.electra.pipeline.model.LossWeights;
import dev.electra.pipeline.model.ModelConfig;
import dev.electra.pipeline.model.Objective;
import dev.electra.pipeline.model.SamplingConfig;
import dev.electra.pipeline.train.AdamW;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** Fine-tuning learns a simple rule, reproducibly; the minimal-pair score is the share of pairs ranked right. */
class FineTunerTest {
    static final ModelConfig CONFIG = new ModelConfig(30, 16, 16, 1, 2, 32, 16, 2, 0.1, 0.5, 0.02);

    /** Label 1 when token 7 occurs: a rule the [CLS] head can only learn through attention. */
    static EncodedTask task(int train, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<int[][]> ids = new ArrayList<>();
        List<int[]> labels = new ArrayList<>();
        for (int size : new int[] {train, 100, 100}) {
            int[][] x = new int[size][];
            int[] y = new int[size];
            for (int i = 0; i < size; i++) {
                int len = 4 + r.nextInt(8);
                x[i] = new int[len + 2];
                x[i][0] = 2;
                y[i] = r.nextInt(2);
                for (int t = 1; t <= len; t++) {
                    int id;
                    do {
                        id = 5 + r.nextInt(25);
                    } while (id == 7);
                    x[i][t] = id;
                }
                if (y[i] == 1) {
                    x[i][1 + r.nextInt(len)] = 7;
                }
                x[i][len + 1] = 3;
            }
            ids.add(x);
            labels.add(y);
        }
        return new EncodedTask("has-seven", Task.Kind.CLASSIFICATION, Task.Metric.MCC, 2, ids, labels, null, 3);
    }

    @Test
    void layerwiseDecayGivesTheHeadTheFullRateAndEachLayerBelowOneMoreFactor() {
        assertEquals(1.0, FineTuner.rateFactor("classifier/output/kernel", 2, 0.8), 1e-15);
        assertEquals(0.8, FineTuner.rateFactor("discriminator/layer_1/ffn/ln/gain", 2, 0.8), 1e-15);
        assertEquals(0.64, FineTuner.rateFactor("main/layer_0/attention/query/bias", 2, 0.8), 1e-15);
        assertEquals(0.512, FineTuner.rateFactor("shared/word_embeddings", 2, 0.8), 1e-15);
        assertEquals(0.512, FineTuner.rateFactor("discriminator/embeddings_project/kernel", 2, 0.8), 1e-15);

        // Read back the rate each parameter got: one AdamW step from zero moments with a gradient of ones moves
        // every parameter by lr × factor × (1 − β1) / (√(1 − β2) + ε), whatever its place.
        ModelConfig deep = new ModelConfig(30, 8, 16, 3, 2, 32, 16, 2, 0.0, 0.5, 0.02);
        ElectraModel classifier = ElectraModel.classifier(deep, Objective.ELECTRA, 2, DataType.FLOAT, 1);
        float[] scale = FineTuner.rateScale(classifier.parameters(), deep.layers(), 0.8);
        AdamW.Settings noDecay = new AdamW.Settings(0.9, 0.999, 1e-6, 0.0);
        float[] p = new float[scale.length];
        float[] g = new float[scale.length];
        java.util.Arrays.fill(g, 1f);
        new AdamW(noDecay, classifier.weightDecayMask(), scale).step(p, g, 1e-3);
        double unit = 1e-3 * 0.1 / (Math.sqrt(0.001) + 1e-6);
        java.util.Set<Double> rates = new java.util.TreeSet<>();
        for (var spec : classifier.parameters()) {
            double got = -p[(int) spec.offset()] / unit;
            double depth = spec.name().startsWith("classifier/") ? 4 : spec.name().contains("/layer_")
                    ? Integer.parseInt(spec.name().replaceAll(".*/layer_(\\d+)/.*", "$1")) + 1 : 0;
            assertEquals(Math.pow(0.8, 4 - depth), got, 1e-5, spec.name());
            rates.add(Math.round(got * 1e4) / 1e4);
        }
        assertEquals(java.util.List.of(0.4096, 0.512, 0.64, 0.8, 1.0), java.util.List.copyOf(rates),
                "embeddings, layers 0–2, head");
    }

    @Test
    void aPairsSecondSentenceGetsSegmentOne() {
        ElectraModel classifier = ElectraModel.classifier(CONFIG, Objective.ELECTRA, 2, DataType.FLOAT, 1);
        EncodedTask pairs = new EncodedTask("p", Task.Kind.PAIR_CLASSIFICATION, Task.Metric.F1, 2, List.of(),
                List.of(), null, 3);
        int[][] x = {{2, 5, 6, 3, 7, 3}, {2, 8, 3, 9, 3}};
        var ph = FineTuner.placeholders(classifier, pairs, x, new double[] {0, 1}, new int[] {0, 1}, 0, false);
        assertEquals("[[0, 0, 0, 0, 1, 1], [0, 0, 0, 1, 1, 0]]",
                java.util.Arrays.deepToString(ph.get("segment_ids").reshape(2, 6).toIntMatrix()));
    }

    /** Six epochs of seed 1 from a fresh (not pretrained) encoder: batch 16, rate 3e-3, layer-wise decay 0.8. */
    private static FineTuner.Result sixEpochs(EncodedTask task) {
        ElectraModel pretrained = ElectraModel.build(CONFIG, Objective.ELECTRA, LossWeights.paper(),
                SamplingConfig.paper(), DataType.FLOAT, 5);
        FineTuner.Settings s = new FineTuner.Settings(6, 16, 3e-3, 0.1, AdamW.Settings.paper(), 1.0,
                dev.electra.pipeline.model.KernelMode.AUTO, 0.8);
        return FineTuner.run(CONFIG, Objective.ELECTRA, pretrained.flatParameters(), pretrained.parameters(), task, s,
                1);
    }

    @Test
    void learnsARuleAndIsReproducible() {
        EncodedTask task = task(400, 1);
        FineTuner.Result a = sixEpochs(task);
        FineTuner.Result b = sixEpochs(task);
        System.out.printf("fine-tuning a 'contains token 7' rule: dev MCC %.3f, test MCC %.3f in %.1f s%n", a.dev(),
                a.test(), a.seconds());
        assertTrue(a.test() > 0.8, "test MCC " + a.test());
        // The curve that shows the head learned more than the label prior: one entry per epoch, the last epoch's
        // training accuracy well above the majority share, both labels predicted.
        assertEquals(6, a.trainLoss().length);
        assertEquals(6, a.trainFit().length);
        assertTrue(a.trainFit()[5] > a.majorityShare() + 0.2, java.util.Arrays.toString(a.trainFit()));
        assertTrue(a.trainLoss()[5] < a.trainLoss()[0], java.util.Arrays.toString(a.trainLoss()));
        assertEquals(2, a.testClassesPredicted());
        assertTrue(!a.collapsed());
        assertEquals(a.test(), b.test(), "same seed, same result");
        assertEquals(a.dev(), b.dev());
    }

    /** Score = 1.5 × the number of 7s (0 to 3): a regression the head learns only through attention. */
    static EncodedTask countingTask(int train, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<int[][]> ids = new ArrayList<>();
        List<int[]> labels = new ArrayList<>();
        List<float[]> values = new ArrayList<>();
        for (int size : new int[] {train, 100, 100}) {
            int[][] x = new int[size][];
            float[] v = new float[size];
            for (int i = 0; i < size; i++) {
                int len = 6 + r.nextInt(6);
                x[i] = new int[len + 2];
                x[i][0] = 2;
                for (int t = 1; t <= len; t++) {
                    x[i][t] = 8 + r.nextInt(22);
                }
                int sevens = r.nextInt(4);
                for (int k = 0; k < sevens; k++) {
                    x[i][1 + k * 2] = 7;
                }
                x[i][len + 1] = 3;
                v[i] = 1.5f * sevens;
            }
            ids.add(x);
            labels.add(new int[size]);
            values.add(v);
        }
        return new EncodedTask("count-sevens", Task.Kind.REGRESSION, Task.Metric.SPEARMAN, 1, ids, labels, null, 3,
                values, List.of());
    }

    @Test
    void learnsARegressionWithSpearmanAndPearsonBeside() {
        FineTuner.Result a = sixEpochs(countingTask(400, 2));
        System.out.printf("fine-tuning a regression (1.5 × count of 7s): test Spearman %.3f, Pearson %.3f, "
                + "train Pearson per epoch %s%n", a.test(), a.testCompanion(), java.util.Arrays.toString(a.trainFit()));
        assertTrue(a.test() > 0.8, "test Spearman " + a.test());
        assertTrue(a.testCompanion() > 0.8, "test Pearson " + a.testCompanion());
        assertTrue(a.trainFit()[5] > a.trainFit()[0], java.util.Arrays.toString(a.trainFit()));
        assertTrue(Double.isNaN(a.majorityShare()), "a regression has no majority label");
        assertTrue(a.testClassesPredicted() > 10 && !a.collapsed());
        assertEquals(1, FineTuner.distinctPredictions(true, new double[] {0, 1.5, 3}, new double[] {1.5, 1.5001,
                1.4999}), "a regressor predicting the mean score has collapsed");
    }

    @Test
    void majorityShareAndCollapse() {
        assertEquals(0.6, FineTuner.majorityShare(new int[] {2, 0, 2, 1, 2}, 3), 1e-12);
        FineTuner.Result oneLabel = new FineTuner.Result("t", 1, Task.Metric.ACCURACY, 0.5, 0.5, 10, 1.0,
                new double[] {0.69}, new double[] {0.5}, 0.5, 1, 0.5);
        assertTrue(oneLabel.collapsed(), "a classifier that predicts one label has learned only the prior");
    }

    @Test
    void minimalPairsCountsThePairsWhereTheIncorrectScoresHigher() {
        ElectraModel pretrained = ElectraModel.build(CONFIG, Objective.ELECTRA, LossWeights.paper(),
                SamplingConfig.paper(), DataType.FLOAT, 5);
        int[][] good = {{2, 10, 11, 3}, {2, 12, 3}};
        int[][] bad = {{2, 10, 11, 3}, {2, 12, 13, 14, 15, 16, 17, 18, 3}};
        double[] goodMass = MinimalPairs.replacedMass(pretrained, good, 2);
        double[] badMass = MinimalPairs.replacedMass(pretrained, bad, 2);
        assertEquals(goodMass[0], badMass[0], 1e-6, "the same sentence scores the same in any batch");
        EncodedTask pairs = new EncodedTask("pairs", Task.Kind.PAIRS, Task.Metric.ACCURACY, 0,
                List.of(new int[0][], new int[0][], good), List.of(new int[0], new int[0], new int[] {-1, -1}), bad, 3);
        // Pair 0 ties (half a point); pair 1's incorrect sentence has 7 more tokens, so more replaced mass.
        double expected = (0.5 + (badMass[1] > goodMass[1] ? 1 : 0)) / 2;
        assertEquals(expected, MinimalPairs.accuracy(pretrained, pairs, 2), 1e-12);
        assertTrue(badMass[1] > goodMass[1], "a sum over more tokens of probabilities near 0.5");
    }
}
