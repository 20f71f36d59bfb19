package dev.electra.pipeline.distributed;

import dev.electra.pipeline.errors.JobError;
import java.util.Locale;

/**
 * What one averaging round moves through the driver, from the parameter count P, the number of workers K, the
 * optimizer's moments, their averaging policy and the payload precision: computed before the first round so a run
 * that cannot fit its driver is refused at once rather than an hour in (Spark fails a job whose results exceed
 * {@code spark.driver.maxResultSize}, and a driver out of heap dies). Each figure is the worst round of the run
 * (with {@code optimizer-state-every} > 1 rounds that average the moments and rounds that keep them per worker
 * alternate). Bytes are those of the arrays; serialization adds a few bytes per array. A run's figures:
 * {@code Pretraining.roundBytes}.
 *
 * @param parameters      P, the flat parameter vector's length
 * @param workers         K
 * @param broadcastBytes  the arrays the driver sends in a round, each once: parameters 4P, Adam's moments 8P (one
 *                        pair) or K × 8P (one per worker), 16 bytes of data position per worker
 * @param returnBytes     what one worker sends back: its payload (4P or 2P) and its moments (8P, none for SGD)
 * @param aggregateBytes  the one aggregate the driver receives per round ({@link #treeDepth}): the payload's weighted
 *                        sum in double (8P, whatever the payload's precision: the sums stay exact in double, see
 *                        {@link PayloadSum}), and the moments' sums in double (16P) when the round averages them, or
 *                        every worker's own pair (K × 8P) when it keeps them per worker
 * @param driverHeapBytes a lower bound of the driver heap a round needs: the state it holds (parameters 4P, the
 *                        outer momentum 4P with nesterov, the moments it keeps), the serialized copy of the broadcast
 *                        that Spark's block manager keeps while the round runs, the aggregate twice (as received and
 *                        deserialized) and the next parameters 4P
 */
public record RoundBytes(long parameters, int workers, long broadcastBytes, long returnBytes, long aggregateBytes,
                         long driverHeapBytes) {
    private static final long FLOAT = Float.BYTES;
    private static final long DOUBLE = Double.BYTES;
    /** A data position on the wire: two longs. */
    private static final long POSITION = 2L * Long.BYTES;
    /**
     * Most partial sums one merge combines. Each merge holds its inputs at once (an executor's memory for its share
     * of the tree, the driver's for the whole of a flat reduce), so the tree's fan-in stays small whatever K.
     */
    static final int MAX_FAN_IN = 4;

    /**
     * @param moments   whether the optimizer keeps Adam's two moment vectors (AdamW, LAMB; not SGD)
     * @param averaged  whether some rounds average the moments (one pair in the driver's state and broadcast)
     * @param perWorker whether some rounds keep them per worker (K pairs in the driver's state, broadcast, aggregate)
     * @param nesterov  whether the driver keeps an outer momentum
     */
    public static RoundBytes of(long parameters, int workers, boolean moments, boolean averaged, boolean perWorker,
                                PayloadPrecision payload, boolean nesterov) {
        long p = parameters;
        long pair = moments ? 2 * FLOAT * p : 0;
        long heldMoments = Math.max(averaged ? pair : 0, perWorker ? workers * pair : 0);
        long broadcast = FLOAT * p + heldMoments + POSITION * workers;
        long returned = payload.bytesPerValue() * p + pair;
        long momentSums = Math.max(averaged && moments ? 2 * DOUBLE * p : 0, perWorker ? workers * pair : 0);
        long aggregate = DOUBLE * p + momentSums;
        long state = FLOAT * p + (nesterov ? FLOAT * p : 0) + heldMoments;
        long heap = state + broadcast + 2 * aggregate + FLOAT * p;
        return new RoundBytes(p, workers, broadcast, returned, aggregate, heap);
    }

    /**
     * The depth of the round's {@code treeAggregate} for {@code workers} partitions: Spark merges
     * ⌈K^(1/depth)⌉ partial sums per task at each level, so depth ⌈log₂K / log₂{@value #MAX_FAN_IN}⌉ (at least 2)
     * keeps every merge at {@value #MAX_FAN_IN} inputs or fewer (K = 64: depth 3, 64 → 16 → 4 → 1).
     */
    public static int treeDepth(int workers) {
        int depth = 2;
        while (Math.pow(MAX_FAN_IN, depth) < workers) {
            depth++;
        }
        return depth;
    }

    /**
     * Refuses, in one line, a run whose round cannot fit the driver: its aggregate above {@code maxResultSize}
     * (Spark's {@code spark.driver.maxResultSize}; 0 is no limit) or its heap bound above {@code driverHeap} (the
     * driver JVM's {@code Runtime.maxMemory()}).
     */
    public void requireFits(long maxResultSize, long driverHeap) {
        String shape = String.format(Locale.ROOT, "P = %,d parameters, K = %d workers", parameters, workers);
        if (maxResultSize > 0 && aggregateBytes > maxResultSize) {
            throw new JobError(String.format(Locale.ROOT, "pretrain cannot run this configuration: each round the "
                    + "driver receives one aggregate of %s (%s: the payload's sum in double, 8P, and Adam's moments, "
                    + "16P averaged or K × 8P kept per worker), more than spark.driver.maxResultSize = %s; set "
                    + "spark.properties.\"spark.driver.maxResultSize\" to at least %s (and the driver's memory to "
                    + "match), or use fewer workers, distributed.optimizer-state = averaged with "
                    + "optimizer-state-every = 1, or a smaller model", size(aggregateBytes), shape, size(maxResultSize),
                    size(aggregateBytes + aggregateBytes / 4)));
        }
        if (driverHeapBytes > driverHeap) {
            throw new JobError(String.format(Locale.ROOT, "pretrain cannot run this configuration: a round needs at "
                    + "least %s of driver heap (%s: the state the driver holds, the broadcast of %s, the aggregate "
                    + "of %s twice, the next parameters), more than the driver's maximum heap of %s "
                    + "(Runtime.maxMemory()); raise spark.driver.memory (spark-submit --driver-memory, or -Xmx for "
                    + "bin/electra) to at least %s, or use fewer workers, distributed.optimizer-state = averaged "
                    + "with optimizer-state-every = 1, or a smaller model", size(driverHeapBytes), shape,
                    size(broadcastBytes), size(aggregateBytes), size(driverHeap),
                    size(driverHeapBytes + driverHeapBytes / 2)));
        }
    }

    /** Bytes exactly and in GiB or MiB, e.g. {@code 2,640,000,000 bytes (2.46 GiB)}. */
    static String size(long bytes) {
        double gib = bytes / (double) (1L << 30);
        String human = gib >= 1 ? String.format(Locale.ROOT, "%.2f GiB", gib)
                : String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
        return String.format(Locale.ROOT, "%,d bytes (%s)", bytes, human);
    }
}
