package dev.electra.pipeline.masking;

/**
 * A batch after dynamic masking. {@code inputIds} [B, L] are the masked inputs, {@code originalIds} [B, L] the
 * originals; {@code chosen} [B, L] is 1 at the positions chosen for prediction. {@code positions} [B, N] lists the
 * chosen positions of each sequence (padded with 0, with {@code positionWeights} 0 there), as the reference's
 * masked_lm_positions / masked_lm_weights.
 */
public record MaskedBatch(Batch batch, int[][] inputIds, int[][] originalIds, byte[][] chosen, int[][] positions,
                          float[][] positionWeights) {

    /** Number of chosen positions in the batch. */
    public long chosenCount() {
        long n = 0;
        for (byte[] row : chosen) {
            for (byte c : row) {
                n += c;
            }
        }
        return n;
    }
}
