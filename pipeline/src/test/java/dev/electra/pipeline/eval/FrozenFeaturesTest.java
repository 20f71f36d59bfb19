package dev.electra.pipeline.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.electra.pipeline.model.ElectraModel;
import dev.electra.pipeline.model.KernelMode;
import dev.electra.pipeline.model.Objective;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Pooled and per-word features of a frozen encoder: independent of batch padding, the same on every kernel mode; a
 * tagged sentence's encoding, where each word's first piece carries its tag.
 */
class FrozenFeaturesTest {
    private static final EncodedTask PAIRS = new EncodedTask("p", Task.Kind.PAIR_CLASSIFICATION, Task.Metric.ACCURACY,
            2, List.of(), List.of(), null, 3);

    @Test
    void aSequenceHasTheSameFeaturesAloneAndBesideALongerOne() {
        ElectraModel m = ElectraModel.classifier(FineTunerTest.CONFIG.withDropout(0), Objective.ELECTRA, 2,
                DataType.FLOAT, 3);
        int[][] together = {{2, 5, 6, 3}, {2, 7, 8, 9, 10, 11, 3, 12, 13, 3}};
        FrozenFeatures.Pooled both = FrozenFeatures.of(m, PAIRS, together, 2);
        FrozenFeatures.Pooled alone = FrozenFeatures.of(m, PAIRS, new int[][] {together[0]}, 1);
        assertArrayEquals(alone.cls()[0], both.cls()[0], 1e-5f);
        assertArrayEquals(alone.mean()[0], both.mean()[0], 1e-5f, "padding is not averaged");
        assertEquals(FineTunerTest.CONFIG.hiddenSize(), both.mean()[1].length);
    }

    @Test
    void everyKernelModeGivesTheSameFeatures() {
        int[][] x = {{2, 5, 6, 3, 7, 3}, {2, 8, 3}};
        float[][] reference = null;
        for (KernelMode mode : List.of(KernelMode.FUSED, KernelMode.REFERENCE, KernelMode.GRAPH)) {
            ElectraModel m = ElectraModel.classifier(FineTunerTest.CONFIG.withDropout(0), Objective.ELECTRA, 2,
                    DataType.FLOAT, 3).useKernels(mode);
            float[][] mean = FrozenFeatures.of(m, PAIRS, x, 2).mean();
            if (reference == null) {
                reference = mean;
            } else {
                for (int i = 0; i < x.length; i++) {
                    assertArrayEquals(reference[i], mean[i], 1e-5f, mode + " row " + i);
                }
            }
        }
    }

    @Test
    void aTaggedWordIsItsFirstPiecesVector() {
        ElectraModel m = ElectraModel.classifier(FineTunerTest.CONFIG.withDropout(0), Objective.ELECTRA, 2,
                DataType.FLOAT, 3);
        EncodedTask tagging = new EncodedTask("pos", Task.Kind.TAGGING, Task.Metric.ACCURACY, 3, List.of(), List.of(),
                null, 3);
        // sentence 0: [CLS] w1 w2a w2b [SEP]; sentence 1: [CLS] w [SEP]
        int[][] x = {{2, 5, 6, 7, 3}, {2, 8, 3}};
        int[][] tags = {{-1, 2, 0, -1, -1}, {-1, 1, -1}};
        FrozenFeatures.Tokens tokens = FrozenFeatures.tokens(m, tagging, x, tags, 2);
        assertArrayEquals(new int[] {2, 0, 1}, tokens.tags());
        assertArrayEquals(new int[] {0, 0, 1}, tokens.sentence());
        // the position's own vector: the same as the hidden state read directly, alone in its batch
        var ph = FineTuner.placeholders(m, tagging, x, null, new int[] {0}, 0, false);
        float[] hidden = m.hiddenStates(ph).get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                org.nd4j.linalg.indexing.NDArrayIndex.point(2), org.nd4j.linalg.indexing.NDArrayIndex.all())
                .toFloatVector();
        assertArrayEquals(hidden, tokens.features()[1], 1e-5f);
    }

    @Test
    void taggedWordsFirstPieceCarriesTheTag() {
        var t = new dev.electra.tokenizer.TokenizerSpec(dev.electra.tokenizer.Vocabulary.of(concat(
                dev.electra.tokenizer.SpecialTokens.ALL, List.of("the", "jury", "said", "pre", "##sent", "##ments", "."))),
                dev.electra.tokenizer.NormalizerOptions.bertUncased()).build();
        List<String> labels = List.of("NOUN", "VERB", "DET", ".");
        // ids: [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, [MASK] 4, the 5, jury 6, said 7, pre 8, ##sent 9, ##ments 10, . 11
        int[][] e = EncodedTask.encodeTagged(t, "The jury said presentments .", "DET NOUN VERB NOUN .", labels, 16);
        assertArrayEquals(new int[] {2, 5, 6, 7, 8, 9, 10, 11, 3}, e[0]);
        assertArrayEquals(new int[] {-1, 2, 0, 1, 0, -1, -1, 3, -1}, e[1]);
        int[][] cut = EncodedTask.encodeTagged(t, "The jury said presentments .", "DET NOUN VERB NOUN .", labels, 6);
        assertArrayEquals(new int[] {2, 5, 6, 7, 8, 3}, cut[0], "cut to 6 with [CLS] and [SEP]");
        assertArrayEquals(new int[] {-1, 2, 0, 1, 0, -1}, cut[1]);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new java.util.ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
