package dev.electra.pipeline.eval;

import dev.electra.pipeline.model.ElectraModel;
import dev.electra.pipeline.model.NativeMemory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Features of a frozen encoder, for probes: per sentence, the last layer's vector at [CLS] and its mean over a
 * sequence's real tokens ([CLS] and [SEP] included, padding not); per tagged word, the last layer's vector at its first
 * sub-token. The encoder runs without dropout; nothing is trained.
 */
public final class FrozenFeatures {
    private FrozenFeatures() {}

    /** The two poolings of each sequence, [N][H] each. */
    public record Pooled(float[][] cls, float[][] mean) {}

    /**
     * One row per tagged word, in sentence order: its vector [W][H], its tag and the index of its sentence (what a
     * bootstrap resamples: words of one sentence are not independent).
     */
    public record Tokens(float[][] features, int[] tags, int[] sentence) {}

    /**
     * @param classifier a classification model ({@link ElectraModel#classifier}) holding the encoder's parameters;
     *                   its head is not used
     * @param task       gives the sequences' segment ids
     */
    public static Pooled of(ElectraModel classifier, EncodedTask task, int[][] x, int batchSize) {
        int h = classifier.config().hiddenSize();
        float[][] cls = new float[x.length][];
        float[][] mean = new float[x.length][];
        forEachBatch(classifier, task, x, batchSize, (rows, hidden, length) -> {
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
        });
        return new Pooled(cls, mean);
    }

    /** The vectors of every tagged position of {@code x} ({@code tags} ≥ 0: a word's first sub-token). */
    public static Tokens tokens(ElectraModel classifier, EncodedTask task, int[][] x, int[][] tags, int batchSize) {
        int h = classifier.config().hiddenSize();
        List<float[]> features = new ArrayList<>();
        List<Integer> gold = new ArrayList<>();
        List<Integer> sentence = new ArrayList<>();
        forEachBatch(classifier, task, x, batchSize, (rows, hidden, length) -> {
            for (int i = 0; i < rows.length; i++) {
                for (int t = 0; t < x[rows[i]].length; t++) {
                    if (tags[rows[i]][t] >= 0) {
                        int base = (i * length + t) * h;
                        features.add(Arrays.copyOfRange(hidden, base, base + h));
                        gold.add(tags[rows[i]][t]);
                        sentence.add(rows[i]);
                    }
                }
            }
        });
        return new Tokens(features.toArray(new float[0][]), gold.stream().mapToInt(Integer::intValue).toArray(),
                sentence.stream().mapToInt(Integer::intValue).toArray());
    }

    /** What one batch's last layer goes to: its rows of {@code x}, [B, L, H] flattened, and L. */
    private interface BatchConsumer {
        void accept(int[] rows, float[] hidden, int length);
    }

    /** The frozen encoder over {@code x} in batches of {@code batchSize}, in order. */
    private static void forEachBatch(ElectraModel classifier, EncodedTask task, int[][] x, int batchSize,
                                     BatchConsumer consumer) {
        for (int from = 0; from < x.length; from += batchSize) {
            int[] rows = new int[Math.min(batchSize, x.length - from)];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = from + i;
            }
            Map<String, INDArray> ph = FineTuner.placeholders(classifier, task, x, null, rows, 0, false);
            float[] hidden = classifier.hiddenStates(ph).reshape(-1).toFloatVector();
            consumer.accept(rows, hidden, (int) ph.get("input_ids").size(1));
            NativeMemory.release(ph.values());
        }
    }
}
