package dev.electra.pipeline.distributed;

/**
 * Predicts an averaging round on K workers before anyone pays for the cluster: arithmetic from a worker's measured
 * step time, what a round moves ({@link RoundBytes}), the link's bandwidth and two costs calibrated on real rounds
 * (docs/scaling.md). It is a model, not a measurement, and says so wherever its numbers are printed.
 *
 * <p>A round of H steps takes
 * <pre>  T = H·t_step + c₀ + (B + r + a)/s + B/link + R/link,   R = f·r + (d − 1)·f·a + a</pre>
 * with t_step a worker's step, c₀ the fixed cost of a round (two Spark jobs, the broadcast and the aggregation, task
 * launch, the driver's outer step), B the broadcast's bytes (the driver's uplink sends each array once; Spark's
 * torrent broadcast lets executors fetch blocks from each other, assumed free of contention), r what a worker
 * returns, a the aggregate, s the bytes per second serialization and copying reach on the JVM (calibrated: on one
 * machine the link costs nothing and this is what remains), d the tree's depth and f = ⌈K^(1/d)⌉ its fan-in (each
 * level's merge receives f partial sums over one link; the levels run one after another; the last merge sends one
 * aggregate to the driver). Workers are assumed equally fast and the data local to them.
 *
 * @param stepSeconds     t_step, one worker's optimizer step
 * @param sequences       sequences a worker's step trains on (its batch)
 * @param length          tokens per sequence
 * @param fixedSeconds    c₀
 * @param serdesBytesPerSecond s
 * @param linkBytesPerSecond   the bandwidth of each machine's link, bytes per second
 */
public record ScalingModel(double stepSeconds, int sequences, int length, double fixedSeconds,
                           double serdesBytesPerSecond, double linkBytesPerSecond) {

    public ScalingModel {
        if (!(stepSeconds > 0) || sequences < 1 || length < 1 || !(fixedSeconds >= 0) || !(serdesBytesPerSecond > 0)
                || !(linkBytesPerSecond > 0)) {
            throw new IllegalArgumentException("a scaling model needs a positive step time, batch, length, "
                    + "serialization rate and link bandwidth and a non-negative fixed cost");
        }
    }

    /** A link of {@code gbps} gigabits per second. */
    public static double gigabits(double gbps) {
        return gbps * 1e9 / 8;
    }

    /** What one round of {@code steps} local steps would cost with {@code bytes} moved. */
    public Round round(RoundBytes bytes, int steps) {
        int k = bytes.workers();
        int depth = RoundBytes.treeDepth(k);
        int fanIn = (int) Math.ceil(Math.pow(k, 1.0 / depth) - 1e-9);
        double compute = steps * stepSeconds;
        double broadcast = bytes.broadcastBytes() / linkBytesPerSecond;
        double aggregate = (fanIn * (double) bytes.returnBytes() + (depth - 1) * fanIn * (double) bytes.aggregateBytes()
                + bytes.aggregateBytes()) / linkBytesPerSecond;
        double serdes = (bytes.broadcastBytes() + bytes.returnBytes() + (double) bytes.aggregateBytes())
                / serdesBytesPerSecond;
        double total = compute + fixedSeconds + broadcast + aggregate + serdes;
        double tokens = (double) k * steps * sequences * length;
        return new Round(steps, total, (total - compute) / total, tokens / total, k * sequences);
    }

    /**
     * The fewest local steps per round that keep the communication share at or below {@code share} (e.g. 0.1 for
     * 90% of the time computing); the answer of {@code 1} means even averaging every step does.
     */
    public int stepsForShare(RoundBytes bytes, double share) {
        double overhead = round(bytes, 1).seconds() - stepSeconds;
        double steps = overhead * (1 - share) / (share * stepSeconds);
        return Math.max(1, (int) Math.ceil(steps - 1e-9));
    }

    /**
     * One predicted round.
     *
     * @param seconds         T
     * @param communicationShare (T − H·t_step)/T: the share not spent computing
     * @param tokensPerSecond the cluster's training tokens per second
     * @param globalBatch     sequences per step over all workers
     */
    public record Round(int steps, double seconds, double communicationShare, double tokensPerSecond,
                        int globalBatch) {}
}
