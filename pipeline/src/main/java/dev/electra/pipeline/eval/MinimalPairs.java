package dev.electra.pipeline.eval;

import dev.electra.pipeline.model.ElectraModel;
import dev.electra.pipeline.model.ForwardResult;
import dev.electra.pipeline.model.ModelInput;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The zero-shot minimal-pair test: a pretrained discriminator reads each sentence unmasked, and a sentence's
 * score is its summed "replaced" probability over its tokens. A pair counts as right when the incorrect sentence
 * scores higher than the correct one (a tie counts half). Only objectives with a discriminator take it.
 */
public final class MinimalPairs {
    private MinimalPairs() {}

    /** The share of pairs the discriminator gets right. */
    public static double accuracy(ElectraModel pretrained, EncodedTask pairs, int batchSize) {
        if (!pretrained.objective().hasDiscriminator()) {
            throw new IllegalArgumentException("objective " + pretrained.objective().configName()
                    + " has no discriminator to score minimal pairs with");
        }
        int[][] correct = pairs.ids(Task.Split.TEST);
        double[] good = replacedMass(pretrained, correct, batchSize);
        double[] bad = replacedMass(pretrained, pairs.otherIds(), batchSize);
        double right = 0;
        for (int i = 0; i < good.length; i++) {
            right += bad[i] > good[i] ? 1 : bad[i] == good[i] ? 0.5 : 0;
        }
        return right / good.length;
    }

    /** Σ over each sequence's tokens of the discriminator's probability that the token was replaced. */
    static double[] replacedMass(ElectraModel model, int[][] x, int batchSize) {
        double[] out = new double[x.length];
        for (int from = 0; from < x.length; from += batchSize) {
            int b = Math.min(batchSize, x.length - from);
            int length = 0;
            for (int i = 0; i < b; i++) {
                length = Math.max(length, x[from + i].length);
            }
            int[][] ids = new int[b][length];
            int[][] mask = new int[b][length];
            for (int i = 0; i < b; i++) {
                System.arraycopy(x[from + i], 0, ids[i], 0, x[from + i].length);
                for (int t = 0; t < x[from + i].length; t++) {
                    mask[i][t] = 1;
                }
            }
            // One slot of weight 0 per row: nothing is masked or sampled, the discriminator sees the sentence as is.
            ModelInput in = new ModelInput(ids, ids, new int[b][length], mask, new int[b][1], new float[b][1]);
            ForwardResult r = model.forward(model.placeholders(in, 0, 0, false));
            INDArray p = r.discriminatorProbabilities().castTo(DataType.DOUBLE);
            for (int i = 0; i < b; i++) {
                double sum = 0;
                for (int t = 0; t < x[from + i].length; t++) {
                    sum += p.getDouble(i, t);
                }
                out[from + i] = sum;
            }
        }
        return out;
    }
}
