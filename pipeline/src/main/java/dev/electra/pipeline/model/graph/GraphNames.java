package dev.electra.pipeline.model.graph;

import dev.electra.pipeline.model.ParameterNames;

/**
 * The names of the graph's placeholders, losses and outputs (parameters are named by {@link ParameterNames}): the
 * contract between the model, which feeds the placeholders and reads the outputs, the {@link GraphBuilder}, which
 * declares them, and the hand-written pass, which reads the same placeholders and returns its outputs under the same
 * names so either can compute a step. Shapes:
 * ids and masks [B, L], the slot selection [B, N, L], slot weights and ids [B, N], the attention bias [B, 1, 1, L].
 */
public final class GraphNames {
    public static final String INPUT_IDS = "input_ids";
    public static final String SEGMENT_IDS = "segment_ids";
    public static final String POSITION_IDS = "position_ids";
    public static final String ATTENTION_BIAS = "attention_bias";
    public static final String TOKEN_MASK = "token_mask";
    public static final String CHOSEN = "chosen";
    public static final String SELECTION = "selection";
    public static final String SLOT_WEIGHTS = "slot_weights";
    public static final String SLOT_INPUT_IDS = "slot_input_ids";
    public static final String SLOT_TARGET_IDS = "slot_target_ids";
    public static final String ORIGINAL_IDS = "original_ids";
    public static final String SAMPLING_NOISE = "sampling_noise";
    public static final String TOKEN_EMBEDDINGS = "token_embeddings";

    /** Loss variable of the generator's MLM loss (× gen-weight). */
    public static final String LOSS_GENERATOR = "loss/generator";
    /** Loss variable of the discriminator's sigmoid cross-entropy (× disc-weight). */
    public static final String LOSS_DISCRIMINATOR = "loss/discriminator";
    /** Loss variable of the main encoder of mlm, replace-mlm and all-tokens-mlm. */
    public static final String LOSS_MAIN = "loss/main";

    /**
     * The scalar placeholder that multiplies loss {@code lossName}'s weights: 1 for a whole batch; for a micro-batch
     * of gradient accumulation, its share of the whole batch's positions that loss averages over, so that the
     * micro-batches' gradients sum to the batch's.
     */
    public static String lossShare(String lossName) {
        return "share/" + lossName;
    }

    public static final String OUT_GENERATOR_SLOT_LOSS = "out/generator_slot_loss";
    public static final String OUT_GENERATOR_SLOT_CORRECT = "out/generator_slot_correct";
    public static final String OUT_SAMPLED_IDS = "out/sampled_ids";
    public static final String OUT_DISCRIMINATOR_LOGITS = "out/discriminator_logits";
    /** The discriminator's sigmoid cross-entropy at each token, [B, L], no disc-weight: what its mean loss averages. */
    public static final String OUT_DISCRIMINATOR_TOKEN_LOSS = "out/discriminator_token_loss";
    public static final String OUT_REPLACED = "out/replaced";
    public static final String OUT_MAIN_LOSS = "out/main_token_loss";
    public static final String OUT_MAIN_CORRECT = "out/main_correct";
    public static final String CLASS_LABELS = "class_labels";
    /** Loss variable of a fine-tuned classifier's softmax cross-entropy. */
    public static final String LOSS_CLASSIFIER = "loss/classifier";
    public static final String OUT_CLASS_LOGITS = "out/class_logits";
    /** The main encoder's last hidden states of a classification batch, [B·L, H]. */
    public static final String OUT_MAIN_HIDDEN = "out/main_hidden";

    private GraphNames() {}

    /** The graph's name of block {@code layer}'s output [B·L, H] in the encoder {@code prefix}. */
    public static String blockOutput(String prefix, int layer) {
        return ParameterNames.in(ParameterNames.layer(prefix, layer), "output");
    }
}
