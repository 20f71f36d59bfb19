package dev.electra.pipeline.model.noise;

import static jdk.incubator.vector.VectorOperators.GE;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.ROL;
import static jdk.incubator.vector.VectorOperators.XOR;

import dev.electra.pipeline.model.kernels.VectorKernels;
import java.nio.ByteBuffer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link CounterNoise}'s uniform noise computed with the Java Vector API, for the fused kernels: the same bits,
 * several counters at a time, on all cores. ND4J's generator, which this replaced, drew one sequence per example and
 * site (80 M floats a step at {@code small}) on one core. Sixteen consecutive counters fill 32 consecutive elements,
 * so a vector of up to 16 int lanes computes them side by side; the result does not depend on the vector width.
 * Tested against {@link CounterNoise#uniform}, the definition.
 */
public final class UniformNoise {
    private static final int[] ROTATIONS = CounterNoise.ROTATIONS;
    private static final int PARITY = CounterNoise.PARITY;
    private static final int ROUNDS = CounterNoise.ROUNDS;
    private static final int GROUP = CounterNoise.GROUP;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED.length() <= GROUP
            ? IntVector.SPECIES_PREFERRED : IntVector.SPECIES_512;
    private static final VectorSpecies<Float> F = I.withLanes(float.class);
    private static final int LANES = I.length();
    /** Elements generated per pass into the scratch array: a multiple of what one pass of {@link #generate} fills. */
    private static final int BLOCK = 1024;
    private static final int ONE_BITS = CounterNoise.ONE_BITS;
    /** Each thread's block, reused across calls: a step fills thousands of (example, site) ranges. */
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[BLOCK]);

    private UniformNoise() {}

    /**
     * Writes elements 0 … count − 1 of (key, stream) to a's elements offset … offset + count − 1 (a contiguous
     * row-major array, or any array in double, element by element).
     */
    public static void uniform(INDArray a, long offset, int count, long key, int stream) {
        fill(a, offset, count, key, stream, -1);
    }

    /**
     * As {@link #uniform}, but writes the inverted-dropout mask of each draw u instead: 1/(1 − rate) where u ≥ rate
     * (in float, as {@link CounterNoise#fill}, the definition), else 0.
     */
    public static void dropoutMask(INDArray a, long offset, int count, long key, int stream, double rate) {
        fill(a, offset, count, key, stream, rate);
    }

    /** {@link #uniform} when rate &lt; 0, else {@link #dropoutMask}. */
    private static void fill(INDArray a, long offset, int count, long key, int stream, double rate) {
        float[] block = SCRATCH.get();
        boolean direct = a.dataType() == DataType.FLOAT && VectorKernels.applies(a);
        ByteBuffer bytes = direct ? VectorKernels.bytes(a) : null;
        INDArray flat = direct ? null : a.reshape(a.length());
        float threshold = (float) rate;
        double scale = 1.0 / (1.0 - rate);
        FloatVector kept = FloatVector.broadcast(F, (float) scale);
        FloatVector dropped = FloatVector.zero(F);
        for (int start = 0; start < count; start += BLOCK) {
            int n = Math.min(BLOCK, count - start);
            generate(key, stream, start, block, n);
            if (direct) {
                if (rate >= 0) {
                    for (int j = 0; j < n; j += LANES) {
                        VectorMask<Float> keep = FloatVector.fromArray(F, block, j).compare(GE, threshold);
                        dropped.blend(kept, keep).intoArray(block, j);
                    }
                }
                VectorKernels.write(bytes, Math.toIntExact(offset + start), block, 0, n);
            } else {
                for (int j = 0; j < n; j++) {
                    flat.putScalar(offset + start + j, rate < 0 ? block[j] : block[j] >= threshold ? scale : 0.0);
                }
            }
        }
        VectorKernels.keepAlive(a);
    }

    /**
     * out[0 … n) ← elements first … first + n − 1 of (key, stream), and up to the next multiple of 8·LANES (first
     * is a multiple of {@link #BLOCK}). Four vectors of counters go through the rounds side by side: one alone is a
     * chain of dependent operations (5 cycles a value here); four keep the vector units busy. Counter q's two words
     * are elements 2q − q mod 16 and 16 more (the class comment's layout).
     */
    private static void generate(long key, int stream, int first, float[] out, int n) {
        int k0 = (int) key;
        int k1 = (int) (key >>> 32);
        int[] ks = {k0, k1, PARITY ^ k0 ^ k1};
        IntVector lanes = IntVector.zero(I).addIndex(1);
        IntVector word1 = IntVector.broadcast(I, stream + k1);
        int end = (first + n + 1) / 2;
        for (int q = first / 2; q < end; q += 4 * LANES) {
            IntVector a0 = lanes.add(q + k0);
            IntVector b0 = lanes.add(q + LANES + k0);
            IntVector c0 = lanes.add(q + 2 * LANES + k0);
            IntVector d0 = lanes.add(q + 3 * LANES + k0);
            IntVector a1 = word1;
            IntVector b1 = word1;
            IntVector c1 = word1;
            IntVector d1 = word1;
            for (int r = 0; r < ROUNDS; r++) {
                int left = ROTATIONS[r % 8];
                a0 = a0.add(a1);
                b0 = b0.add(b1);
                c0 = c0.add(c1);
                d0 = d0.add(d1);
                a1 = a1.lanewise(ROL, left).lanewise(XOR, a0);
                b1 = b1.lanewise(ROL, left).lanewise(XOR, b0);
                c1 = c1.lanewise(ROL, left).lanewise(XOR, c0);
                d1 = d1.lanewise(ROL, left).lanewise(XOR, d0);
                if (r % 4 == 3) {
                    int s = (r + 1) / 4;
                    int x = ks[s % 3];
                    int z = ks[(s + 1) % 3] + s;
                    a0 = a0.add(x);
                    b0 = b0.add(x);
                    c0 = c0.add(x);
                    d0 = d0.add(x);
                    a1 = a1.add(z);
                    b1 = b1.add(z);
                    c1 = c1.add(z);
                    d1 = d1.add(z);
                }
            }
            // the top 23 bits as m·2⁻²³: the bits of 1 + m·2⁻²³, minus 1 (exact, no int-to-float conversion)
            int at = 2 * q - (q & (GROUP - 1)) - first;
            a0.lanewise(LSHR, 9).or(ONE_BITS).reinterpretAsFloats().sub(1f).intoArray(out, at);
            a1.lanewise(LSHR, 9).or(ONE_BITS).reinterpretAsFloats().sub(1f).intoArray(out, at + GROUP);
            at = 2 * (q + LANES) - ((q + LANES) & (GROUP - 1)) - first;
            b0.lanewise(LSHR, 9).or(ONE_BITS).reinterpretAsFloats().sub(1f).intoArray(out, at);
            b1.lanewise(LSHR, 9).or(ONE_BITS).reinterpretAsFloats().sub(1f).intoArray(out, at + GROUP);
            at = 2 * (q + 2 * LANES) - ((q + 2 * LANES) & (GROUP - 1)) - first;
            c0.lanewise(LSHR, 9).or(ONE_BITS).reinterpretAsFloats().sub(1f).intoArray(out, at);
            c1.lanewise(LSHR, 9).or(ONE_BITS).reinterpretAsFloats().sub(1f).intoArray(out, at + GROUP);
            at = 2 * (q + 3 * LANES) - ((q + 3 * LANES) & (GROUP - 1)) - first;
            d0.lanewise(LSHR, 9).or(ONE_BITS).reinterpretAsFloats().sub(1f).intoArray(out, at);
            d1.lanewise(LSHR, 9).or(ONE_BITS).reinterpretAsFloats().sub(1f).intoArray(out, at + GROUP);
        }
    }
}
