package dev.electra.pipeline.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BFloat16Test {
    private static float roundTrip(float f) {
        return BFloat16.decode(BFloat16.encode(f));
    }

    @Test
    void aRoundTripIsWithinTwoToTheMinusEightRelatively() {
        SplittableRandom r = new SplittableRandom(7);
        double worst = 0;
        for (int i = 0; i < 1_000_000; i++) {
            // Normal floats of every exponent from 2^-126 to 2^126 and both signs.
            float f = (float) ((r.nextBoolean() ? 1 : -1) * (1 + r.nextDouble()) * Math.pow(2, r.nextInt(-126, 127)));
            double rel = Math.abs(roundTrip(f) - (double) f) / Math.abs(f);
            worst = Math.max(worst, rel);
        }
        // Round to nearest: half a unit in the 8th significant bit, 2^-8 of a value just above a power of two.
        assertTrue(worst <= Math.pow(2, -8), "worst relative error " + worst);
        assertTrue(worst > Math.pow(2, -9), "a million samples come near the bound, " + worst);
    }

    @Test
    void valuesBfloat16HoldsComeBackExactly() {
        for (float f : new float[] {0f, -0f, 1f, -2.5f, 0.15625f, 65536f, 3.3895314e38f, 1e-38f}) {
            float exact = Float.intBitsToFloat(Float.floatToRawIntBits(f) & 0xFFFF0000);
            assertEquals(Float.floatToRawIntBits(exact), Float.floatToRawIntBits(roundTrip(exact)), "" + exact);
        }
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 100_000; i++) {
            short b = (short) r.nextInt(1 << 16);
            float f = BFloat16.decode(b);
            if (!Float.isNaN(f)) {
                assertEquals(b, BFloat16.encode(f), "bfloat16 bits " + Integer.toHexString(b & 0xFFFF));
            }
        }
    }

    @Test
    void tiesGoToTheEvenNeighbour() {
        // 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: to 1 (even mantissa).
        assertEquals(1f, roundTrip(1f + 0x1p-8f));
        // 1 + 3·2^-8 lies halfway between 1 + 2^-7 (odd) and 1 + 2^-6: to 1 + 2^-6.
        assertEquals(1f + 0x1p-6f, roundTrip(1f + 3 * 0x1p-8f));
        // Just above the halfway point rounds up.
        assertEquals(1f + 0x1p-7f, roundTrip(Math.nextUp(1f + 0x1p-8f)));
    }

    @Test
    void infinitiesAndNaNsAreKept() {
        assertEquals(Float.POSITIVE_INFINITY, roundTrip(Float.POSITIVE_INFINITY));
        assertEquals(Float.NEGATIVE_INFINITY, roundTrip(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(roundTrip(Float.NaN)));
        // A NaN whose payload sits only in the low 16 bits must not become an infinity.
        assertTrue(Float.isNaN(roundTrip(Float.intBitsToFloat(0x7F800001))));
        assertTrue(Float.isNaN(roundTrip(Float.intBitsToFloat(0xFF800001))));
        assertTrue((BFloat16.encode(Float.intBitsToFloat(0xFF800001)) & 0x8000) != 0, "the sign is kept");
        // Beyond bfloat16's largest finite value, round to nearest gives infinity.
        assertEquals(Float.POSITIVE_INFINITY, roundTrip(Float.MAX_VALUE));
    }

    @Test
    void arraysRoundTripElementWise() {
        float[] x = {1f, -0.333f, 1e-20f};
        float[] back = BFloat16.decode(BFloat16.encode(x));
        for (int i = 0; i < x.length; i++) {
            assertEquals(roundTrip(x[i]), back[i]);
        }
    }
}
