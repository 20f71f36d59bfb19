package dev.electra.pipeline.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one optimizer step measured. Discriminator figures are over all non-padding tokens of the batch (label:
 * replaced); NaN where the objective has no such network.
 */
public record StepMetrics(long step, double learningRate, double totalLoss, Map<String, Double> lossTerms,
                          double generatorLoss, double generatorAccuracy, double discriminatorLoss,
                          double discriminatorAccuracy, double discriminatorPrecision, double discriminatorRecall,
                          double discriminatorAuc, double replacedShare, double mainLoss, double mainAccuracy,
                          double gradientNorm, long tokens, double seconds) {

    /** Tokens per second of this step. */
    public double tokensPerSecond() {
        return seconds > 0 ? tokens / seconds : Double.NaN;
    }

    /** A flat map for a JSON line (NaN values left out, as JSON has no NaN). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("step", step);
        put(m, "lr", learningRate);
        put(m, "loss", totalLoss);
        lossTerms.forEach((k, v) -> put(m, k, v));
        put(m, "generator_loss", generatorLoss);
        put(m, "generator_accuracy", generatorAccuracy);
        put(m, "discriminator_loss", discriminatorLoss);
        put(m, "discriminator_accuracy", discriminatorAccuracy);
        put(m, "discriminator_precision", discriminatorPrecision);
        put(m, "discriminator_recall", discriminatorRecall);
        put(m, "discriminator_auc", discriminatorAuc);
        put(m, "replaced_share", replacedShare);
        put(m, "main_loss", mainLoss);
        put(m, "main_accuracy", mainAccuracy);
        put(m, "gradient_norm", gradientNorm);
        m.put("tokens", tokens);
        put(m, "seconds", seconds);
        put(m, "tokens_per_second", tokensPerSecond());
        return m;
    }

    private static void put(Map<String, Object> m, String key, double value) {
        if (!Double.isNaN(value) && !Double.isInfinite(value)) {
            m.put(key, value);
        }
    }
}
