package dev.electra.pipeline.masking;

import dev.electra.pipeline.packing.PackedExample;
import java.util.List;

/**
 * A batch padded on the fly (shards store no padding): token ids, segment ids and the attention mask, each
 * [B, L] with L the longest example of the batch (or a fixed length). Padding uses id 0 ({@code [PAD]}).
 */
public record Batch(int[][] inputIds, byte[][] segmentIds, byte[][] attentionMask, int[] lengths) {

    public int size() {
        return inputIds.length;
    }

    public int sequenceLength() {
        return inputIds.length == 0 ? 0 : inputIds[0].length;
    }

    /** Real (non-padding) tokens in the batch. */
    public long tokens() {
        long n = 0;
        for (int len : lengths) {
            n += len;
        }
        return n;
    }

    /**
     * Pads {@code examples} to {@code length}, or to the longest example when {@code length} is 0.
     *
     * @throws IllegalArgumentException when an example is longer than {@code length}
     */
    public static Batch pad(List<PackedExample> examples, int length) {
        int l = length;
        if (l == 0) {
            for (PackedExample e : examples) {
                l = Math.max(l, e.length());
            }
        }
        int b = examples.size();
        int[][] ids = new int[b][l];
        byte[][] segments = new byte[b][l];
        byte[][] mask = new byte[b][l];
        int[] lengths = new int[b];
        for (int i = 0; i < b; i++) {
            PackedExample e = examples.get(i);
            if (e.length() > l) {
                throw new IllegalArgumentException("example " + i + " has " + e.length()
                        + " tokens, more than the batch length " + l);
            }
            System.arraycopy(e.inputIds(), 0, ids[i], 0, e.length());
            System.arraycopy(e.segmentIds(), 0, segments[i], 0, e.length());
            java.util.Arrays.fill(mask[i], 0, e.length(), (byte) 1);
            lengths[i] = e.length();
        }
        return new Batch(ids, segments, mask, lengths);
    }
}
