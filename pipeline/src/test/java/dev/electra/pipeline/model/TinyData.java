package dev.electra.pipeline.model;

/** Tiny shapes shared by the model tests: vocabulary 20 ([PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, [MASK] 4). */
final class TinyData {
    static final int VOCAB = 20;
    static final int MASK = 4;

    private TinyData() {}

    /** Embedding 8 = discriminator hidden 8 (2 heads, FFN 16); generator hidden 4, 1 head, FFN 8, projected. */
    static ModelConfig config(double dropout, double initRange) {
        return new ModelConfig(VOCAB, 8, 8, 2, 2, 16, 8, 2, dropout, 0.5, initRange);
    }

    /**
     * B = 2, L = 6, N = 2. Sequence 0 has one padding position; sequence 1 has one padding slot. Position 1 of
     * sequence 0 and 2 of sequence 1 are [MASK]ed, position 3 of sequence 0 is chosen but keeps its token.
     */
    static ModelInput batch() {
        int[][] original = {{2, 7, 11, 9, 3, 0}, {2, 5, 13, 3, 17, 3}};
        int[][] input = {{2, MASK, 11, 9, 3, 0}, {2, 5, MASK, 3, 17, 3}};
        int[][] segments = {{0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 1, 1}};
        int[][] mask = {{1, 1, 1, 1, 1, 0}, {1, 1, 1, 1, 1, 1}};
        int[][] positions = {{1, 3}, {2, 0}};
        float[][] weights = {{1, 1}, {1, 0}};
        return new ModelInput(input, original, segments, mask, positions, weights);
    }
}
