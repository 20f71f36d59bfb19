package dev.electra.pipeline.model;

import dev.electra.pipeline.masking.MaskedBatch;

/**
 * One masked batch as the model consumes it. The chosen positions are given as ELECTRA's reference gives them
 * ({@code masked_lm_positions} / {@code masked_lm_weights}): a [B, N] list of positions per sequence, padded with
 * weight 0, because the generator head and the sampler only need the N chosen positions, not all L (the logits
 * are [B·N, V] instead of [B·L, V]).
 *
 * @param inputIds        [B, L] token ids with {@code [MASK]} at (most) chosen positions; the generator's input
 * @param originalIds     [B, L] token ids before masking
 * @param segmentIds      [B, L] 0 for [CLS] A [SEP], 1 for B [SEP], 0 at padding
 * @param attentionMask   [B, L] 1 for real tokens, 0 for padding
 * @param positions       [B, N] chosen positions, distinct among the slots of weight 1
 * @param positionWeights [B, N] 1 for a real slot, 0 for padding slots
 */
public record ModelInput(int[][] inputIds, int[][] originalIds, int[][] segmentIds, int[][] attentionMask,
                         int[][] positions, float[][] positionWeights) {

    public ModelInput {
        int b = inputIds.length;
        if (b == 0) {
            throw new IllegalArgumentException("a batch needs at least one sequence, got 0");
        }
        int l = inputIds[0].length;
        int n = positions.length == 0 ? 0 : positions[0].length;
        if (n == 0) {
            throw new IllegalArgumentException("positions needs at least one slot per sequence, got 0");
        }
        requireShape("original-ids", originalIds, b, l);
        requireShape("segment-ids", segmentIds, b, l);
        requireShape("attention-mask", attentionMask, b, l);
        requireShape("input-ids", inputIds, b, l);
        requireShape("positions", positions, b, n);
        if (positionWeights.length != b) {
            throw new IllegalArgumentException("position-weights has " + positionWeights.length + " rows, expected "
                    + b);
        }
        for (int i = 0; i < b; i++) {
            if (positionWeights[i].length != n) {
                throw new IllegalArgumentException("position-weights row " + i + " has " + positionWeights[i].length
                        + " slots, expected " + n);
            }
            boolean[] seen = new boolean[l];
            for (int j = 0; j < n; j++) {
                float w = positionWeights[i][j];
                if (w != 0f && w != 1f) {
                    throw new IllegalArgumentException("position-weights[" + i + "][" + j + "] must be 0 or 1, got "
                            + w);
                }
                int p = positions[i][j];
                if (p < 0 || p >= l) {
                    throw new IllegalArgumentException("positions[" + i + "][" + j + "] = " + p
                            + " is outside the sequence of length " + l);
                }
                if (w == 1f) {
                    if (seen[p]) {
                        throw new IllegalArgumentException("position " + p + " is chosen twice in sequence " + i);
                    }
                    if (attentionMask[i][p] == 0) {
                        throw new IllegalArgumentException("position " + p + " of sequence " + i
                                + " is chosen but is padding");
                    }
                    seen[p] = true;
                }
            }
            for (int t = 0; t < l; t++) {
                if (!seen[t] && inputIds[i][t] != originalIds[i][t]) {
                    throw new IllegalArgumentException("sequence " + i + " position " + t
                            + " differs from the original but is not chosen (input " + inputIds[i][t] + ", original "
                            + originalIds[i][t] + ")");
                }
            }
        }
    }

    /** Adapts the masker's output. */
    public static ModelInput of(MaskedBatch masked) {
        int b = masked.inputIds().length;
        int[][] segments = new int[b][];
        int[][] mask = new int[b][];
        for (int i = 0; i < b; i++) {
            segments[i] = widen(masked.batch().segmentIds()[i]);
            mask[i] = widen(masked.batch().attentionMask()[i]);
        }
        return new ModelInput(masked.inputIds(), masked.originalIds(), segments, mask, masked.positions(),
                masked.positionWeights());
    }

    public int batchSize() {
        return inputIds.length;
    }

    public int sequenceLength() {
        return inputIds[0].length;
    }

    /** N: prediction slots per sequence. */
    public int slots() {
        return positions[0].length;
    }

    private static int[] widen(byte[] row) {
        int[] out = new int[row.length];
        for (int i = 0; i < row.length; i++) {
            out[i] = row[i];
        }
        return out;
    }

    private static void requireShape(String name, int[][] a, int rows, int cols) {
        if (a.length != rows) {
            throw new IllegalArgumentException(name + " has " + a.length + " rows, expected " + rows);
        }
        for (int i = 0; i < rows; i++) {
            if (a[i].length != cols) {
                throw new IllegalArgumentException(name + " row " + i + " has length " + a[i].length + ", expected "
                        + cols);
            }
        }
    }
}
