package dev.electra.pipeline.eval;

import dev.electra.pipeline.model.ElectraModel;
import dev.electra.pipeline.model.NativeMemory;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Sentence features of a frozen encoder, for probes: the last layer's vector at [CLS] and its mean over a sequence's
 * real tokens ([CLS] and [SEP] included, padding not). The encoder runs without dropout; nothing is trained.
 */
public final class FrozenFeatures {
    private FrozenFeatures() {}

    /** The two poolings of each sequence, [N][H] each. */
    public record Pooled(float[][] cls, float[][] mean) {}

    /**
     * @param classifier a classification model ({@link ElectraModel#classifier}) holding the encoder's parameters;
     *                   its head is not used
     * @param task       gives the sequences' segment ids
     */
    public static Pooled of(ElectraModel classifier, EncodedTask task, int[][] x, int batchSize) {
        int h = classifier.config().hiddenSize();
        float[][] cls = new float[x.length][];
        float[][] mean = new float[x.length][];
        for (int from = 0; from < x.length; from += batchSize) {
            int[] rows = new int[Math.min(batchSize, x.length - from)];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = from + i;
            }
            Map<String, INDArray> ph = FineTuner.placeholders(classifier, task, x, null, rows, 0, false);
            // [B, L, H]
            float[] hidden = classifier.hiddenStates(ph).reshape(-1).toFloatVector();
            int length = (int) ph.get("input_ids").size(1);
            for (int i = 0; i < rows.length; i++) {
                int n = x[rows[i]].length;
                float[] c = new float[h];
                double[] sum = new double[h];
                int base = i * length * h;
                System.arraycopy(hidden, base, c, 0, h);
                for (int t = 0; t < n; t++) {
                    for (int j = 0; j < h; j++) {
                        sum[j] += hidden[base + t * h + j];
                    }
                }
                float[] m = new float[h];
                for (int j = 0; j < h; j++) {
                    m[j] = (float) (sum[j] / n);
                }
                cls[rows[i]] = c;
                mean[rows[i]] = m;
            }
            NativeMemory.release(ph.values());
        }
        return new Pooled(cls, mean);
    }
}
