package dev.electra.pipeline.packing;

import java.io.Serializable;
import java.util.Arrays;

/**
 * One pretraining example {@code [CLS] A [SEP] B [SEP]} (or {@code [CLS] A [SEP]}), unpadded.
 * {@code segmentIds} are 0 for {@code [CLS]}, A and the first {@code [SEP]}, 1 for B and the last {@code [SEP]}.
 */
public record PackedExample(int[] inputIds, byte[] segmentIds) implements Serializable {
    public PackedExample {
        if (inputIds.length != segmentIds.length) {
            throw new IllegalArgumentException("input_ids has " + inputIds.length + " tokens but segment_ids has "
                    + segmentIds.length);
        }
    }

    public int length() {
        return inputIds.length;
    }

    /** True when the example has no segment B. */
    public boolean singleSegment() {
        return segmentIds[segmentIds.length - 1] == 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PackedExample e && Arrays.equals(inputIds, e.inputIds)
                && Arrays.equals(segmentIds, e.segmentIds);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(inputIds) + Arrays.hashCode(segmentIds);
    }

    @Override
    public String toString() {
        return "PackedExample" + Arrays.toString(inputIds) + Arrays.toString(segmentIds);
    }
}
