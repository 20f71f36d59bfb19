package dev.electra.pipeline.masking;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.electra.pipeline.packing.PackedExample;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MaskerTest {
    private static final int PAD = 0;
    private static final int CLS = 2;
    private static final int SEP = 3;
    private static final int MASK = 4;
    private static final int VOCAB = 1000;

    private static Masker electra() {
        return new Masker(MaskingConfig.electra(0.15), MASK, VOCAB, PAD, CLS, SEP);
    }

    /** [CLS] a… [SEP] b… [SEP] with random ordinary tokens (ids ≥ 5), total length {@code len}. */
    private static PackedExample example(int len, SplittableRandom r) {
        int[] ids = new int[len];
        byte[] seg = new byte[len];
        ids[0] = CLS;
        int mid = len / 2;
        for (int t = 1; t < len; t++) {
            ids[t] = 5 + r.nextInt(VOCAB - 5);
            seg[t] = (byte) (t > mid ? 1 : 0);
        }
        ids[mid] = SEP;
        ids[len - 1] = SEP;
        return new PackedExample(ids, seg);
    }

    @Test
    void maxPredictionsIsNineteenForLength128() {
        assertEquals(19, MaskingConfig.electra(0.15).maxPredictions(128));
        assertEquals(76, MaskingConfig.electra(0.15).maxPredictions(491));
    }

    @Test
    void batchPadsOnTheFly() {
        Batch b = Batch.pad(List.of(new PackedExample(new int[] {CLS, 7, SEP}, new byte[3]),
                new PackedExample(new int[] {CLS, 7, 8, SEP, 9, SEP}, new byte[] {0, 0, 0, 0, 1, 1})), 0);
        assertEquals(6, b.sequenceLength());
        assertArrayEquals(new int[] {CLS, 7, SEP, PAD, PAD, PAD}, b.inputIds()[0]);
        assertArrayEquals(new byte[] {1, 1, 1, 0, 0, 0}, b.attentionMask()[0]);
        assertArrayEquals(new byte[] {0, 0, 0, 0, 1, 1}, b.segmentIds()[1]);
        assertEquals(9, b.tokens());
        assertThrows(IllegalArgumentException.class,
                () -> Batch.pad(List.of(new PackedExample(new int[] {CLS, 7, SEP}, new byte[3])), 2));
    }

    @Test
    void statisticsMatchTheSpecification() {
        SplittableRandom data = new SplittableRandom(1);
        SplittableRandom random = new SplittableRandom(2);
        Masker masker = electra();
        long chosen = 0;
        long masked = 0;
        long kept = 0;
        long tokens = 0;
        for (int batch = 0; batch < 200; batch++) {
            List<PackedExample> examples = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                examples.add(example(8 + data.nextInt(121), data));
            }
            MaskedBatch m = masker.mask(Batch.pad(examples, 128), random.nextLong(), 0);
            for (int i = 0; i < examples.size(); i++) {
                int len = m.batch().lengths()[i];
                int n = 0;
                for (int t = 0; t < 128; t++) {
                    int original = m.originalIds()[i][t];
                    if (m.chosen()[i][t] == 1) {
                        n++;
                        assertTrue(t < len, "padding is never chosen");
                        assertTrue(original != CLS && original != SEP && original != MASK, "specials are never chosen");
                        if (m.inputIds()[i][t] == MASK) {
                            masked++;
                        } else {
                            assertEquals(original, m.inputIds()[i][t], "no random tokens in ELECTRA's masking");
                            kept++;
                        }
                    } else {
                        assertEquals(original, m.inputIds()[i][t], "unchosen positions are unchanged");
                    }
                }
                int expected = Math.max(1, Math.min(19, (int) Math.round(len * 0.15)));
                assertEquals(expected, n, "n = max(1, min(N, round(len × mask-prob))) for len " + len);
                chosen += n;
                tokens += len;
                for (int k = 0; k < 19; k++) {
                    if (m.positionWeights()[i][k] == 1f) {
                        assertEquals(1, m.chosen()[i][m.positions()[i][k]], "positions list the chosen positions");
                    }
                }
            }
        }
        double rate = (double) chosen / tokens;
        assertEquals(0.15, rate, 0.01, "masking rate");
        assertEquals(0.85, (double) masked / chosen, 0.01, "share of [MASK] among chosen positions");
        assertEquals(0.15, (double) kept / chosen, 0.01, "share kept among chosen positions");
    }

    @Test
    void bertOptionReplacesTenPercentWithRandomOrdinaryTokens() {
        Masker masker = new Masker(MaskingConfig.bert(0.15), MASK, VOCAB, PAD, CLS, SEP);
        SplittableRandom data = new SplittableRandom(3);
        SplittableRandom random = new SplittableRandom(4);
        long chosen = 0;
        long masked = 0;
        long replaced = 0;
        for (int batch = 0; batch < 200; batch++) {
            List<PackedExample> examples = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                examples.add(example(128, data));
            }
            MaskedBatch m = masker.mask(Batch.pad(examples, 128), random.nextLong(), 0);
            for (int i = 0; i < 16; i++) {
                for (int t = 0; t < 128; t++) {
                    if (m.chosen()[i][t] == 1) {
                        chosen++;
                        int id = m.inputIds()[i][t];
                        if (id == MASK) {
                            masked++;
                        } else if (id != m.originalIds()[i][t]) {
                            replaced++;
                            assertTrue(id > MASK && id < VOCAB, "random tokens are ordinary tokens");
                        }
                    }
                }
            }
        }
        assertEquals(0.8, (double) masked / chosen, 0.015);
        assertEquals(0.1, (double) replaced / chosen, 0.01, "random replacements (a few equal the original)");
    }

    @Test
    void sameSeedSameMasks() {
        SplittableRandom data = new SplittableRandom(5);
        List<PackedExample> examples = List.of(example(40, data), example(90, data));
        Batch b = Batch.pad(examples, 0);
        MaskedBatch x = electra().mask(b, 9, 0);
        MaskedBatch y = electra().mask(b, 9, 0);
        assertArrayEquals(x.inputIds(), y.inputIds());
        assertArrayEquals(x.positions(), y.positions());
    }

    @Test
    void aRowIsMaskedTheSameWhicheverWorkerHoldsIt() {
        SplittableRandom data = new SplittableRandom(6);
        List<PackedExample> examples = List.of(example(64, data), example(64, data), example(64, data));
        MaskedBatch whole = electra().mask(Batch.pad(examples, 64), 11, 0);
        MaskedBatch secondWorker = electra().mask(Batch.pad(examples.subList(2, 3), 64), 11, 2);
        assertArrayEquals(whole.inputIds()[2], secondWorker.inputIds()[0]);
        assertArrayEquals(whole.positions()[2], secondWorker.positions()[0]);
        MaskedBatch otherRow = electra().mask(Batch.pad(examples.subList(2, 3), 64), 11, 1);
        assertFalse(java.util.Arrays.equals(whole.positions()[2], otherRow.positions()[0]),
                "another global row draws other positions");
    }

    @Test
    void aSequenceWithoutCandidatesIsLeftAlone() {
        Batch b = Batch.pad(List.of(new PackedExample(new int[] {CLS, SEP}, new byte[2])), 0);
        MaskedBatch m = electra().mask(b, 1, 0);
        assertEquals(0, m.chosenCount());
    }
}
