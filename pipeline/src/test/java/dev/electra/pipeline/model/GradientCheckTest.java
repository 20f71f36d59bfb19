package dev.electra.pipeline.model;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Double-precision numeric gradient checks of the whole graph, every element of every parameter, per objective.
 *
 * <p>Tolerances: with ε = 1e-6 in double the central difference has a truncation error O(ε²·f''') ≈ 1e-12 and a
 * rounding error δf/ε, measured at ≤ 2.5e-10·|f| here (≈ 1e-8 for the electra loss of ~40, which disc-weight 50
 * inflates). A gradient above ~1e-3 is therefore checked to a relative 1e-5; an element whose analytic and numeric
 * values differ by less than 1e-9·max(1, |f|) (4× the measured rounding error) passes regardless, since its
 * relative error is rounding noise. The printed maximum relative error is over elements with |gradient| > 1e-3.
 */
class GradientCheckTest {
    static final double EPS = 1e-6;
    static final double MAX_RELATIVE_ERROR = 1e-5;
    static final double FLOOR_PER_LOSS = 1e-9;

    /** Initialisation wider than BERT's 0.02 so GELU, softmax and LayerNorm work away from their linear region. */
    static final double INIT_RANGE = 0.3;

    @ParameterizedTest
    @EnumSource(Objective.class)
    void everyParameterMatchesCentralDifferences(Objective objective) {
        ElectraModel model = ElectraModel.build(TinyData.config(0.0, INIT_RANGE), objective, LossWeights.paper(),
                SamplingConfig.paper(), DataType.DOUBLE, 11);
        Map<String, INDArray> ph = model.placeholders(TinyData.batch(), 3, 0, false);
        StepResult step = model.gradients(ph);
        GradientChecker.Result r = GradientChecker.check(model, ph, step.gradients(), EPS, MAX_RELATIVE_ERROR,
                FLOOR_PER_LOSS);
        System.out.printf("gradient check %-15s max relative error %.3e (%s[%d]: analytic %.6e numeric %.6e), "
                        + "max absolute error %.3e, %d elements, %d failures%n", objective, r.maxRelativeError(),
                r.worstParameter(), r.worstIndex(), r.worstAnalytic(), r.worstNumeric(), r.maxAbsoluteError(),
                r.checked(), r.failures());
        assertTrue(r.passed(), objective + ": " + r);
        assertTrue(r.checked() == model.parameterCount());
    }

    /** Dropout on with fixed masks (the step seed fixes them) is also a deterministic function to check. */
    @Test
    void electraWithFixedDropoutMasks() {
        ElectraModel model = ElectraModel.build(TinyData.config(0.1, INIT_RANGE), Objective.ELECTRA,
                LossWeights.paper(), new SamplingConfig(1.0, true), DataType.DOUBLE, 12);
        Map<String, INDArray> ph = model.placeholders(TinyData.batch(), 4, 0, true);
        GradientChecker.Result r = GradientChecker.check(model, ph, model.gradients(ph).gradients(), EPS,
                MAX_RELATIVE_ERROR, FLOOR_PER_LOSS);
        System.out.printf("gradient check electra+dropout+disallow max relative error %.3e, max absolute error "
                + "%.3e, %d failures%n", r.maxRelativeError(), r.maxAbsoluteError(), r.failures());
        assertTrue(r.passed(), r.toString());
    }

    /** The fine-tuning classifier (encoder + [CLS] head + softmax cross-entropy), with fixed dropout masks. */
    @ParameterizedTest
    @EnumSource(value = Objective.class, names = {"ELECTRA", "MLM"})
    void classifierMatchesCentralDifferences(Objective pretrained) {
        ElectraModel model = ElectraModel.classifier(TinyData.config(0.1, INIT_RANGE), pretrained, 3,
                DataType.DOUBLE, 14);
        ModelInput in = TinyData.batch();
        int[][] segments = in.segmentIds();
        Map<String, INDArray> ph = model.classifierPlaceholders(in.originalIds(), segments, new int[] {5, 6},
                new int[] {2, 0}, 5, 0, true);
        GradientChecker.Result r = GradientChecker.check(model, ph, model.classifierGradients(ph).gradients(), EPS,
                MAX_RELATIVE_ERROR, FLOOR_PER_LOSS);
        System.out.printf("gradient check classifier on %s encoder: max relative error %.3e, %d elements, "
                + "%d failures%n", pretrained, r.maxRelativeError(), r.checked(), r.failures());
        assertTrue(r.passed(), r.toString());
        assertTrue(r.checked() == model.parameterCount());
    }

    /** The regression head (one output, mean squared error), with fixed dropout masks. */
    @Test
    void regressorMatchesCentralDifferences() {
        ElectraModel model = ElectraModel.classifier(TinyData.config(0.1, INIT_RANGE), Objective.ELECTRA, 1,
                DataType.DOUBLE, 15);
        ModelInput in = TinyData.batch();
        Map<String, INDArray> ph = model.regressionPlaceholders(in.originalIds(), in.segmentIds(), new int[] {5, 6},
                new float[] {3.8f, 0.25f}, 5, 0, true);
        GradientChecker.Result r = GradientChecker.check(model, ph, model.classifierGradients(ph).gradients(), EPS,
                MAX_RELATIVE_ERROR, FLOOR_PER_LOSS);
        System.out.printf("gradient check regressor: max relative error %.3e, %d elements, %d failures%n",
                r.maxRelativeError(), r.checked(), r.failures());
        assertTrue(r.passed(), r.toString());
        assertTrue(r.checked() == model.parameterCount());
    }

    /** The checker can fail: doubling one parameter's analytic gradient is caught. */
    @Test
    void plantedErrorIsDetected() {
        ElectraModel model = ElectraModel.build(TinyData.config(0.0, INIT_RANGE), Objective.MLM,
                LossWeights.paper(), SamplingConfig.paper(), DataType.DOUBLE, 13);
        Map<String, INDArray> ph = model.placeholders(TinyData.batch(), 3, 0, false);
        Map<String, INDArray> planted = new LinkedHashMap<>(model.gradients(ph).gradients());
        String victim = "main/layer_1/ffn/intermediate/kernel";
        planted.put(victim, planted.get(victim).mul(2.0));
        GradientChecker.Result r = GradientChecker.check(model, ph, planted, EPS, MAX_RELATIVE_ERROR,
                FLOOR_PER_LOSS);
        System.out.printf("planted error: max relative error %.3e at %s, %d failures%n", r.maxRelativeError(),
                r.worstParameter(), r.failures());
        assertFalse(r.passed());
        assertTrue(r.worstParameter().equals(victim), r.toString());
    }
}
