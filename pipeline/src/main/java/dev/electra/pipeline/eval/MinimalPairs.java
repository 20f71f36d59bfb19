package dev.electra.pipeline.eval;

import dev.electra.pipeline.model.ElectraModel;
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
        int[][] segments = new int[x.length][];
        for (int i = 0; i < x.length; i++) {
            segments[i] = new int[x[i].length];
        }
        DiscriminatorScores.forEachBatch(model, x, segments, batchSize, (from, r) -> {
            INDArray p = r.discriminatorProbabilities().castTo(DataType.DOUBLE);
            for (int i = 0; i < p.size(0); i++) {
                double sum = 0;
                for (int t = 0; t < x[from + i].length; t++) {
                    sum += p.getDouble(i, t);
                }
                out[from + i] = sum;
            }
        });
        return out;
    }
}
