package dev.electra.pipeline.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.electra.pipeline.config.ConfigLoader;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.model.ElectraModel;
import dev.electra.pipeline.model.ParameterSpec;
import dev.electra.pipeline.model.ParameterSpec.Kind;
import dev.electra.pipeline.model.ParameterSpec.Owner;
import java.util.List;
import org.junit.jupiter.api.Test;

class LambTest {
    private static final double B1 = 0.9;
    private static final double B2 = 0.999;
    private static final double EPS = 1e-6;
    private static final double WD = 0.01;
    private static final double LR = 0.1;
    private static final AdamW.Settings SETTINGS = new AdamW.Settings(B1, B2, EPS, WD);

    /** A kernel [2] (decayed), a LayerNorm gain [1] (not decayed) and a bias [2] at zero (not decayed). */
    private static final List<ParameterSpec> LAYOUT = List.of(
            new ParameterSpec("layer/kernel", new long[] {2}, 0, Owner.MAIN, Kind.KERNEL),
            new ParameterSpec("layer/LayerNorm/gamma", new long[] {1}, 2, Owner.MAIN, Kind.LAYER_NORM_GAIN),
            new ParameterSpec("layer/bias", new long[] {2}, 3, Owner.MAIN, Kind.BIAS));

    /** One coordinate's r = m̂/(√v̂ + ε) (+ λθ where decayed) at update t, moments updated from m0, v0 by g. */
    private static double r(double m0, double v0, double g, double theta, boolean decay, int t) {
        double m = B1 * m0 + (1 - B1) * g;
        double v = B2 * v0 + (1 - B2) * g * g;
        double mHat = m / (1 - Math.pow(B1, t));
        double vHat = v / (1 - Math.pow(B2, t));
        return mHat / (Math.sqrt(vHat) + EPS) + (decay ? WD * theta : 0);
    }

    @Test
    void oneStepIsAdamsBiasCorrectedUpdateScaledPerTensorByItsTrustRatio() {
        float[] theta = {3f, -4f, 0.5f, 0f, 0f};
        float[] grad = {0.5f, 2f, -1f, 0.25f, -0.125f};
        float[] m = {0.1f, -0.2f, 0.05f, 0f, 0f};
        float[] v = {0.01f, 0.04f, 0.0025f, 0f, 0f};
        int t = 3;
        // The hand computation, tensor by tensor.
        double[] rKernel = {r(0.1, 0.01, 0.5, 3, true, t), r(-0.2, 0.04, 2, -4, true, t)};
        double ratioKernel = 5.0 / Math.hypot(rKernel[0], rKernel[1]);  // ‖θ‖ = ‖(3, −4)‖ = 5
        double rGain = r(0.05, 0.0025, -1, 0.5, false, t);
        double ratioGain = 0.5 / Math.abs(rGain);
        double[] rBias = {r(0, 0, 0.25, 0, false, t), r(0, 0, -0.125, 0, false, t)};
        double ratioBias = 1.0;  // ‖θ‖ = 0: the trust ratio is 1
        float[] expected = {
            (float) (3 - LR * ratioKernel * rKernel[0]),
            (float) (-4 - LR * ratioKernel * rKernel[1]),
            (float) (0.5 - LR * ratioGain * rGain),
            (float) (0 - LR * ratioBias * rBias[0]),
            (float) (0 - LR * ratioBias * rBias[1])};

        Lamb lamb = new Lamb(SETTINGS, LAYOUT, m, v);
        lamb.step(theta, grad, LR, t);
        assertArrayEquals(expected, theta, 1e-6f);
        assertEquals((float) (B1 * 0.1 + (1 - B1) * 0.5), lamb.firstMoment()[0], 1e-7f);
        assertEquals((float) (B2 * 0.04 + (1 - B2) * 4), lamb.secondMoment()[1], 1e-7f);
        // Each tensor moves by lr × its own norm (r's direction, θ's scale): the kernel by 0.1 × 5.
        double kernelMove = Math.hypot(theta[0] - 3, theta[1] + 4);
        assertEquals(LR * 5, kernelMove, 1e-5);
    }

    @Test
    void aTensorWithoutUpdateStaysAndTheRuleNeedsTheUpdatesNumber() {
        float[] theta = {1f, 2f, 3f, 4f, 5f};
        float[] zero = new float[5];
        Lamb lamb = new Lamb(SETTINGS, LAYOUT, new float[5], new float[5]);
        // g = 0, moments 0: r = 0 where nothing decays (‖r‖ = 0, ratio 1, no move); the kernel still decays
        lamb.step(theta, zero, LR, 1);
        assertArrayEquals(new float[] {3f, 4f, 5f}, new float[] {theta[2], theta[3], theta[4]});
        // r = λθ on the kernel: the ratio ‖θ‖/‖λθ‖ = 1/λ makes the step lr·θ
        assertArrayEquals(new float[] {(float) (1 - LR), (float) (2 - 2 * LR)}, new float[] {theta[0], theta[1]},
                1e-6f);
        assertThrows(IllegalStateException.class, () -> lamb.step(theta, zero, LR));
        assertThrows(IllegalArgumentException.class, () -> lamb.step(theta, zero, LR, 0));
    }

    @Test
    void pretrainOptimizerLambDecaysWhatAdamwDecays() {
        ElectraConfig config = ConfigLoader.load(List.of("tiny"), List.of("pretrain.optimizer=lamb",
                "model.layers=1", "model.hidden-size=16", "model.embedding-size=16", "model.ffn-size=32",
                "model.heads=2", "model.max-positions=16"));
        assertEquals(ElectraConfig.OptimizerKind.LAMB, config.pretrain().optimizer());
        ElectraModel model = Pretraining.model(config, 40, 16);
        float[][] fresh = Pretraining.initialMoments(config, model);
        assertEquals(model.parameterCount(), fresh[0].length, "LAMB keeps Adam's two moments");
        Optimizer optimizer = Pretraining.optimizer(config, model, fresh[0], fresh[1]);
        assertInstanceOf(Lamb.class, optimizer);
        // a step with no gradient: exactly the decayed tensors move (by lr·θ, as above), biases and LayerNorm stay
        float[] before = model.flatParameters();
        float[] after = before.clone();
        optimizer.step(after, new float[after.length], 1e-3, 1);
        boolean[] decay = model.weightDecayMask();
        for (int i = 0; i < after.length; i++) {
            if (decay[i]) {
                assertEquals(before[i] * (1 - 1e-3f), after[i], 1e-7f, "parameter " + i);
            } else {
                assertEquals(before[i], after[i], "parameter " + i);
            }
        }
    }
}
