package dev.electra.pipeline.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class OuterOptimizerTest {
    /** Two workers of equal weight that ended a round at {@code a} and {@code b}, sent in {@code precision}. */
    private static PayloadSum mean(float[] start, float[] a, float[] b, PayloadPrecision precision) {
        return new PayloadSum().add(WorkerPayload.of(start, a, precision), 4)
                .merge(new PayloadSum().add(WorkerPayload.of(start, b, precision), 4));
    }

    private static float[] plus(float[] x, float... d) {
        float[] out = x.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] += d[i];
        }
        return out;
    }

    /**
     * Two rounds on a 3-element vector by hand, lr 0.5 and μ 0.5 (every value exact in binary).
     * Round 1: Δ = mean([1, −1, 0], [0, −1, 0.5]) = [0.5, −1, 0.25], g = −Δ, v = g = [−0.5, 1, −0.25],
     * θ = [1, 2, −1] − 0.5·(g + 0.5·v) = [1.375, 1.25, −0.8125].
     * Round 2: Δ = mean([0.5, 0.5, 0], [0, 0.5, 0]) = [0.25, 0.5, 0], g = [−0.25, −0.5, 0],
     * v = 0.5·v + g = [−0.5, 0, −0.125], θ = θ − 0.5·(g + 0.5·v) = θ + [0.25, 0.25, 0.03125] = [1.625, 1.5, −0.78125].
     */
    @Test
    void nesterovMatchesTwoRoundsComputedByHand() {
        for (PayloadPrecision precision : PayloadPrecision.values()) {
            OuterOptimizer nesterov = new OuterOptimizer.Nesterov(0.5, 0.5);
            float[] theta = {1, 2, -1};
            float[] v = nesterov.initialMomentum(3);
            assertArrayEquals(new float[3], v);
            OuterOptimizer.Outer one = nesterov.step(theta, v, mean(theta, plus(theta, 1, -1, 0),
                    plus(theta, 0, -1, 0.5f), precision));
            assertArrayEquals(new float[] {-0.5f, 1f, -0.25f}, one.momentum(), precision.name());
            assertArrayEquals(new float[] {1.375f, 1.25f, -0.8125f}, one.params(), precision.name());
            OuterOptimizer.Outer two = nesterov.step(one.params(), one.momentum(), mean(one.params(),
                    plus(one.params(), 0.5f, 0.5f, 0), plus(one.params(), 0, 0.5f, 0), precision));
            assertArrayEquals(new float[] {-0.5f, 0f, -0.125f}, two.momentum(), precision.name());
            assertArrayEquals(new float[] {1.625f, 1.5f, -0.78125f}, two.params(), precision.name());
            assertArrayEquals(new float[] {1, 2, -1}, theta, "the inputs are not modified");
            assertArrayEquals(new float[] {-0.5f, 1f, -0.25f}, one.momentum(), "the inputs are not modified");
        }
    }

    @Test
    void nesterovAtRateOneWithoutMomentumIsAveraging() {
        SplittableRandom r = new SplittableRandom(11);
        int n = 10_000;
        float[] theta = new float[n];
        float[] a = new float[n];
        float[] b = new float[n];
        for (int i = 0; i < n; i++) {
            theta[i] = (float) r.nextGaussian(0, 0.02);
            a[i] = theta[i] + (float) r.nextGaussian(0, 1e-3);
            b[i] = theta[i] + (float) r.nextGaussian(0, 1e-3);
        }
        PayloadSum sum = new PayloadSum().add(WorkerPayload.of(theta, a, PayloadPrecision.FLOAT32), 3)
                .add(WorkerPayload.of(theta, b, PayloadPrecision.FLOAT32), 5);
        float[] averaged = new OuterOptimizer.Average().step(theta, new float[0], sum).params();
        float[] plain = new OuterOptimizer.Nesterov(1, 0).step(theta, new float[n], sum).params();
        for (int i = 0; i < n; i++) {
            assertTrue(Math.abs(averaged[i] - plain[i]) <= Math.ulp(averaged[i]), i + ": " + averaged[i] + " vs "
                    + plain[i]);
            assertEquals((float) ((3.0 * a[i] + 5.0 * b[i]) / 8), averaged[i], "average is the weighted mean");
        }
    }

    @Test
    void averageOfChangesAddsTheMeanChange() {
        float[] theta = {1, 2};
        PayloadSum changes = mean(theta, new float[] {2, 2}, new float[] {1, 3}, PayloadPrecision.BFLOAT16);
        assertArrayEquals(new float[] {1.5f, 2.5f}, new OuterOptimizer.Average().step(theta, new float[0], changes)
                .params());
    }

    @Test
    void settingsOutsideTheirRangeAndMismatchedLengthsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new OuterOptimizer.Nesterov(0, 0.9));
        assertThrows(IllegalArgumentException.class, () -> new OuterOptimizer.Nesterov(0.7, 1));
        PayloadSum two = mean(new float[2], new float[2], new float[2], PayloadPrecision.FLOAT32);
        assertThrows(IllegalArgumentException.class, () -> new OuterOptimizer.Nesterov(0.7, 0.9).step(new float[3],
                new float[3], two));
        assertThrows(IllegalArgumentException.class, () -> new OuterOptimizer.Nesterov(0.7, 0.9).step(new float[2],
                new float[0], two));
        assertEquals(0, new OuterOptimizer.Average().initialMomentum(5).length);
        assertEquals(OuterOptimizer.Nesterov.class, OuterOptimizer.of(OuterOptimizer.Kind.NESTEROV, 0.7, 0.9)
                .getClass());
    }
}
