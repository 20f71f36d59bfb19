package dev.electra.pipeline.distributed;

/**
 * bfloat16: the top 16 bits of a float32 (sign, the same 8 exponent bits, 7 mantissa bits), so any float's range
 * survives and only precision goes: a normal value comes back within 2^-8 of itself, relatively (half a unit in the
 * 8th significant bit). Encoding rounds to nearest, ties to even, as hardware converters (and PyTorch's
 * {@code tensor.bfloat16()}) do; infinities stay infinite, a NaN stays a NaN (quiet, with its sign), and a finite
 * value beyond bfloat16's largest rounds to infinity, as round-to-nearest requires.
 */
public final class BFloat16 {
    /** The quiet bit of a bfloat16 NaN: set so that a NaN whose payload sat only in the low 16 bits stays a NaN. */
    private static final int QUIET_NAN_BIT = 0x0040;

    private BFloat16() {}

    /** The bfloat16 nearest to {@code f} (ties to even), as its 16 bits. */
    public static short encode(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | QUIET_NAN_BIT);
        }
        // Adding 0x7FFF rounds the low half up exactly when it is above one half; the kept bit's lowest (1 for odd)
        // breaks the tie of exactly one half towards the even neighbour. A carry out of the mantissa raises the
        // exponent, which is the correctly rounded result (up to infinity).
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    /** The float32 a bfloat16 stands for (exact: every bfloat16 is a float32). */
    public static float decode(short b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }

    /** Each value of {@code x} as bfloat16. */
    public static short[] encode(float[] x) {
        short[] out = new short[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = encode(x[i]);
        }
        return out;
    }

    /** Each bfloat16 of {@code b} as a float. */
    public static float[] decode(short[] b) {
        float[] out = new float[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = decode(b[i]);
        }
        return out;
    }
}
