package dev.electra.pipeline.model;

/**
 * Training FLOPs of one optimizer step, counted as the ELECTRA paper compares objectives: the matrix products of
 * the forward pass (2 FLOPs per multiply-add), times 3 for forward and backward. Embedding lookups, LayerNorm,
 * softmax and other element-wise work are left out. The generator counts too: it is the compute ELECTRA spends
 * that BERT's MLM does not.
 */
public final class Flops {
    private Flops() {}

    /**
     * @param sequences sequences per step (all workers)
     * @param length    tokens per sequence
     * @param maskProb  share of positions chosen; the MLM heads run on int((maskProb + 0.005) × length) slots
     */
    public static double perStep(ModelConfig c, Objective objective, long sequences, int length, double maskProb) {
        double tokens = (double) sequences * length;
        double slots = (double) sequences * (int) ((maskProb + 0.005) * length);
        int e = c.embeddingSize();
        int v = c.vocabSize();
        ModelConfig.EncoderSize main = c.discriminator();
        double forward = encoder(main, e, length) * tokens;
        if (objective.hasGenerator()) {
            ModelConfig.EncoderSize gen = c.generator();
            forward += encoder(gen, e, length) * tokens + mlmHead(gen.hidden(), e, v) * slots;
        }
        int h = main.hidden();
        forward += switch (objective) {
            case ELECTRA, ELECTRA_15 -> (2.0 * h * h + 2.0 * h) * tokens;
            case REPLACE_MLM, MLM -> mlmHead(h, e, v) * slots;
            // Copy mechanism: logits over the vocabulary at every token, plus the copy head.
            case ALL_TOKENS_MLM -> (mlmHead(h, e, v) + 2.0 * h * h + 2.0 * h) * tokens;
        };
        return 3 * forward;
    }

    /** Per token: the E→H projection when they differ, then per layer Q, K, V, output, attention and the FFN. */
    static double encoder(ModelConfig.EncoderSize s, int embedding, int length) {
        int h = s.hidden();
        double perLayer = 4 * 2.0 * h * h + 2 * 2.0 * h * s.ffn() + 2 * 2.0 * length * h;
        return (embedding != h ? 2.0 * embedding * h : 0) + s.layers() * perLayer;
    }

    /** Per slot: dense H→E, then logits against the E×V embedding table. */
    static double mlmHead(int h, int embedding, int vocab) {
        return 2.0 * h * embedding + 2.0 * embedding * vocab;
    }
}
