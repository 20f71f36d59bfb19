package dev.electra.pipeline.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PayloadSumTest {
    private static final float[] START = {1f, -2f, 0.5f};
    private static final float[] END = {1.25f, -2f, 0.4f};

    @Test
    void float32SendsTheParametersAndBfloat16TheChangeInHalfTheBytes() {
        WorkerPayload f32 = WorkerPayload.of(START, END, PayloadPrecision.FLOAT32);
        assertFalse(f32.isChange());
        assertArrayEquals(END, f32.parameters());
        assertEquals(12, f32.bytes());
        WorkerPayload bf16 = WorkerPayload.of(START, END, PayloadPrecision.BFLOAT16);
        assertTrue(bf16.isChange());
        assertEquals(6, bf16.bytes());
        assertEquals(0.25f, BFloat16.decode(bf16.change()[0]));
        assertEquals(0f, BFloat16.decode(bf16.change()[1]));
        assertEquals(BFloat16.decode(BFloat16.encode(0.4f - 0.5f)), BFloat16.decode(bf16.change()[2]));
        assertThrows(IllegalArgumentException.class, () -> WorkerPayload.of(START, new float[2],
                PayloadPrecision.FLOAT32));
        assertThrows(IllegalArgumentException.class, () -> new WorkerPayload(null, null));
    }

    @Test
    void theMeanIsWeightedByExamplesWhicheverWayTheSumsMeet() {
        WorkerPayload a = new WorkerPayload(new float[] {1, 2}, null);
        WorkerPayload b = new WorkerPayload(new float[] {4, 8}, null);
        WorkerPayload c = new WorkerPayload(new float[] {-1, 0}, null);
        PayloadSum one = new PayloadSum().add(a, 1).merge(new PayloadSum().add(b, 3).merge(new PayloadSum().add(c, 4)));
        PayloadSum other = new PayloadSum().add(c, 4).add(a, 1).merge(new PayloadSum().add(b, 3));
        assertArrayEquals(new float[] {9f / 8, 26f / 8}, one.meanAsFloat());
        assertArrayEquals(one.meanAsFloat(), other.meanAsFloat());
        assertEquals(8, one.weight());
        assertEquals(9.0 / 8, one.mean(0));
        assertEquals(one.meanAsFloat()[1], new PayloadSum().merge(one).meanAsFloat()[1], "an empty sum merges away");
    }

    @Test
    void aRoundsPayloadsAreOfOneKindAndLength() {
        PayloadSum sum = new PayloadSum().add(WorkerPayload.of(START, END, PayloadPrecision.FLOAT32), 1);
        assertThrows(IllegalArgumentException.class,
                () -> sum.add(WorkerPayload.of(START, END, PayloadPrecision.BFLOAT16), 1));
        assertThrows(IllegalArgumentException.class,
                () -> sum.add(new WorkerPayload(new float[2], null), 1));
        assertThrows(IllegalArgumentException.class, () -> sum.merge(new PayloadSum().add(
                WorkerPayload.of(START, END, PayloadPrecision.BFLOAT16), 1)));
    }
}
