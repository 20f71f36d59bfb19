package dev.electra.pipeline.masking;

import java.io.Serializable;

/**
 * How inputs are masked, as ELECTRA's pretrain_helpers.mask: the mask-prob, the share of chosen positions that
 * become {@code [MASK]} (the rest keep their token), and a share replaced by random tokens (BERT's 80/10/10,
 * {@link #bert}; no objective here uses it).
 *
 * @param maskProb          share of a sequence's tokens chosen for prediction (0.15 in the paper)
 * @param maskTokenShare    of the chosen positions, the share replaced by {@code [MASK]} (0.85 in ELECTRA)
 * @param randomTokenShare  of the chosen positions, the share replaced by a random token (0 in ELECTRA; 0.1 in
 *                          BERT's 80/10/10, where maskTokenShare is 0.8)
 */
public record MaskingConfig(double maskProb, double maskTokenShare, double randomTokenShare) implements Serializable {
    /** ELECTRA: 85% of the chosen positions become [MASK] and 15% keep their token; no random tokens. */
    public static final double ELECTRA_MASK_TOKEN_SHARE = 0.85;
    /** BERT: 80% [MASK], 10% random token, 10% kept. */
    public static final double BERT_MASK_TOKEN_SHARE = 0.8;
    public static final double BERT_RANDOM_TOKEN_SHARE = 0.1;
    /** Added to mask-prob before sizing the per-sequence maximum, as the reference does (19 for L = 128). */
    private static final double MAX_PREDICTIONS_SLACK = 0.005;

    public MaskingConfig {
        if (!(maskProb > 0 && maskProb < 1)) {
            throw new IllegalArgumentException("mask-prob must be in (0, 1), got " + maskProb);
        }
        if (maskTokenShare < 0 || randomTokenShare < 0 || maskTokenShare + randomTokenShare > 1) {
            throw new IllegalArgumentException("the [MASK] share (" + maskTokenShare + ") and random-token share ("
                    + randomTokenShare + ") must be non-negative and sum to at most 1");
        }
    }

    public static MaskingConfig electra(double maskProb) {
        return new MaskingConfig(maskProb, ELECTRA_MASK_TOKEN_SHARE, 0.0);
    }

    public static MaskingConfig bert(double maskProb) {
        return new MaskingConfig(maskProb, BERT_MASK_TOKEN_SHARE, BERT_RANDOM_TOKEN_SHARE);
    }

    /** N, the most positions predicted per sequence: int((mask-prob + 0.005) × L). */
    public int maxPredictions(int sequenceLength) {
        return (int) ((maskProb + MAX_PREDICTIONS_SLACK) * sequenceLength);
    }
}
