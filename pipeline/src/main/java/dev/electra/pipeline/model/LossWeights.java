package dev.electra.pipeline.model;

import java.io.Serializable;

/**
 * Weights of the loss terms: {@code total = genWeight × generator MLM loss + discWeight × discriminator loss}.
 *
 * @param genWeight  weight of the generator's MLM loss (1.0 in the paper)
 * @param discWeight weight of the discriminator's mean sigmoid cross-entropy (50 in the paper: its binary loss is
 *                   much smaller than the MLM loss)
 */
public record LossWeights(double genWeight, double discWeight) implements Serializable {
    public LossWeights {
        if (!(genWeight >= 0 && Double.isFinite(genWeight))) {
            throw new IllegalArgumentException("gen-weight must be finite and at least 0, got " + genWeight);
        }
        if (!(discWeight >= 0 && Double.isFinite(discWeight))) {
            throw new IllegalArgumentException("disc-weight must be finite and at least 0, got " + discWeight);
        }
    }

    /** The paper's weights: gen-weight 1, disc-weight 50. */
    public static LossWeights paper() {
        return new LossWeights(1.0, 50.0);
    }
}
