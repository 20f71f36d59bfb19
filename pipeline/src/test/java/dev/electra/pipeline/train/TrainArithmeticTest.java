package dev.electra.pipeline.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TrainArithmeticTest {

    @Test
    void scheduleWarmsUpThenDecaysLinearly() {
        LearningRateSchedule s = new LearningRateSchedule(1e-3, 100, 1000);
        assertEquals(0.0, s.at(0));
        assertEquals(1e-3 * 0.95 * 0.5, s.at(50), 1e-12);
        assertEquals(1e-3 * 0.9, s.at(100), 1e-12);
        assertEquals(1e-3 * 0.5, s.at(500), 1e-12);
        assertEquals(0.0, s.at(1000));
        assertEquals(0.0, s.at(5000), "past the end stays at zero");
        assertEquals(1e-3, new LearningRateSchedule(1e-3, 0, 10).at(0));
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule(1e-3, 20, 10));
    }

    @Test
    void adamWMatchesTheReferenceFormulas() {
        AdamW.Settings settings = new AdamW.Settings(0.9, 0.999, 1e-6, 0.01);
        float[] p = {1.0f, -2.0f};
        AdamW adam = new AdamW(settings, new boolean[] {true, false});
        double[] ref = {1.0, -2.0};
        double[] m = new double[2];
        double[] v = new double[2];
        float[][] grads = {{0.5f, -1.0f}, {0.1f, 0.3f}, {-0.2f, 0.0f}};
        double lr = 0.1;
        for (float[] g : grads) {
            adam.step(p, g.clone(), lr);
            for (int i = 0; i < 2; i++) {
                m[i] = 0.9 * m[i] + 0.1 * g[i];
                v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
                double update = m[i] / (Math.sqrt(v[i]) + 1e-6) + (i == 0 ? 0.01 * ref[i] : 0.0);
                ref[i] -= lr * update;
            }
        }
        assertEquals(ref[0], p[0], 1e-5);
        assertEquals(ref[1], p[1], 1e-5);
        // The first step moves each parameter by lr · g(1−β1) / (√(g²(1−β2)) + ε) ≈ lr · 0.1/0.0316 = 3.16 lr.
        float[] q = {0f};
        new AdamW(settings, new boolean[] {false}).step(q, new float[] {2f}, 0.01);
        assertEquals(-0.01 * 0.1 / Math.sqrt(0.001), q[0], 1e-5);
    }

    @Test
    void clippingScalesToTheGlobalNorm() {
        float[] g = {3f, 4f};
        assertEquals(5.0, GradientClipping.clip(g, 1.0), 1e-9);
        assertEquals(0.6f, g[0], 1e-6);
        assertEquals(0.8f, g[1], 1e-6);
        assertEquals(1.0, GradientClipping.globalNorm(g), 1e-6);
        float[] small = {0.3f, 0.4f};
        GradientClipping.clip(small, 1.0);
        assertEquals(0.3f, small[0], "gradients under the clip are unchanged");
    }
}
