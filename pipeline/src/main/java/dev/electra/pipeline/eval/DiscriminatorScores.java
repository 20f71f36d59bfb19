package dev.electra.pipeline.eval;

import dev.electra.pipeline.model.ElectraModel;
import dev.electra.pipeline.model.ForwardResult;
import dev.electra.pipeline.model.ModelInput;

/**
 * The discriminator as a replaced-token detector: it reads each sequence as it is (nothing masked, nothing sampled,
 * no dropout) and gives one logit per token, [CLS] and [SEP] included; a high logit says "this token looks
 * replaced".
 */
public final class DiscriminatorScores {
    private DiscriminatorScores() {}

    /** Receives each batch's forward result; row i of the batch is sequence {@code from + i}. */
    interface BatchConsumer {
        void accept(int from, ForwardResult result);
    }

    /**
     * Per sequence, the discriminator's logit of every token.
     *
     * @param ids      token ids per sequence, [CLS] … [SEP]
     * @param segments segment ids per sequence, as long as its ids
     */
    public static float[][] logits(ElectraModel model, int[][] ids, int[][] segments, int batchSize) {
        float[][] out = new float[ids.length][];
        forEachBatch(model, ids, segments, batchSize, (from, r) -> {
            // one copy of the batch's [B, L] logits, not one native read per token
            float[][] batch = r.discriminatorLogits().toFloatMatrix();
            for (int i = 0; i < batch.length; i++) {
                out[from + i] = java.util.Arrays.copyOf(batch[i], ids[from + i].length);
            }
        });
        return out;
    }

    /** Runs the model over {@code ids} in batches of up to {@code batchSize}, padded to each batch's longest. */
    static void forEachBatch(ElectraModel model, int[][] ids, int[][] segments, int batchSize,
                             BatchConsumer consumer) {
        if (!model.objective().hasDiscriminator()) {
            throw new IllegalArgumentException("objective " + model.objective().configName()
                    + " has no discriminator to score tokens with");
        }
        for (int from = 0; from < ids.length; from += batchSize) {
            int b = Math.min(batchSize, ids.length - from);
            int length = 0;
            for (int i = 0; i < b; i++) {
                length = Math.max(length, ids[from + i].length);
            }
            int[][] x = new int[b][length];
            int[][] s = new int[b][length];
            int[][] mask = new int[b][length];
            for (int i = 0; i < b; i++) {
                int n = ids[from + i].length;
                if (segments[from + i].length != n) {
                    throw new IllegalArgumentException("sequence " + (from + i) + " has " + n + " ids and "
                            + segments[from + i].length + " segment ids");
                }
                System.arraycopy(ids[from + i], 0, x[i], 0, n);
                System.arraycopy(segments[from + i], 0, s[i], 0, n);
                for (int t = 0; t < n; t++) {
                    mask[i][t] = 1;
                }
            }
            // One slot of weight 0 per row: nothing is masked or sampled, the discriminator sees the input as is.
            ModelInput in = new ModelInput(x, x, s, mask, new int[b][1], new float[b][1]);
            consumer.accept(from, model.forward(model.placeholders(in, 0, 0, false)));
        }
    }
}
