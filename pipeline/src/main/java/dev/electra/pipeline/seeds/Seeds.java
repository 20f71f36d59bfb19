package dev.electra.pipeline.seeds;

/**
 * The one way this code derives seeds from seeds: SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom
 * number generators", OOPSLA 2014). A child seed is a pure function of its parent and an index, so a step, a row, a
 * worker, an epoch or a document gets the same stream whatever runs before it, on any machine.
 */
public final class Seeds {
    /** SplitMix64's increment: 2^64 divided by the golden ratio. */
    public static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    /** Salt of the fine-tuning classifier's initialisation seed (derived from the fine-tuning seed). */
    public static final long CLASSIFIER_INIT = 0x7A5C;
    /** Offset of the fine-tuning steps' indices, so they never meet the epochs' (0, 1, 2, …). */
    public static final long FINE_TUNING_STEPS = 1_000_000L;
    /** Salt of the parameter-averaging workers' data streams, so they never meet the steps' seeds. */
    public static final long WORKER_STREAMS = 0x5DEECE66DL;
    /** Salt of the held-out selection's hash of example numbers. */
    public static final long HELD_OUT = 0x4E1D07L;

    private Seeds() {}

    /** SplitMix64's output function: a 64-bit mix in which every input bit moves about half the output bits. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * The shard of a document under a seed, so neighbouring documents spread over shards: one multiply-xorshift round
     * of SplitMix's, lighter than {@link #mix}. It fixes which shard each document of every existing shard set is in;
     * changing it would move documents between shards and change every run's data.
     */
    public static int shard(long document, long seed, int shards) {
        long h = document * GOLDEN_GAMMA ^ seed;
        h = (h ^ (h >>> 31)) * 0xBF58476D1CE4E5B9L;
        h ^= h >>> 29;
        return (int) Math.floorMod(h, (long) shards);
    }

    /** The seed of child {@code index} of {@code seed} (a step of a run, a row of a step, …). */
    public static long child(long seed, long index) {
        return mix(seed + GOLDEN_GAMMA * (index + 1));
    }

    /**
     * The seed of one training step of a run: it keys the step's masking, sampling noise and dropout masks, so a step
     * is the same whether it runs first or after a resume.
     */
    public static long step(long runSeed, long step) {
        return child(runSeed, step);
    }

    /**
     * The seed of global row {@code row} of a step (the row's index in the step's global batch, worker × per-worker
     * batch + index): a row draws its masking and noise from it, so an example is masked and corrupted the same in
     * any batch and on any worker.
     */
    public static long row(long stepSeed, long row) {
        return child(stepSeed, row);
    }
}
