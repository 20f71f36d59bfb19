package dev.electra.pipeline.distributed;

/** The precision of what workers send back each round ({@code distributed.payload}); see {@link WorkerPayload}. */
public enum PayloadPrecision {
    /** 4 bytes a value: the worker's parameters themselves, so the driver's mean is exactly today's average. */
    FLOAT32,
    /**
     * 2 bytes a value: the worker's parameter change of the round in bfloat16, half the traffic; the change, not the
     * parameters, because rounding a parameter to 8 significant bits each round would lose more than its round's
     * change (OpenDiLoCo averages its pseudo-gradients in 16 bits without loss).
     */
    BFLOAT16;

    /** Bytes a value takes on the wire. */
    public int bytesPerValue() {
        return this == FLOAT32 ? Float.BYTES : Short.BYTES;
    }
}
