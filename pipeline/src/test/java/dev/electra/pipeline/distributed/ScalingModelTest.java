package dev.electra.pipeline.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ScalingModelTest {
    /** 1M parameters, AdamW with averaged moments, float32 payload, no outer momentum. */
    private static RoundBytes bytes(int workers) {
        return RoundBytes.of(1_000_000, workers, true, true, false, PayloadPrecision.FLOAT32, false);
    }

    /** One round worked by hand: K = 4 (depth 2, fan-in 2), H = 10, 1 GB/s link, 2 GB/s serialization. */
    @Test
    void aRoundByHand() {
        RoundBytes b = bytes(4);
        // broadcast 4P + 8P + 16·4, return 4P + 8P, aggregate 8P + 16P
        assertEquals(12_000_064, b.broadcastBytes());
        assertEquals(12_000_000, b.returnBytes());
        assertEquals(24_000_000, b.aggregateBytes());
        ScalingModel m = new ScalingModel(0.5, 16, 128, 0.3, 2e9, 1e9);
        double link = (12_000_064 + 2 * 12_000_000.0 + 1 * 2 * 24_000_000.0 + 24_000_000) / 1e9;
        double serdes = (12_000_064 + 12_000_000 + 24_000_000) / 2e9;
        double seconds = 10 * 0.5 + 0.3 + link + serdes;
        ScalingModel.Round r = m.round(b, 10);
        assertEquals(seconds, r.seconds(), 1e-12);
        assertEquals((seconds - 5) / seconds, r.communicationShare(), 1e-12);
        assertEquals(4 * 10 * 16 * 128 / seconds, r.tokensPerSecond(), 1e-9);
        assertEquals(64, r.globalBatch());
    }

    @Test
    void longerRoundsSpendLessOfTheirTimeCommunicating() {
        ScalingModel m = new ScalingModel(0.2, 32, 128, 0.3, 1e9, ScalingModel.gigabits(10));
        double previous = 1;
        for (int h : new int[] {1, 4, 16, 64, 256}) {
            double share = m.round(bytes(16), h).communicationShare();
            assertTrue(share < previous, "H " + h);
            previous = share;
        }
    }

    @Test
    void moreWorkersCostMoreTimePerRound() {
        ScalingModel m = new ScalingModel(0.2, 32, 128, 0.3, 1e9, ScalingModel.gigabits(10));
        assertTrue(m.round(bytes(64), 8).seconds() > m.round(bytes(8), 8).seconds());
    }

    /** The steps found keep the share at the target, and one step fewer does not. */
    @Test
    void stepsForAShareAreTheFewestThatKeepIt() {
        ScalingModel m = new ScalingModel(0.05, 32, 128, 0.3, 1e9, ScalingModel.gigabits(10));
        RoundBytes b = bytes(32);
        int h = m.stepsForShare(b, 0.1);
        assertTrue(m.round(b, h).communicationShare() <= 0.1 + 1e-12);
        assertTrue(m.round(b, h - 1).communicationShare() > 0.1);
    }

    @Test
    void nonsenseIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ScalingModel(0, 1, 1, 0, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new ScalingModel(1, 1, 1, -1, 1, 1));
    }
}
