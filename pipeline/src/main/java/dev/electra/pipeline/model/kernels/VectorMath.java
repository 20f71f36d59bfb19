package dev.electra.pipeline.model.kernels;

import static jdk.incubator.vector.VectorOperators.FMA;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * exp, log and sums of float vectors made only of operations IEEE 754 defines exactly (add, multiply, compare, bit
 * operations, conversions of integral values), so that a value is the same bits whether the JIT has compiled the
 * calling code or not. The Vector API's own {@code EXP}, {@code LOG} and {@code reduceLanes(ADD)} are not: compiled
 * they use SVML and a tree of additions, interpreted they fall back to {@code Math.exp} per lane and a sequential
 * sum, which differ in the last bit; two runs of the same seed then diverged (PretrainIT's determinism tests) as the
 * JIT reached the kernels at different steps. The polynomials are Cephes' expf and logf (about 1 ulp), evaluated with
 * fused multiply-adds (exact in IEEE 754 too).
 *
 * <p>The functions take arrays, not vectors: a vector passed to or returned from a method the JIT does not inline is
 * boxed (see {@link VectorKernels}), and whether these ~40-operation bodies were inlined into a kernel varied from
 * one JVM run to the next. Kernels copy a row into a scratch array padded to whole vectors ({@link #padded}) instead.
 */
final class VectorMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int LANES = S.length();
    private static final float LOG2E = 1.44269504088896341f;
    /** ln 2 in two parts, the first with few bits so that n·LN2_HIGH is exact. */
    private static final float LN2_HIGH = 0.693359375f;
    private static final float LN2_LOW = -2.12194440e-4f;
    /** 1.5·2²³: adding and subtracting it rounds a float of magnitude below 2²² to the nearest integer. */
    private static final float ROUND = 12582912f;
    private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);
    /** Below this exp is less than the smallest normal float (0 here); above it, infinite. */
    private static final float EXP_MIN = -87.33654f;
    private static final float EXP_MAX = 88.72283f;
    private static final float SQRT_HALF = 0.707106781186547524f;

    private VectorMath() {}

    /** n rounded up to whole vectors: the length of a scratch array the functions here may fill. */
    static int padded(int n) {
        return (n + LANES - 1) / LANES * LANES;
    }

    /**
     * a[i] ← eᵃ⁽ⁱ⁾ for i &lt; n, in place (a.length ≥ {@link #padded}(n); the padding is overwritten): 0 below −87.34,
     * +∞ above 88.72.
     */
    static void exp(float[] a, int n) {
        for (int i = 0; i < n; i += LANES) {
            FloatVector x = FloatVector.fromArray(S, a, i);
            FloatVector c = x.max(EXP_MIN).min(EXP_MAX);
            // n = round(c·log₂e), and its bits: fx's low mantissa bits hold n (a conversion, F2I, was 10× slower)
            FloatVector fx = c.fma(LOG2E, ROUND);
            FloatVector k = fx.sub(ROUND);
            FloatVector r = k.lanewise(FMA, -LN2_LOW, k.lanewise(FMA, -LN2_HIGH, c));
            FloatVector p = r.fma(1.9875691500E-4f, 1.3981999507E-3f).lanewise(FMA, r, 8.3334519073E-3f)
                    .lanewise(FMA, r, 4.1665795894E-2f).lanewise(FMA, r, 1.6666665459E-1f)
                    .lanewise(FMA, r, 5.0000001201E-1f);
            FloatVector y = p.fma(r.mul(r), r).add(1f);
            IntVector twoToK = fx.reinterpretAsInts().add(127 - ROUND_BITS).lanewise(VectorOperators.LSHL, 23);
            FloatVector e = y.mul(twoToK.reinterpretAsFloats());
            e = e.blend(0f, x.compare(VectorOperators.LT, EXP_MIN));
            e.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, EXP_MAX)).intoArray(a, i);
        }
    }

    /** a[i] ← ln a[i] for i &lt; n, in place, for positive normal values (a.length ≥ {@link #padded}(n)). */
    static void log(float[] a, int n) {
        for (int i = 0; i < n; i += LANES) {
            IntVector bits = FloatVector.fromArray(S, a, i).reinterpretAsInts();
            // the biased exponent k in [0, 255] as a float: the bits of ROUND + k, minus ROUND (no I2F conversion)
            FloatVector e = bits.lanewise(VectorOperators.LSHR, 23).add(ROUND_BITS).reinterpretAsFloats()
                    .sub(ROUND + 126);
            FloatVector m = bits.and(0x007fffff).or(0x3f000000).reinterpretAsFloats();
            // m in [0.5, 1): below √½ take 2m − 1 and one less in the exponent, else m − 1
            VectorMask<Float> low = m.compare(VectorOperators.LT, SQRT_HALF);
            e = e.sub(FloatVector.zero(S).blend(1f, low));
            m = m.add(FloatVector.zero(S).blend(m, low)).sub(1f);
            FloatVector z = m.mul(m);
            FloatVector y = m.fma(7.0376836292E-2f, -1.1514610310E-1f).lanewise(FMA, m, 1.1676998740E-1f)
                    .lanewise(FMA, m, -1.2420140846E-1f).lanewise(FMA, m, 1.4249322787E-1f)
                    .lanewise(FMA, m, -1.6668057665E-1f).lanewise(FMA, m, 2.0000714765E-1f)
                    .lanewise(FMA, m, -2.4999993993E-1f).lanewise(FMA, m, 3.3333331174E-1f).mul(m).mul(z);
            y = e.lanewise(FMA, LN2_LOW, y).sub(z.mul(0.5f));
            e.lanewise(FMA, LN2_HIGH, m.add(y)).intoArray(a, i);
        }
    }

    /**
     * The sum of a vector's lanes in lane order, from {@code lanes} after {@code v.intoArray(lanes, 0)} (a scratch
     * array the caller reuses; summing {@code v.lane(i)} one by one took three times as long).
     */
    static float sum(float[] lanes) {
        float s = 0;
        for (int i = 0; i < LANES; i++) {
            s += lanes[i];
        }
        return s;
    }
}
