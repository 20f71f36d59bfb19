package dev.electra.pipeline.model;

import java.util.List;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one place that spells the model's parameter and dropout-site names: the graph builder, the hand-written pass
 * and its blocks, the transformers mapping, fine-tuning's layer-wise rates and the benches all build names here, so a
 * name cannot be spelt two ways (a dropout site read under a misspelt name used to be "no dropout").
 *
 * <p>The scheme: an encoder ({@link #GENERATOR}, {@link #DISCRIMINATOR}, {@link #MAIN} for the objectives without a
 * discriminator) has its embedding dropout {@code ENCODER/embeddings}, an optional projection
 * {@code ENCODER/embeddings_project} and blocks {@code ENCODER/layer_I}; a block's parts are {@link #BLOCK_DENSE} and
 * {@link #BLOCK_LAYER_NORMS} under it. A dense layer {@code D} has {@code D/kernel} [in, out] and {@code D/bias};
 * a LayerNorm {@code N} has {@code N/gain} and {@code N/bias}; a dropout site {@code S} is the mask placeholder
 * {@code dropout/S}.
 */
public final class ParameterNames {
    public static final String SHARED = "shared";
    public static final String GENERATOR = "generator";
    public static final String DISCRIMINATOR = "discriminator";
    /** The main encoder of the objectives without a discriminator (MLM, Replace MLM, All-Tokens MLM). */
    public static final String MAIN = "main";
    /** The fine-tuning head on the [CLS] position. */
    public static final String CLASSIFIER = "classifier";

    public static final String WORD_EMBEDDINGS = SHARED + "/word_embeddings";
    public static final String POSITION_EMBEDDINGS = SHARED + "/position_embeddings";
    public static final String SEGMENT_EMBEDDINGS = SHARED + "/segment_embeddings";
    public static final String EMBEDDINGS_LN = SHARED + "/embeddings_ln";

    /** A block's dense layers and LayerNorms, relative to the block. */
    public static final String QUERY = "attention/query";
    public static final String KEY = "attention/key";
    public static final String VALUE = "attention/value";
    public static final String ATTENTION_OUTPUT = "attention/output";
    public static final String ATTENTION_LN = "attention/ln";
    public static final String FFN_INTERMEDIATE = "ffn/intermediate";
    public static final String FFN_OUTPUT = "ffn/output";
    public static final String FFN_LN = "ffn/ln";
    public static final List<String> BLOCK_DENSE = List.of(QUERY, KEY, VALUE, ATTENTION_OUTPUT, FFN_INTERMEDIATE,
            FFN_OUTPUT);
    public static final List<String> BLOCK_LAYER_NORMS = List.of(ATTENTION_LN, FFN_LN);
    /** A block's dropout sites, relative to the block: the attention probabilities and the two residual branches. */
    public static final String ATTENTION_PROBS = "attention/probs";

    /** The discriminator's head: dense → GELU → dense to one logit. */
    public static final String DISCRIMINATOR_HEAD = DISCRIMINATOR + "/head";
    /** Names inside a head. */
    public static final String TRANSFORM = "transform";
    public static final String OUTPUT = "output";
    public static final String LN = "ln";
    public static final String OUTPUT_BIAS = "output_bias";
    /** The classifier's dropout sites: on the pooled vector and on the transform's output. */
    public static final String CLASSIFIER_INPUT = CLASSIFIER + "/input";
    public static final String CLASSIFIER_HIDDEN = CLASSIFIER + "/hidden";

    private static final String DROPOUT = "dropout/";
    private static final Pattern LAYER = Pattern.compile("[a-z]+/layer_(\\d+)/.*");

    private ParameterNames() {}

    /** {@code scope/part}: a part of a block, a head or an encoder. */
    public static String in(String scope, String part) {
        return scope + "/" + part;
    }

    /** Block {@code i} of {@code encoder}. */
    public static String layer(String encoder, int i) {
        return encoder + "/layer_" + i;
    }

    /** The embedding dropout site of {@code encoder}. */
    public static String embeddings(String encoder) {
        return encoder + "/embeddings";
    }

    /** The E → H projection of {@code encoder} (when the embedding size differs from its hidden size). */
    public static String embeddingsProject(String encoder) {
        return encoder + "/embeddings_project";
    }

    /** The MLM head of {@code encoder}: dense → GELU → LayerNorm → logits against the word embeddings + bias. */
    public static String mlmHead(String encoder) {
        return encoder + "/mlm_head";
    }

    /** All-Tokens MLM's copy head of {@code encoder}: dense → GELU → dense to the copy probability's logit. */
    public static String copyHead(String encoder) {
        return encoder + "/copy_head";
    }

    public static String kernel(String dense) {
        return dense + "/kernel";
    }

    /** The bias of a dense layer or of a LayerNorm. */
    public static String bias(String layer) {
        return layer + "/bias";
    }

    public static String gain(String layerNorm) {
        return layerNorm + "/gain";
    }

    /** The placeholder of a dropout site's mask. */
    public static String dropout(String site) {
        return DROPOUT + site;
    }

    /** The block a parameter belongs to, if it belongs to one (fine-tuning's layer-wise rates). */
    public static OptionalInt layerOf(String name) {
        Matcher m = LAYER.matcher(name);
        return m.matches() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
    }

    /** Whether a parameter is part of the embeddings: the shared tables and LayerNorm, or an encoder's projection. */
    public static boolean isEmbedding(String name) {
        return name.startsWith(SHARED + "/") || name.contains("/embeddings_project/");
    }

    /** Whether a parameter belongs to the fine-tuning classifier. */
    public static boolean isClassifier(String name) {
        return name.startsWith(CLASSIFIER + "/");
    }
}
