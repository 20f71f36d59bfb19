package dev.electra.pipeline.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.electra.pipeline.model.ElectraModel;
import dev.electra.pipeline.model.KernelMode;
import dev.electra.pipeline.model.Objective;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** Pooled features of a frozen encoder: independent of batch padding, the same on every kernel mode. */
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
}
