package dev.electra.pipeline.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class ObjectiveTest {
    static final double TOLERANCE = 1e-9;

    @ParameterizedTest
    @EnumSource(Objective.class)
    void lossIsTheObjectivesWeightedSumOfItsParts(Objective objective) {
        ElectraModel model = ElectraModel.build(TinyData.config(0.1, 0.02), objective, new LossWeights(2.0, 50.0),
                SamplingConfig.paper(), DataType.DOUBLE, 21);
        Map<String, INDArray> ph = model.placeholders(TinyData.batch(), 9, 0, true);
        ForwardResult r = model.forward(ph);
        assertTrue(Double.isFinite(r.totalLoss()), r.toString());
        // the objective's definition from the per-network losses (each computed by its own head), not the terms' sum
        double expected = (objective.hasGenerator() ? 2.0 * r.generatorLoss() : 0)
                + (objective.hasDiscriminator() ? 50.0 * r.discriminatorLoss() : r.mainLoss());
        assertEquals(expected, r.totalLoss(), 1e-7 * Math.max(1, expected));
        assertEquals(model.totalLoss(ph), r.totalLoss(), 1e-7 * Math.max(1, expected),
                "the graph's own loss variables give the same total");
        if (objective.hasGenerator()) {
            // MEAN_BY_NONZERO_WEIGHT_COUNT with weights gen-weight × slot weight = gen-weight × mean over the
            // 3 real slots (the padding slot has weight 0).
            assertEquals(2.0 * r.generatorLoss(), r.lossTerms().get(ElectraModel.LOSS_GENERATOR), TOLERANCE);
            assertTrue(r.generatorLoss() > 0 && Double.isFinite(r.generatorAccuracy()));
        } else {
            assertTrue(Double.isNaN(r.generatorLoss()));
        }
        if (!objective.hasDiscriminator()) {
            assertEquals(r.mainLoss(), r.lossTerms().get(ElectraModel.LOSS_MAIN), TOLERANCE);
        }
    }

    /** electra averages over the 11 real tokens, electra-15 over the 3 chosen: both checked by hand. */
    @Test
    void discriminatorLossesAverageOverTheirTokenSets() {
        for (Objective objective : new Objective[] {Objective.ELECTRA, Objective.ELECTRA_15}) {
            ElectraModel model = ElectraModel.build(TinyData.config(0.0, 0.3), objective, LossWeights.paper(),
                    SamplingConfig.paper(), DataType.DOUBLE, 22);
            ForwardResult r = model.forward(model.placeholders(TinyData.batch(), 9, 0, false));
            INDArray weights = objective == Objective.ELECTRA ? r.attentionMask() : r.chosen();
            double sum = 0;
            double count = 0;
            for (int b = 0; b < 2; b++) {
                for (int t = 0; t < 6; t++) {
                    if (weights.getDouble(b, t) == 0) {
                        continue;
                    }
                    double p = r.discriminatorProbabilities().getDouble(b, t);
                    double y = r.replaced().getDouble(b, t);
                    sum += -(y * Math.log(p) + (1 - y) * Math.log(1 - p));
                    count++;
                }
            }
            assertEquals(objective == Objective.ELECTRA ? 11 : 3, count);
            assertEquals(sum / count, r.discriminatorLoss(), 1e-9);
            assertEquals(50.0 * sum / count, r.lossTerms().get(ElectraModel.LOSS_DISCRIMINATOR), 1e-7);
        }
    }

    /**
     * With the output bias of token 11 at +1000 the generator always samples 11. Chosen positions: [0][2]
     * (original 11: a correct sample, label 0), [0][3] (original 9: label 1) and [1][2] (original 13: label 1).
     * With disallow-correct, [0][2] must be replaced by something else (label 1).
     */
    @Test
    void labelsAreChosenAndSampleDiffers() {
        int[][] original = {{2, 7, 11, 9, 3, 0}, {2, 5, 13, 3, 17, 3}};
        int[][] input = {{2, 7, TinyData.MASK, 9, 3, 0}, {2, 5, TinyData.MASK, 3, 17, 3}};
        int[][] segments = new int[2][6];
        int[][] mask = {{1, 1, 1, 1, 1, 0}, {1, 1, 1, 1, 1, 1}};
        ModelInput in = new ModelInput(input, original, segments, mask, new int[][] {{2, 3}, {2, 0}},
                new float[][] {{1, 1}, {1, 0}});
        for (boolean disallow : new boolean[] {false, true}) {
            ElectraModel model = ElectraModel.build(TinyData.config(0.0, 0.02), Objective.ELECTRA,
                    LossWeights.paper(), new SamplingConfig(1.0, disallow), DataType.DOUBLE, 23);
            model.parameter("generator/mlm_head/output_bias").putScalar(11, 1000.0);
            ForwardResult r = model.forward(model.placeholders(in, 5, 0, false));
            double[][] labels = r.replaced().toDoubleMatrix();
            int[][] sampled = r.sampledIds().toIntMatrix();
            if (disallow) {
                assertTrue(sampled[0][0] != 11, "disallowed original sampled");
            } else {
                assertEquals(11, sampled[0][0]);
            }
            assertEquals(11, sampled[0][1]);
            assertEquals(11, sampled[1][0]);
            double[][] expected = {{0, 0, disallow ? 1 : 0, 1, 0, 0}, {0, 0, 1, 0, 0, 0}};
            for (int b = 0; b < 2; b++) {
                assertEquals(java.util.Arrays.toString(expected[b]), java.util.Arrays.toString(labels[b]));
            }
        }
    }

    /** With gen-weight 0 the discriminator loss leaves every generator-only gradient exactly zero. */
    @Test
    void noGradientReachesTheGeneratorFromTheDiscriminator() {
        ElectraModel model = ElectraModel.build(TinyData.config(0.0, 0.3), Objective.ELECTRA,
                new LossWeights(0.0, 50.0), SamplingConfig.paper(), DataType.DOUBLE, 24);
        Map<String, INDArray> ph = model.placeholders(TinyData.batch(), 9, 0, false);
        StepResult step = model.gradients(ph);
        assertEquals(0.0, step.outputs().lossTerms().get(ElectraModel.LOSS_GENERATOR), 0.0);
        double generatorMax = 0;
        double mainNorm = 0;
        for (ParameterSpec p : model.parameters()) {
            INDArray g = step.gradients().get(p.name());
            assertTrue(Double.isFinite(g.sumNumber().doubleValue()), p.name());
            if (p.owner() == ParameterSpec.Owner.GENERATOR) {
                generatorMax = Math.max(generatorMax, g.amaxNumber().doubleValue());
            } else if (p.owner() == ParameterSpec.Owner.MAIN) {
                mainNorm += g.norm2Number().doubleValue();
            }
        }
        assertEquals(0.0, generatorMax, 0.0);
        assertTrue(mainNorm > 1e-3, "discriminator gradient norm " + mainNorm);
    }
}
