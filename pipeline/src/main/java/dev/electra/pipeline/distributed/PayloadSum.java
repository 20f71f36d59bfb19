package dev.electra.pipeline.distributed;

import java.io.Serializable;

/**
 * The workers' payloads summed, each weighted by the examples its worker trained on, for the driver's weighted mean.
 * Sums are kept in double: each term (a float times an integer weight below 2^29) is exact there, so the order in
 * which a tree aggregation meets the workers changes the result only when one coordinate's terms differ by more
 * than 2^29 in magnitude; with two workers it is exact in any order. All payloads of a round are of one kind
 * (parameters or changes).
 */
public final class PayloadSum implements Serializable {
    private double[] sum;
    private long weight;
    private boolean change;

    /** Adds one worker's payload with weight {@code examples}. */
    public PayloadSum add(WorkerPayload payload, long examples) {
        if (sum == null) {
            sum = new double[payload.length()];
            change = payload.isChange();
        } else if (change != payload.isChange()) {
            throw new IllegalArgumentException("a round's payloads mix parameters and changes");
        }
        payload.addTo(sum, examples);
        weight += examples;
        return this;
    }

    /** Adds another partial sum (associative and, up to the rounding said above, commutative). */
    public PayloadSum merge(PayloadSum other) {
        if (other.sum == null) {
            return this;
        }
        if (sum == null) {
            sum = other.sum;
            change = other.change;
        } else {
            if (change != other.change || sum.length != other.sum.length) {
                throw new IllegalArgumentException("partial sums of different payloads");
            }
            add(sum, other.sum);
        }
        weight += other.weight;
        return this;
    }

    /** Whether the payloads were the workers' changes (else their parameters). */
    public boolean ofChanges() {
        return change;
    }

    /** The total weight (examples). */
    public long weight() {
        return weight;
    }

    /** The weighted mean of coordinate {@code i}, in double. */
    public double mean(int i) {
        return sum[i] / weight;
    }

    /** Values per payload. */
    public int length() {
        return sum == null ? 0 : sum.length;
    }

    /** The weighted mean rounded to float: how parameter averaging (DL4J's) has always finished. */
    public float[] meanAsFloat() {
        return divide(sum, weight);
    }

    /** {@code sum += w · x}, element-wise, in double. */
    public static void accumulate(double[] sum, float[] x, double w) {
        if (sum.length != x.length) {
            throw new IllegalArgumentException("a worker returned " + x.length + " values, expected "
                    + sum.length);
        }
        for (int i = 0; i < x.length; i++) {
            sum[i] += w * x[i];
        }
    }

    /** {@code sum += x}, element-wise. */
    public static void add(double[] sum, double[] x) {
        for (int i = 0; i < x.length; i++) {
            sum[i] += x[i];
        }
    }

    /** {@code sum / weight}, element-wise, rounded to float. */
    public static float[] divide(double[] sum, long weight) {
        float[] out = new float[sum.length];
        for (int i = 0; i < sum.length; i++) {
            out[i] = (float) (sum[i] / weight);
        }
        return out;
    }
}
