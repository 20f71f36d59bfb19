package dev.electra.pipeline.distributed;

import java.io.Serializable;

/**
 * What a worker sends back of its parameters after a round: in {@link PayloadPrecision#FLOAT32} its parameters
 * (the driver derives the change where it needs it, and plain averaging stays exactly what it always was); in
 * {@link PayloadPrecision#BFLOAT16} its change θ_k − θ over the round, rounded to bfloat16. Exactly one of the arrays
 * is non-null.
 *
 * @param parameters the worker's parameters after the round (float32 payload), else null
 * @param change     bfloat16 bits of the worker's parameters after the round minus those it started from, else null
 */
public record WorkerPayload(float[] parameters, short[] change) implements Serializable {
    public WorkerPayload {
        if ((parameters == null) == (change == null)) {
            throw new IllegalArgumentException("a payload holds either parameters or a change");
        }
    }

    /**
     * The payload of a worker that started the round at {@code start} and ended it at {@code end}.
     *
     * @throws IllegalArgumentException when the two vectors differ in length
     */
    public static WorkerPayload of(float[] start, float[] end, PayloadPrecision precision) {
        if (start.length != end.length) {
            throw new IllegalArgumentException("a round that started with " + start.length + " parameters ended with "
                    + end.length);
        }
        if (precision == PayloadPrecision.FLOAT32) {
            return new WorkerPayload(end, null);
        }
        short[] change = new short[end.length];
        for (int i = 0; i < end.length; i++) {
            change[i] = BFloat16.encode(end[i] - start[i]);
        }
        return new WorkerPayload(null, change);
    }

    /** Whether this is the change of the round rather than the parameters. */
    public boolean isChange() {
        return change != null;
    }

    /** Values carried (the number of parameters). */
    public int length() {
        return parameters != null ? parameters.length : change.length;
    }

    /** Bytes of the values on the wire. */
    public long bytes() {
        return parameters != null ? (long) Float.BYTES * parameters.length : (long) Short.BYTES * change.length;
    }

    /** Adds {@code weight} × each value to {@code sum}; see {@link PayloadSum} on exactness. */
    void addTo(double[] sum, double weight) {
        if (sum.length != length()) {
            throw new IllegalArgumentException("a worker returned " + length() + " values, expected " + sum.length);
        }
        if (parameters != null) {
            PayloadSum.accumulate(sum, parameters, weight);
        } else {
            for (int i = 0; i < change.length; i++) {
                sum[i] += weight * BFloat16.decode(change[i]);
            }
        }
    }
}
