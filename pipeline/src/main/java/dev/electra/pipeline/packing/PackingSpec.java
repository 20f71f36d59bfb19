package dev.electra.pipeline.packing;

import java.io.Serializable;

/**
 * What example packing needs to know: the length limit, the two probabilities of ELECTRA's
 * build_pretraining_dataset.py and the ids of {@code [CLS]} and {@code [SEP]}.
 */
public record PackingSpec(int maxSeqLength, double singleSegmentProb, double randomLengthProb,
                          int clsId, int sepId) implements Serializable {
    /** The shortest random target length, as in the reference script's {@code randint(5, max_length)}. */
    public static final int MIN_RANDOM_TARGET_LENGTH = 5;

    public PackingSpec {
        if (maxSeqLength < MIN_RANDOM_TARGET_LENGTH) {
            throw new IllegalArgumentException("max-seq-length must be at least " + MIN_RANDOM_TARGET_LENGTH
                    + ", got " + maxSeqLength);
        }
    }
}
