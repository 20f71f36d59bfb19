package dev.electra.pipeline.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class HeldOutTest {
    @Test
    void holdsOutAboutTheWantedCountSpreadOverTheData() {
        HeldOut h = new HeldOut(7, 2_560, 200_000);
        long[] chosen = LongStream.range(0, 200_000).filter(h::contains).toArray();
        // binomial(200,000, 0.0128): standard deviation ≈ 50.3; 4 of them
        assertTrue(Math.abs(chosen.length - 2_560) < 202, chosen.length + " held out");
        // spread: each tenth of the data holds its share (expected 256, sd ≈ 16)
        for (int tenth = 0; tenth < 10; tenth++) {
            long lo = tenth * 20_000L;
            long n = LongStream.of(chosen).filter(g -> g >= lo && g < lo + 20_000).count();
            assertTrue(Math.abs(n - 256) < 80, "tenth " + tenth + ": " + n);
        }
    }

    @Test
    void theSameSeedGivesTheSameSetAnotherSeedAnother() {
        HeldOut a = new HeldOut(7, 100, 10_000);
        HeldOut b = new HeldOut(7, 100, 10_000);
        HeldOut c = new HeldOut(8, 100, 10_000);
        long[] fromA = LongStream.range(0, 10_000).filter(a::contains).toArray();
        assertTrue(java.util.Arrays.equals(fromA, LongStream.range(0, 10_000).filter(b::contains).toArray()));
        assertFalse(java.util.Arrays.equals(fromA, LongStream.range(0, 10_000).filter(c::contains).toArray()));
    }

    @Test
    void noneWantedNoneHeldOutAndTooManyRefused() {
        HeldOut none = new HeldOut(7, 0, 10);
        assertEquals(0, LongStream.range(0, 10).filter(none::contains).count());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new HeldOut(7, 6, 10));
        assertTrue(e.getMessage().startsWith("holding out 6 examples for evaluation (pretrain.eval-batches × "
                + "pretrain.batch-size) would leave fewer than half of the 10 examples"), e.getMessage());
    }
}
