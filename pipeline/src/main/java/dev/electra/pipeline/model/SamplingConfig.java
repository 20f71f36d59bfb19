package dev.electra.pipeline.model;

import java.io.Serializable;

/**
 * How replacements are sampled from the generator.
 *
 * @param temperature     generator logits are divided by it before sampling (1.0 in the paper)
 * @param disallowCorrect when true, the original token cannot be sampled, so every chosen position is replaced
 */
public record SamplingConfig(double temperature, boolean disallowCorrect) implements Serializable {
    public SamplingConfig {
        if (!(temperature > 0 && Double.isFinite(temperature))) {
            throw new IllegalArgumentException("temperature must be finite and positive, got " + temperature);
        }
    }

    /** The paper's setting: temperature 1, the original token may be sampled (and then counts as real). */
    public static SamplingConfig paper() {
        return new SamplingConfig(1.0, false);
    }
}
