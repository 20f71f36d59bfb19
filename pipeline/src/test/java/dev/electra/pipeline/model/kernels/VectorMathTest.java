package dev.electra.pipeline.model.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** {@link VectorMath} against {@code Math.exp} / {@code Math.log} in double, and its edges. */
class VectorMathTest {
    private static final int LANES = FloatVector.SPECIES_PREFERRED.length();

    @Test
    void expWithinTwoUlpsOverItsRange() {
        SplittableRandom random = new SplittableRandom(1);
        float[] x = new float[LANES];
        float[] y = new float[LANES];
        double worst = 0;
        for (int round = 0; round < 20000; round++) {
            for (int i = 0; i < LANES; i++) {
                x[i] = (float) (random.nextDouble() * 175 - 87);
            }
            System.arraycopy(x, 0, y, 0, LANES);
            VectorMath.exp(y, LANES);
            for (int i = 0; i < LANES; i++) {
                double exact = Math.exp(x[i]);
                worst = Math.max(worst, Math.abs(y[i] - exact) / Math.ulp((float) exact));
            }
        }
        assertTrue(worst <= 2, "max error " + worst + " ulp");
    }

    @Test
    void expUnderflowsToZeroAndOverflowsToInfinity() {
        float[] x = new float[LANES];
        float[] y = new float[LANES];
        x[0] = -10000f;
        x[1] = -88f;
        x[2] = 89f;
        x[3] = 0f;
        System.arraycopy(x, 0, y, 0, LANES);
        VectorMath.exp(y, 4);
        assertEquals(0f, y[0]);
        assertEquals(0f, y[1]);
        assertEquals(Float.POSITIVE_INFINITY, y[2]);
        assertEquals(1f, y[3]);
    }

    @Test
    void logWithinTwoUlpsFromTinyToLarge() {
        SplittableRandom random = new SplittableRandom(2);
        float[] x = new float[LANES];
        float[] y = new float[LANES];
        double worst = 0;
        for (int round = 0; round < 20000; round++) {
            for (int i = 0; i < LANES; i++) {
                x[i] = (float) Math.exp(random.nextDouble() * 60 - 30); // 1e-13 … 1e13, and 1 ± small
            }
            x[0] = 1f + (float) random.nextDouble() * 1e-3f;
            System.arraycopy(x, 0, y, 0, LANES);
            VectorMath.log(y, LANES);
            for (int i = 0; i < LANES; i++) {
                double exact = Math.log(x[i]);
                worst = Math.max(worst, Math.abs(y[i] - exact) / Math.ulp((float) Math.max(Math.abs(exact), 1e-30)));
            }
        }
        assertTrue(worst <= 2, "max error " + worst + " ulp");
    }

    @Test
    void sumAddsTheLanesInOrder() {
        float[] x = new float[LANES];
        float expected = 0;
        for (int i = 0; i < LANES; i++) {
            x[i] = i == 0 ? 1e8f : 1.5f;
            expected += x[i];
        }
        assertEquals(expected, VectorMath.sum(x));
    }

    /** The functions work on whole vectors: a length short of one still computes (and may overwrite) the padding. */
    @Test
    void paddedRoundsUpToWholeVectors() {
        assertEquals(0, VectorMath.padded(0));
        assertEquals(LANES, VectorMath.padded(1));
        assertEquals(LANES, VectorMath.padded(LANES));
        assertEquals(2 * LANES, VectorMath.padded(LANES + 1));
        float[] a = new float[VectorMath.padded(LANES + 1)];
        a[LANES] = 1f;
        VectorMath.exp(a, LANES + 1);
        assertEquals((float) Math.E, a[LANES], Math.ulp((float) Math.E) * 2);
        assertEquals(1f, a[LANES + 1]);
    }
}
