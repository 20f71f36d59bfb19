package dev.electra.pipeline.train;

import dev.electra.pipeline.seeds.Seeds;
import java.io.Serializable;

/**
 * Which pretraining examples are held out for evaluation. Examples are numbered across the whole data set (shard
 * order, then row order: the numbering every worker's share comes from); example {@code g} is held out when a hash of
 * {@code g} seeded by the run's seed falls below {@code wanted / total}. So about {@code wanted} examples are held out,
 * spread over every shard and document, and every other example trains; the same seed and data give the same set on
 * any cluster and any number of workers, and deciding it reads no data.
 *
 * @param wanted how many examples to hold out: what evaluation reads, {@code pretrain.eval-batches ×
 *               pretrain.batch-size} when the run starts (the expected count; the actual one varies by about its
 *               square root)
 * @param total  examples in the data set
 */
public record HeldOut(long seed, long wanted, long total) implements Serializable {
    /** 2^53: the hash's top 53 bits compared with the share, both exact in a double. */
    private static final double SCALE = 0x1p53;

    public HeldOut {
        if (wanted < 0 || total < 0) {
            throw new IllegalArgumentException("held-out examples and the data set's size must be ≥ 0, got " + wanted
                    + " and " + total);
        }
        if (wanted > 0 && wanted * 2 > total) {
            throw new IllegalArgumentException("holding out " + wanted + " examples for evaluation (pretrain"
                    + ".eval-batches × pretrain.batch-size) would leave fewer than half of the " + total + " examples "
                    + "in the data to train on; lower pretrain.eval-batches or prepare more data");
        }
    }

    /**
     * The held-out examples of a run: what evaluation reads ({@code eval-batches × batch-size}) when it starts; a
     * resumed run keeps its recorded choice ({@code previous}) whatever eval-batches says now, so no held-out example
     * ever trains.
     */
    public static HeldOut ofRun(PretrainResults previous, dev.electra.pipeline.config.ElectraConfig config,
                                long examples) {
        long wanted = previous.heldOutSelection() != null ? previous.heldOutSelection().wanted()
                : (long) config.pretrain().evalBatches() * config.pretrain().batchSize();
        return new HeldOut(config.seed(), wanted, examples);
    }

    /** True when example {@code g} is held out. */
    public boolean contains(long g) {
        if (wanted == 0) {
            return false;
        }
        long hash = Seeds.child(Seeds.child(seed, Seeds.HELD_OUT), g) >>> 11;
        return hash < threshold();
    }

    private long threshold() {
        return (long) Math.ceil((double) wanted / total * SCALE);
    }
}
