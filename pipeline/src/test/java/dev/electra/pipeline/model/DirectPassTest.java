package dev.electra.pipeline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The hand-written pass ({@link ElectraModel#gradients}) against SameDiff's differentiation of the same graph
 * ({@link ElectraModel#graphGradients}): every loss term, metric output and parameter gradient, with dropout on
 * (fixed masks) so the masks' paths are compared too. Central differences over every parameter are
 * {@link GradientCheckTest}'s, which checks {@code gradients} itself.
 */
class DirectPassTest {
    @ParameterizedTest
    @EnumSource(Objective.class)
    void matchesTheGraphInDouble(Objective objective) {
        ElectraModel model = ElectraModel.build(TinyData.config(0.1, GradientCheckTest.INIT_RANGE), objective,
                LossWeights.paper(), new SamplingConfig(1.0, objective == Objective.REPLACE_MLM), DataType.DOUBLE, 21);
        Map<String, INDArray> ph = model.placeholders(TinyData.batch(), 7, 0, true);
        double worst = compare(model, ph, 1e-9);
        // the forward pass alone (held-out evaluation) gives the same outputs
        worst = Math.max(worst, compareOutputs(model.graphForward(ph), model.forward(ph), 1e-9));
        System.out.printf("direct pass vs graph, %-15s max relative difference %.3e%n", objective, worst);
    }

    @Test
    void matchesTheGraphInFloat() {
        ElectraModel model = ElectraModel.build(TinyData.config(0.1, 0.02), Objective.ELECTRA, LossWeights.paper(),
                SamplingConfig.paper(), DataType.FLOAT, 22);
        // float sums in another order differ by ~1e-7 here; a 1% error in one fused kernel moved this to 1.8e-4
        double worst = compare(model, model.placeholders(TinyData.batch(), 8, 0, true), 2e-5);
        System.out.printf("direct pass vs graph, float: max relative difference %.3e%n", worst);
    }

    /** A generator of one block under a discriminator of two (model.generator-layers = 1), against the graph. */
    @Test
    void aShallowerGenerator() {
        ModelConfig c = TinyData.config(0.1, GradientCheckTest.INIT_RANGE);
        ModelConfig shallow = new ModelConfig(c.vocabSize(), c.embeddingSize(), c.hiddenSize(), c.layers(), c.heads(),
                c.ffnSize(), c.maxPositions(), c.typeVocabSize(), c.dropout(), c.generatorFraction(), c.initRange(), 1);
        assertEquals(1, shallow.generator().layers());
        assertEquals(2, shallow.discriminator().layers());
        ElectraModel model = ElectraModel.build(shallow, Objective.ELECTRA, LossWeights.paper(), SamplingConfig.paper(),
                DataType.DOUBLE, 24);
        List<String> names = model.parameters().stream().map(ParameterSpec::name).toList();
        assertTrue(names.contains("generator/layer_0/ffn/output/kernel")
                && !names.contains("generator/layer_1/ffn/output/kernel")
                && names.contains("discriminator/layer_1/ffn/output/kernel"), names.toString());
        double worst = compare(model, model.placeholders(TinyData.batch(), 10, 0, true), 1e-9);
        System.out.printf("direct pass vs graph, one generator block: max relative difference %.3e%n", worst);
    }

    /** gen-weight 0 (a generator kept at its initialisation): no generator loss, no generator gradient. */
    @Test
    void zeroGeneratorWeight() {
        ElectraModel model = ElectraModel.build(TinyData.config(0.0, GradientCheckTest.INIT_RANGE),
                Objective.ELECTRA, new LossWeights(0.0, 50.0), SamplingConfig.paper(), DataType.DOUBLE, 23);
        Map<String, INDArray> ph = model.placeholders(TinyData.batch(), 9, 0, false);
        StepResult direct = model.gradients(ph);
        assertEquals(0.0, direct.outputs().lossTerms().get(ElectraModel.LOSS_GENERATOR), 0.0);
        assertEquals(0.0, direct.gradients().get("generator/layer_0/ffn/output/kernel").norm2Number().doubleValue(),
                0.0);
        compare(model, ph, 1e-9);
    }

    /** The fine-tuning classifier on either kind of pretrained encoder, dropout on, against the graph. */
    @ParameterizedTest
    @EnumSource(value = Objective.class, names = {"ELECTRA", "MLM"})
    void classifierMatchesTheGraph(Objective pretrained) {
        ElectraModel model = ElectraModel.classifier(TinyData.config(0.1, GradientCheckTest.INIT_RANGE), pretrained,
                3, DataType.DOUBLE, 24);
        ModelInput in = TinyData.batch();
        Map<String, INDArray> ph = model.classifierPlaceholders(in.originalIds(), in.segmentIds(), new int[] {5, 6},
                new int[] {2, 0}, 6, 0, true);
        ElectraModel.ClassifierStep direct = model.classifierGradients(ph);
        ElectraModel.ClassifierStep graph = model.graphClassifierGradients(ph);
        double worst = check("loss", graph.loss(), direct.loss(), 1e-9);
        worst = Math.max(worst, check("logits", graph.logits(), direct.logits(), 1e-9));
        worst = Math.max(worst, check("classify", graph.logits(), model.classify(ph), 1e-9));
        for (ParameterSpec p : model.parameters()) {
            worst = Math.max(worst, check(p.name(), graph.gradients().get(p.name()),
                    direct.gradients().get(p.name()), 1e-9));
        }
        System.out.printf("direct pass vs graph, classifier on %s: max relative difference %.3e%n", pretrained,
                worst);
    }

    /** The regression head: its squared-error loss and gradients against the graph's, and the loss by hand. */
    @Test
    void regressorMatchesTheGraph() {
        ElectraModel model = ElectraModel.classifier(TinyData.config(0.1, GradientCheckTest.INIT_RANGE),
                Objective.ELECTRA, 1, DataType.DOUBLE, 26);
        ModelInput in = TinyData.batch();
        float[] targets = {3.8f, 0.25f};
        Map<String, INDArray> ph = model.regressionPlaceholders(in.originalIds(), in.segmentIds(), new int[] {5, 6},
                targets, 6, 0, true);
        ElectraModel.ClassifierStep direct = model.classifierGradients(ph);
        ElectraModel.ClassifierStep graph = model.graphClassifierGradients(ph);
        assertArrayEquals(new long[] {2, 1}, direct.logits().shape());
        double[] y = direct.logits().reshape(-1).toDoubleVector();
        double byHand = ((y[0] - targets[0]) * (y[0] - targets[0]) + (y[1] - targets[1]) * (y[1] - targets[1])) / 2;
        assertEquals(byHand, direct.loss(), 1e-9 * byHand);
        double worst = check("loss", graph.loss(), direct.loss(), 1e-9);
        worst = Math.max(worst, check("logits", graph.logits(), direct.logits(), 1e-9));
        for (ParameterSpec p : model.parameters()) {
            worst = Math.max(worst, check(p.name(), graph.gradients().get(p.name()),
                    direct.gradients().get(p.name()), 1e-9));
        }
        System.out.printf("direct pass vs graph, regressor: max relative difference %.3e%n", worst);
        assertThrows(IllegalStateException.class, () -> model.classifierPlaceholders(in.originalIds(),
                in.segmentIds(), new int[] {5, 6}, new int[] {0, 1}, 6, 0, true));
    }

    /**
     * Results leave the reused workspace: a step's gradients and outputs are unchanged by the next step, which
     * reuses the same memory for its intermediates.
     */
    @Test
    void resultsSurviveTheNextStep() {
        ElectraModel model = ElectraModel.build(TinyData.config(0.1, GradientCheckTest.INIT_RANGE), Objective.ELECTRA,
                LossWeights.paper(), SamplingConfig.paper(), DataType.FLOAT, 25);
        StepResult first = model.gradients(model.placeholders(TinyData.batch(), 10, 0, true));
        float[] gradients = model.flatten(first.gradients());
        float[] probabilities = first.outputs().discriminatorProbabilities().dup().reshape(-1).toFloatVector();
        StepResult second = model.gradients(model.placeholders(TinyData.batch(), 11, 0, true));
        assertArrayEquals(gradients, model.flatten(first.gradients()));
        assertArrayEquals(probabilities, first.outputs().discriminatorProbabilities().reshape(-1).toFloatVector());
        assertTrue(!java.util.Arrays.equals(gradients, model.flatten(second.gradients())),
                "another step seed draws other masks and samples, so other gradients");
    }

    /** Largest relative difference over outputs and gradients; fails beyond {@code tolerance}. */
    static double compare(ElectraModel model, Map<String, INDArray> ph, double tolerance) {
        StepResult direct = model.gradients(ph);
        StepResult graph = model.graphGradients(ph);
        double worst = compareOutputs(graph.outputs(), direct.outputs(), tolerance);
        assertEquals(graph.gradients().keySet(), direct.gradients().keySet());
        for (ParameterSpec p : model.parameters()) {
            worst = Math.max(worst, check(p.name(), graph.gradients().get(p.name()), direct.gradients().get(p.name()),
                    tolerance));
        }
        return worst;
    }

    /** Largest relative difference over loss terms and metric outputs; fails beyond {@code tolerance}. */
    static double compareOutputs(ForwardResult g, ForwardResult d, double tolerance) {
        double worst = 0;
        assertEquals(g.lossTerms().keySet(), d.lossTerms().keySet());
        for (String term : g.lossTerms().keySet()) {
            worst = Math.max(worst, check(term, g.lossTerms().get(term), d.lossTerms().get(term), tolerance));
        }
        worst = Math.max(worst, check("total", g.totalLoss(), d.totalLoss(), tolerance));
        worst = Math.max(worst, check("generator loss", g.generatorLoss(), d.generatorLoss(), tolerance));
        worst = Math.max(worst, check("generator accuracy", g.generatorAccuracy(), d.generatorAccuracy(), 0));
        worst = Math.max(worst, check("discriminator loss", g.discriminatorLoss(), d.discriminatorLoss(), tolerance));
        worst = Math.max(worst, check("main loss", g.mainLoss(), d.mainLoss(), tolerance));
        worst = Math.max(worst, check("main accuracy", g.mainAccuracy(), d.mainAccuracy(), 0));
        if (g.sampledIds() != null) {
            assertArrayEquals(g.sampledIds().reshape(-1).toIntVector(), d.sampledIds().reshape(-1).toIntVector(),
                    "sampled ids");
            assertArrayEquals(g.replaced().reshape(-1).toDoubleVector(), d.replaced().reshape(-1).toDoubleVector(),
                    "replaced");
        }
        if (g.discriminatorProbabilities() != null) {
            worst = Math.max(worst, check("discriminator probabilities", g.discriminatorProbabilities(),
                    d.discriminatorProbabilities(), tolerance));
        }
        return worst;
    }

    private static double check(String what, double expected, double actual, double tolerance) {
        if (Double.isNaN(expected)) {
            assertTrue(Double.isNaN(actual), what + ": expected NaN, got " + actual);
            return 0;
        }
        double diff = Math.abs(expected - actual) / Math.max(1.0, Math.abs(expected));
        assertTrue(diff <= tolerance, what + ": graph " + expected + ", direct " + actual);
        return diff;
    }

    /** Max |a − b| relative to max(1, max |a|) over the elements. */
    static double check(String what, INDArray expected, INDArray actual, double tolerance) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        double scale = Math.max(1.0, expected.castTo(DataType.DOUBLE).amaxNumber().doubleValue());
        double diff = expected.castTo(DataType.DOUBLE).sub(actual.castTo(DataType.DOUBLE)).amaxNumber().doubleValue()
                / scale;
        assertTrue(diff <= tolerance, what + ": max difference " + diff + " relative to " + scale);
        return diff;
    }
}
