package dev.electra.pipeline.model;

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
 * JIT reached the kernels at different steps. The polynomials are Cephes' expf and logf (about 1 ulp).
 */
final class VectorMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
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

    /** eˣ lane by lane: 0 below −87.34, +∞ above 88.72. */
    static FloatVector exp(FloatVector x) {
        FloatVector c = x.max(EXP_MIN).min(EXP_MAX);
        // n = round(c·log₂e), and its bits: fx's low mantissa bits hold n (a conversion, F2I, was 10× slower)
        FloatVector fx = c.mul(LOG2E).add(ROUND);
        FloatVector n = fx.sub(ROUND);
        FloatVector r = c.sub(n.mul(LN2_HIGH)).sub(n.mul(LN2_LOW));
        FloatVector p = r.mul(1.9875691500E-4f).add(1.3981999507E-3f).mul(r).add(8.3334519073E-3f).mul(r)
                .add(4.1665795894E-2f).mul(r).add(1.6666665459E-1f).mul(r).add(5.0000001201E-1f);
        FloatVector y = p.mul(r).mul(r).add(r).add(1f);
        IntVector twoToN = fx.reinterpretAsInts().add(127 - ROUND_BITS).lanewise(VectorOperators.LSHL, 23);
        FloatVector e = y.mul(twoToN.reinterpretAsFloats());
        e = e.blend(0f, x.compare(VectorOperators.LT, EXP_MIN));
        return e.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, EXP_MAX));
    }

    /** ln x lane by lane, for positive normal x. */
    static FloatVector log(FloatVector x) {
        IntVector bits = x.reinterpretAsInts();
        // the biased exponent k in [0, 255] as a float: the bits of ROUND + k, minus ROUND (no I2F conversion)
        FloatVector e = bits.lanewise(VectorOperators.LSHR, 23).add(ROUND_BITS).reinterpretAsFloats()
                .sub(ROUND + 126);
        FloatVector m = bits.and(0x007fffff).or(0x3f000000).reinterpretAsFloats();
        // m in [0.5, 1): below √½ take 2m − 1 and one less in the exponent, else m − 1
        VectorMask<Float> low = m.compare(VectorOperators.LT, SQRT_HALF);
        e = e.sub(FloatVector.zero(S).blend(1f, low));
        m = m.add(FloatVector.zero(S).blend(m, low)).sub(1f);
        FloatVector z = m.mul(m);
        FloatVector y = m.mul(7.0376836292E-2f).sub(1.1514610310E-1f).mul(m).add(1.1676998740E-1f).mul(m)
                .sub(1.2420140846E-1f).mul(m).add(1.4249322787E-1f).mul(m).sub(1.6668057665E-1f).mul(m)
                .add(2.0000714765E-1f).mul(m).sub(2.4999993993E-1f).mul(m).add(3.3333331174E-1f).mul(m).mul(z);
        y = y.add(e.mul(LN2_LOW)).sub(z.mul(0.5f));
        return m.add(y).add(e.mul(LN2_HIGH));
    }

    /**
     * The sum of the lanes in lane order, through {@code lanes} (a scratch array of at least the vector's length,
     * reused by the caller: summing {@code v.lane(i)} one by one took three times as long).
     */
    static float sum(FloatVector v, float[] lanes) {
        v.intoArray(lanes, 0);
        float s = 0;
        for (int i = 0; i < v.length(); i++) {
            s += lanes[i];
        }
        return s;
    }
}
