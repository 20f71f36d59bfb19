package dev.electra.pipeline.model.noise;

import dev.electra.pipeline.model.kernels.HostWrites;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The definition of the uniform noise behind the dropout masks and the sampling noise, in plain Java: element e of
 * stream s under a 64-bit key is a pure function of (key, s, e), Threefry-2x32 with 20 rounds (Salmon et al.,
 * "Parallel random numbers: as easy as 1, 2, 3", SC 2011; JAX's default generator).
 *
 * <p>Layout: element e is word (e / 16) mod 2 of Threefry(counter = (16·⌊e / 32⌋ + e mod 16, s), key), whose top 23
 * bits make the float m·2⁻²³ in [0, 1). {@link UniformNoise} computes the same bits with the Java Vector API (the
 * fused kernels' path); this class needs no incubator module and writes through {@link HostWrites}, so it serves
 * the reference and graph kernels on any backend. The two are tested bit for bit against each other and this one
 * against the published Threefry test vectors.
 */
public final class CounterNoise {
    /** Threefry-2x32's rotation constants, one per round, repeating every 8. */
    static final int[] ROTATIONS = {13, 15, 26, 6, 17, 29, 16, 24};
    static final int PARITY = 0x1BD11BDA;
    static final int ROUNDS = 20;
    /** Counters side by side in one group; a group fills 2 × 16 elements. */
    static final int GROUP = 16;
    static final int ONE_BITS = Float.floatToRawIntBits(1f);
    /** Elements computed and written at a time. */
    private static final int BLOCK = 1024;

    private CounterNoise() {}

    /** Threefry-2x32-20 of the counter (c0, c1) under the key (k0, k1): its two output words. */
    static int[] threefry(int k0, int k1, int c0, int c1) {
        int[] ks = {k0, k1, PARITY ^ k0 ^ k1};
        int x0 = c0 + ks[0];
        int x1 = c1 + ks[1];
        for (int r = 0; r < ROUNDS; r++) {
            x0 += x1;
            x1 = Integer.rotateLeft(x1, ROTATIONS[r % 8]);
            x1 ^= x0;
            if (r % 4 == 3) {
                int s = (r + 1) / 4;
                x0 += ks[s % 3];
                x1 += ks[(s + 1) % 3] + s;
            }
        }
        return new int[] {x0, x1};
    }

    /** Element e of stream {@code stream} under {@code key}. */
    static float uniform(long key, int stream, long e) {
        int counter = (int) ((e >>> 5) * GROUP + (e & (GROUP - 1)));
        int[] words = threefry((int) key, (int) (key >>> 32), counter, stream);
        return toUnit(words[(int) ((e >>> 4) & 1)]);
    }

    private static float toUnit(int bits) {
        return Float.intBitsToFloat((bits >>> 9) | ONE_BITS) - 1f;
    }

    /**
     * Writes elements 0 … count − 1 of (key, stream) to a's elements offset … offset + count − 1, or, when
     * {@code rate} ≥ 0, the inverted-dropout mask of each draw u: 1/(1 − rate) in float where u ≥ rate, else 0
     * (the values {@link UniformNoise} writes). a is contiguous row-major (float or double).
     */
    public static void fill(INDArray a, long offset, int count, long key, int stream, double rate) {
        float threshold = (float) rate;
        double scale = 1.0 / (1.0 - rate);
        if (a.dataType() != DataType.FLOAT) {
            INDArray flat = a.reshape(a.length());
            for (int e = 0; e < count; e++) {
                float u = uniform(key, stream, e);
                flat.putScalar(offset + e, rate < 0 ? u : u >= threshold ? scale : 0.0);
            }
            return;
        }
        float kept = (float) scale;
        float[] block = new float[Math.min(BLOCK, count)];
        for (int start = 0; start < count; start += BLOCK) {
            int n = Math.min(BLOCK, count - start);
            for (int j = 0; j < n; j++) {
                float u = uniform(key, stream, start + j);
                block[j] = rate < 0 ? u : u >= threshold ? kept : 0f;
            }
            HostWrites.write(a, offset + start, block, 0, n);
        }
    }
}
