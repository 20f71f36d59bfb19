package dev.electra.pipeline.masking;

import dev.electra.pipeline.seeds.Seeds;
import java.util.SplittableRandom;

/**
 * Dynamic masking, as ELECTRA's {@code pretrain_helpers.mask}: per sequence, n = max(1, min(N, round(len ×
 * mask-prob))) positions are chosen among the candidates (not {@code [CLS]}, {@code [SEP]}, {@code [MASK]} or
 * padding), with N = int((mask-prob + 0.005) × L); of those, {@code maskTokenShare} become {@code [MASK]}, a
 * {@code randomTokenShare} become a random non-special token (0 for every objective here: ELECTRA's masking; BERT's
 * 80/10/10 is {@link MaskingConfig#bert}, for experiments), and the rest keep their token.
 *
 * <p>One deliberate difference: the reference draws positions with replacement ({@code tf.random.categorical}), so
 * a sequence sometimes gets fewer than n distinct positions; here the n positions are distinct.
 */
public final class Masker {
    private final MaskingConfig config;
    private final int maskId;
    private final int vocabSize;
    private final boolean[] excluded;
    private final int firstRandomId;

    /**
     * @param excludedIds ids that are never chosen ([CLS], [SEP], [MASK], [PAD]); random replacement tokens are
     *                    drawn from ids above the largest of them, where the vocabulary's ordinary tokens start
     */
    public Masker(MaskingConfig config, int maskId, int vocabSize, int... excludedIds) {
        this.config = config;
        this.maskId = maskId;
        this.vocabSize = vocabSize;
        int maxExcluded = maskId;
        for (int id : excludedIds) {
            maxExcluded = Math.max(maxExcluded, id);
        }
        this.excluded = new boolean[maxExcluded + 1];
        this.excluded[maskId] = true;
        for (int id : excludedIds) {
            this.excluded[id] = true;
        }
        this.firstRandomId = maxExcluded + 1;
        if (firstRandomId >= vocabSize) {
            throw new IllegalArgumentException("the vocabulary of " + vocabSize + " tokens has no ordinary tokens");
        }
    }

    /**
     * Masks every row of {@code batch} with its own random stream, seeded by {@code stepSeed} and the row's index in
     * the step's global batch ({@code firstRow + i}): a row is masked the same way whichever worker holds it and
     * however the global batch is split, which makes N workers of batch B equivalent to one worker of batch N·B.
     */
    public MaskedBatch mask(Batch batch, long stepSeed, int firstRow) {
        int b = batch.size();
        int l = batch.sequenceLength();
        int maxPredictions = Math.max(1, config.maxPredictions(l));
        int[][] masked = new int[b][];
        byte[][] chosen = new byte[b][l];
        int[][] positions = new int[b][maxPredictions];
        float[][] weights = new float[b][maxPredictions];
        int[] candidates = new int[l];
        for (int i = 0; i < b; i++) {
            SplittableRandom random = new SplittableRandom(Seeds.row(stepSeed, firstRow + i));
            int[] ids = batch.inputIds()[i];
            masked[i] = ids.clone();
            int count = 0;
            for (int t = 0; t < batch.lengths()[i]; t++) {
                if (!isExcluded(ids[t])) {
                    candidates[count++] = t;
                }
            }
            int n = Math.max(1, Math.min(maxPredictions, (int) Math.round(batch.lengths()[i] * config.maskProb())));
            n = Math.min(n, count);
            // Partial Fisher-Yates: the first n candidates become a uniform sample without replacement.
            for (int k = 0; k < n; k++) {
                int j = k + random.nextInt(count - k);
                int tmp = candidates[k];
                candidates[k] = candidates[j];
                candidates[j] = tmp;
            }
            java.util.Arrays.sort(candidates, 0, n);
            for (int k = 0; k < n; k++) {
                int t = candidates[k];
                chosen[i][t] = 1;
                positions[i][k] = t;
                weights[i][k] = 1f;
                double u = random.nextDouble();
                if (u < config.maskTokenShare()) {
                    masked[i][t] = maskId;
                } else if (u < config.maskTokenShare() + config.randomTokenShare()) {
                    masked[i][t] = random.nextInt(firstRandomId, vocabSize);
                }
            }
        }
        return new MaskedBatch(batch, masked, batch.inputIds(), chosen, positions, weights);
    }

    private boolean isExcluded(int id) {
        return id < excluded.length && excluded[id];
    }
}
