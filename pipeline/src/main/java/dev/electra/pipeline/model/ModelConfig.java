package dev.electra.pipeline.model;

import java.io.Serializable;

/**
 * Sizes of the networks. The fields describe the full-size network (the discriminator, or the main encoder of the
 * MLM-style objectives); the generator's sizes are derived from them by {@link #generatorFraction} in
 * {@link #generator()}, the one place that derivation happens.
 *
 * @param vocabSize         tokens in the vocabulary (rows of the shared token embedding)
 * @param embeddingSize     width of the shared token/position/segment embeddings (E)
 * @param hiddenSize        width of the discriminator's hidden states (H)
 * @param layers            transformer blocks in each network
 * @param heads             attention heads of the discriminator; must divide {@code hiddenSize}
 * @param ffnSize           inner width of the discriminator's feed-forward blocks
 * @param maxPositions      rows of the position embedding: the longest sequence the model accepts
 * @param typeVocabSize     rows of the segment embedding (2 for [CLS] A [SEP] B [SEP])
 * @param dropout           dropout rate of the embeddings, attention probabilities and block outputs (0.1 in the paper)
 * @param generatorFraction generator hidden, FFN and heads as a fraction of the discriminator's (1/4 for Small)
 * @param initRange         standard deviation of the truncated-normal initialisation (0.02 in BERT/ELECTRA)
 * @param generatorLayers   transformer blocks of the generator; 0: as many as the discriminator (the paper's
 *                          generators are narrower, not shallower)
 */
public record ModelConfig(int vocabSize, int embeddingSize, int hiddenSize, int layers, int heads, int ffnSize,
                          int maxPositions, int typeVocabSize, double dropout, double generatorFraction,
                          double initRange, int generatorLayers) implements Serializable {

    /** A generator as deep as the discriminator. */
    public ModelConfig(int vocabSize, int embeddingSize, int hiddenSize, int layers, int heads, int ffnSize,
                       int maxPositions, int typeVocabSize, double dropout, double generatorFraction,
                       double initRange) {
        this(vocabSize, embeddingSize, hiddenSize, layers, heads, ffnSize, maxPositions, typeVocabSize, dropout,
                generatorFraction, initRange, 0);
    }

    /** Sizes of one transformer encoder. */
    public record EncoderSize(int hidden, int heads, int ffn, int layers) implements Serializable {
        public int headSize() {
            return hidden / heads;
        }
    }

    /**
     * LayerNorm's ε, added to the standard deviation ((x − mean) / (std + ε), as libnd4j's {@code standardize}, the
     * graph's op, does); transformers' {@code layer_norm_eps}, under √(var + ε), agrees to float precision.
     */
    public static final double LAYER_NORM_EPSILON = 1e-12;

    public ModelConfig {
        positive("vocab-size", vocabSize);
        positive("embedding-size", embeddingSize);
        positive("hidden-size", hiddenSize);
        positive("layers", layers);
        positive("heads", heads);
        positive("ffn-size", ffnSize);
        positive("max-positions", maxPositions);
        positive("type-vocab-size", typeVocabSize);
        if (hiddenSize % heads != 0) {
            throw new IllegalArgumentException("hidden-size must be divisible by heads, got hidden-size "
                    + hiddenSize + " and heads " + heads);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
        }
        if (!(generatorFraction > 0 && generatorFraction <= 1)) {
            throw new IllegalArgumentException("generator-fraction must be in (0, 1], got " + generatorFraction);
        }
        if (!(initRange > 0)) {
            throw new IllegalArgumentException("init-range must be positive, got " + initRange);
        }
        if (generatorLayers < 0 || generatorLayers > layers) {
            throw new IllegalArgumentException("generator-layers must be between 0 (as many as the discriminator's "
                    + layers + ") and " + layers + ", got " + generatorLayers);
        }
        EncoderSize g = scaled(hiddenSize, heads, ffnSize, layers, generatorFraction);
        if (g.hidden() % g.heads() != 0) {
            throw new IllegalArgumentException("generator hidden size " + g.hidden() + " (hidden-size " + hiddenSize
                    + " × generator-fraction " + generatorFraction + ") must be divisible by its " + g.heads()
                    + " heads; choose a fraction that scales hidden-size and heads to a divisible pair");
        }
    }

    /** Sizes of the discriminator (or main encoder). */
    public EncoderSize discriminator() {
        return new EncoderSize(hiddenSize, heads, ffnSize, layers);
    }

    /**
     * Sizes of the generator: hidden, FFN and heads scaled by {@code generatorFraction}, at least 1 each;
     * {@code generatorLayers} blocks (the discriminator's count when 0).
     */
    public EncoderSize generator() {
        return scaled(hiddenSize, heads, ffnSize, generatorLayers == 0 ? layers : generatorLayers, generatorFraction);
    }

    /** The same sizes with another dropout rate (0 for gradient checks and evaluation graphs). */
    public ModelConfig withDropout(double rate) {
        return new ModelConfig(vocabSize, embeddingSize, hiddenSize, layers, heads, ffnSize, maxPositions,
                typeVocabSize, rate, generatorFraction, initRange, generatorLayers);
    }

    private static EncoderSize scaled(int hidden, int heads, int ffn, int layers, double fraction) {
        return new EncoderSize(Math.max(1, (int) Math.round(hidden * fraction)),
                Math.max(1, (int) Math.round(heads * fraction)),
                Math.max(1, (int) Math.round(ffn * fraction)), layers);
    }

    private static void positive(String key, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(key + " must be at least 1, got " + value);
        }
    }
}
