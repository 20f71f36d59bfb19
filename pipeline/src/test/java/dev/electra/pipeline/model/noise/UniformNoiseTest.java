package dev.electra.pipeline.model.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** {@link UniformNoise}: Threefry against its published test vectors, the vector path against the scalar one. */
class UniformNoiseTest {

    /** Random123's known-answer vectors for threefry2x32 with 20 rounds (also JAX's threefry_2x32 test). */
    @Test
    void threefryMatchesThePublishedTestVectors() {
        assertArrayEquals(new int[] {0x6b200159, 0x99ba4efe}, CounterNoise.threefry(0, 0, 0, 0));
        assertArrayEquals(new int[] {0x1cb996fc, 0xbb002be7}, CounterNoise.threefry(-1, -1, -1, -1));
        assertArrayEquals(new int[] {0xc4923a9c, 0x483df7a0},
                CounterNoise.threefry(0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3));
    }

    /** Fills at odd offsets and lengths (partial groups and blocks) equal the scalar definition, float and double. */
    @Test
    void fillEqualsTheScalarDefinitionElementByElement() {
        long key = 0x9E3779B97F4A7C15L;
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray a = Nd4j.zeros(type, 3, 1500);
            UniformNoise.uniform(a, 7, 2500, key, 3);
            for (int i = 0; i < 4500; i++) {
                double expected = i >= 7 && i < 2507 ? CounterNoise.uniform(key, 3, i - 7) : 0.0;
                assertEquals(expected, a.getDouble(i / 1500, i % 1500), 0.0, type + " element " + i);
            }
        }
    }

    /** The fused mask is ND4J's gte, cast and scale of the same draws, bit for bit, in float and in double. */
    @Test
    void dropoutMaskIsTheMaskOfTheSameDraws() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray u = Nd4j.create(type, 5, 999);
            INDArray mask = Nd4j.create(type, 5, 999);
            UniformNoise.uniform(u, 3, 4000, 77L, 2);
            UniformNoise.dropoutMask(mask, 3, 4000, 77L, 2, 0.1);
            INDArray expected = u.gte(type == DataType.FLOAT ? (double) 0.1f : 0.1).castTo(type).muli(1.0 / 0.9);
            for (int i = 3; i < 4003; i++) {
                assertEquals(expected.getDouble(i / 999, i % 999), mask.getDouble(i / 999, i % 999), 0.0,
                        type + " element " + i);
            }
        }
    }

    @Test
    void streamsAndKeysAreDistinct() {
        INDArray a = Nd4j.create(DataType.FLOAT, 64);
        INDArray b = Nd4j.create(DataType.FLOAT, 64);
        INDArray c = Nd4j.create(DataType.FLOAT, 64);
        UniformNoise.uniform(a, 0, 64, 1L, 0);
        UniformNoise.uniform(b, 0, 64, 1L, 1);
        UniformNoise.uniform(c, 0, 64, 2L, 0);
        assertNotEquals(a, b);
        assertNotEquals(a, c);
        INDArray again = Nd4j.create(DataType.FLOAT, 64);
        UniformNoise.uniform(again, 0, 64, 1L, 0);
        assertEquals(a, again);
    }

    /**
     * Over 2^20 draws: every value in [0, 1), mean ½ and variance 1/12 within 5 standard errors, a χ² test over 64
     * bins and no correlation between neighbours (which a weak counter-mode generator would show).
     */
    @Test
    void drawsAreUniformAndUncorrelated() {
        int n = 1 << 20;
        INDArray a = Nd4j.create(DataType.FLOAT, n);
        UniformNoise.uniform(a, 0, n, 42L, 5);
        float[] u = a.toFloatVector();
        int bins = 64;
        long[] counts = new long[bins];
        double sum = 0;
        double squares = 0;
        double lagged = 0;
        for (int i = 0; i < n; i++) {
            assertTrue(u[i] >= 0f && u[i] < 1f, "value " + u[i] + " at " + i);
            counts[(int) (u[i] * bins)]++;
            sum += u[i];
            squares += u[i] * (double) u[i];
            if (i > 0) {
                lagged += (u[i] - 0.5) * (u[i - 1] - 0.5);
            }
        }
        double mean = sum / n;
        assertEquals(0.5, mean, 5 * Math.sqrt(1.0 / 12 / n));
        // the sample variance of a uniform has standard error √((1/80 − 1/144)/n) ≈ 0.0745/√n
        assertEquals(1.0 / 12, squares / n - mean * mean, 5 * 0.0745 / Math.sqrt(n));
        double chi2 = 0;
        double expected = (double) n / bins;
        for (long c : counts) {
            chi2 += (c - expected) * (c - expected) / expected;
        }
        // 63 degrees of freedom: P(χ² > 110) ≈ 2e-4
        assertTrue(chi2 < 110, "chi-square " + chi2);
        double correlation = lagged / (n - 1) / (1.0 / 12);
        assertEquals(0, correlation, 5 / Math.sqrt(n));
    }
}
