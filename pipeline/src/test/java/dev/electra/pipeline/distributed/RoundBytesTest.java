package dev.electra.pipeline.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.electra.pipeline.config.ConfigLoader;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.errors.JobError;
import dev.electra.pipeline.train.Pretraining;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoundBytesTest {
    private static final long GIB = 1L << 30;
    /** ELECTRA-Base's discriminator alone (the generator adds a third of its width on top). */
    private static final long BASE = 110_000_000L;
    /** About the tiny overlay's pair. */
    private static final long TINY = 1_500_000L;

    private static ElectraConfig config(String... sets) {
        return ConfigLoader.load(List.of(), List.of(sets));
    }

    @Test
    void eachFigureIsTheReadmeTablesArithmetic() {
        long p = 1000;
        // averaged moments, float32: sends 4P + 8P (+ 16 bytes per worker), each worker returns 4P + 8P, the driver
        // receives the sums in double: 8P + 16P
        RoundBytes averaged = RoundBytes.of(p, 3, true, true, false, PayloadPrecision.FLOAT32, false);
        assertEquals(12 * p + 3 * 16, averaged.broadcastBytes());
        assertEquals(12 * p, averaged.returnBytes());
        assertEquals(24 * p, averaged.aggregateBytes());
        // held 4P + 8P, broadcast copy, aggregate twice, next parameters 4P
        assertEquals(12 * p + (12 * p + 48) + 48 * p + 4 * p, averaged.driverHeapBytes());
        // local moments, bfloat16 payload, nesterov: K pairs go out and come back
        RoundBytes local = RoundBytes.of(p, 3, true, false, true, PayloadPrecision.BFLOAT16, true);
        assertEquals(4 * p + 3 * 8 * p + 48, local.broadcastBytes());
        assertEquals(10 * p, local.returnBytes());
        assertEquals(8 * p + 3 * 8 * p, local.aggregateBytes());
        // SGD has no moments
        RoundBytes sgd = RoundBytes.of(p, 2, false, true, false, PayloadPrecision.FLOAT32, false);
        assertEquals(4 * p, sgd.returnBytes());
        assertEquals(8 * p, sgd.aggregateBytes());
    }

    @Test
    void aRunsFiguresComeFromItsConfiguration() {
        RoundBytes every = Pretraining.roundBytes(config("distributed.workers=4",
                "distributed.optimizer-state-every=3"), 1000);
        // rounds that keep the moments per worker are the run's largest: 4 pairs out and back
        assertEquals(4 * 1000 + 4 * 8000 + 64, every.broadcastBytes());
        assertEquals(8000 + 4 * 8000, every.aggregateBytes());
        RoundBytes sgd = Pretraining.roundBytes(config("pretrain.optimizer=sgd", "distributed.workers=4"), 1000);
        assertEquals(8000, sgd.aggregateBytes());
    }

    @Test
    void aBaseSizedRoundOf64WorkersIsRefusedWithA1gMaxResultSizeNamingTheKeyAndTheNumbers() {
        RoundBytes base = Pretraining.roundBytes(config("distributed.workers=64"), BASE);
        JobError e = assertThrows(JobError.class, () -> base.requireFits(GIB, 64 * GIB));
        String m = e.getMessage();
        assertTrue(m.contains("spark.driver.maxResultSize"), m);
        assertTrue(m.contains("1,073,741,824 bytes (1.00 GiB)"), m);
        assertTrue(m.contains("2,640,000,000 bytes (2.46 GiB)"), "24 bytes per parameter: " + m);
        assertTrue(m.contains("P = 110,000,000 parameters, K = 64 workers"), m);
        assertFalse(m.contains("\n"), "one line: " + m);
    }

    @Test
    void momentsKeptPerWorkerOutgrowTheDriverHeapNamingItAndTheNumbers() {
        RoundBytes local = Pretraining.roundBytes(config("distributed.workers=64",
                "distributed.optimizer-state=local"), BASE);
        // 8P + 64 × 8P = 57.2 GB in one aggregate; no result size limit (0), a 16 GiB driver
        assertEquals(8 * BASE + 64 * 8 * BASE, local.aggregateBytes());
        JobError e = assertThrows(JobError.class, () -> local.requireFits(0, 16 * GIB));
        String m = e.getMessage();
        assertTrue(m.contains("driver heap") && m.contains("Runtime.maxMemory()") && m.contains("spark.driver.memory"),
                m);
        assertTrue(m.contains("17,179,869,184 bytes (16.00 GiB)"), m);
        assertTrue(m.contains(String.format("%,d bytes", local.driverHeapBytes())), m);
        assertFalse(m.contains("\n"), "one line: " + m);
    }

    @Test
    void aTinyRoundOfTwoWorkersFitsSparksDefaults() {
        RoundBytes tiny = Pretraining.roundBytes(config("distributed.workers=2"), TINY);
        tiny.requireFits(GIB, GIB);
        Pretraining.roundBytes(config("distributed.workers=2", "distributed.optimizer-state=local",
                "distributed.outer-optimizer=nesterov"), TINY).requireFits(GIB, GIB);
    }

    @Test
    void theTreeMergesAtMostFourPartialSumsAtATime() {
        assertEquals(2, RoundBytes.treeDepth(1));
        assertEquals(2, RoundBytes.treeDepth(2));
        assertEquals(2, RoundBytes.treeDepth(16));
        assertEquals(3, RoundBytes.treeDepth(17));
        assertEquals(3, RoundBytes.treeDepth(64));
        assertEquals(4, RoundBytes.treeDepth(65));
    }
}
