package dev.electra.pipeline.train;

import dev.electra.pipeline.packing.PackedExample;
import dev.electra.pipeline.seeds.Seeds;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Batches drawn from an in-memory list of examples: each epoch visits every example once in an order shuffled
 * from the seed and the epoch number, so a position (epoch, examples consumed) is enough to resume exactly.
 */
public final class ExampleStream {
    private final List<PackedExample> examples;
    private final long seed;
    private long epoch;
    private int offset;
    private int[] order;

    public ExampleStream(List<PackedExample> examples, long seed, long epoch, long examplesInEpoch) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("no training examples");
        }
        if (examplesInEpoch < 0 || examplesInEpoch > examples.size()) {
            throw new IllegalArgumentException("position " + examplesInEpoch + " is outside an epoch of "
                    + examples.size() + " examples; the data changed since the checkpoint was written");
        }
        this.examples = examples;
        this.seed = seed;
        this.epoch = epoch;
        this.offset = (int) examplesInEpoch;
        this.order = permutation(epoch);
    }

    private int[] permutation(long e) {
        int[] p = new int[examples.size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = i;
        }
        SplittableRandom r = new SplittableRandom(seed * Seeds.GOLDEN_GAMMA + e);
        for (int i = p.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** The next {@code size} examples, continuing into the next epoch when this one runs out. */
    public List<PackedExample> next(int size) {
        List<PackedExample> batch = new ArrayList<>(size);
        while (batch.size() < size) {
            if (offset == order.length) {
                epoch++;
                offset = 0;
                order = permutation(epoch);
            }
            batch.add(examples.get(order[offset++]));
        }
        return batch;
    }

    public long epoch() {
        return epoch;
    }

    public long examplesInEpoch() {
        return offset;
    }
}
