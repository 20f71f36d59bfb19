package dev.electra.pipeline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The fine-tuning classifier takes a pretrained checkpoint's encoder by name and refuses a mismatched one. */
class ClassifierTest {
    @Test
    void loadsTheDiscriminatorAndSharedEmbeddingsNotTheGenerator() {
        ElectraModel pretrained = ElectraModel.build(TinyData.config(0.0, 0.3), Objective.ELECTRA,
                LossWeights.paper(), SamplingConfig.paper(), DataType.FLOAT, 1);
        ElectraModel classifier = ElectraModel.classifier(TinyData.config(0.0, 0.3), Objective.ELECTRA, 2,
                DataType.FLOAT, 2);
        long copied = classifier.loadMatching(pretrained.flatParameters(), pretrained.parameters());
        long expected = 0;
        for (ParameterSpec p : classifier.parameters()) {
            if (p.name().startsWith("shared/") || p.name().startsWith("discriminator/layer_")) {
                expected += p.length();
                assertArrayEquals(pretrained.parameter(p.name()).dup().reshape(-1).toFloatVector(),
                        classifier.parameter(p.name()).dup().reshape(-1).toFloatVector(), p.name());
            }
            assertTrue(!p.name().startsWith("generator/"), "no generator in a classifier: " + p.name());
        }
        assertEquals(expected, copied, "embeddings and encoder copied, the head keeps its initialisation");
    }

    @Test
    void aCheckpointOfAnotherVocabularyIsRefused() {
        ModelConfig other = new ModelConfig(TinyData.VOCAB + 5, 8, 8, 2, 2, 16, 8, 2, 0.0, 0.5, 0.3);
        ElectraModel pretrained = ElectraModel.build(other, Objective.ELECTRA, LossWeights.paper(),
                SamplingConfig.paper(), DataType.FLOAT, 1);
        ElectraModel classifier = ElectraModel.classifier(TinyData.config(0.0, 0.3), Objective.ELECTRA, 2,
                DataType.FLOAT, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> classifier.loadMatching(pretrained.flatParameters(), pretrained.parameters()));
        assertTrue(e.getMessage().contains("shared/word_embeddings") && e.getMessage().contains("vocabulary"),
                e.getMessage());
    }

    @Test
    void predictsOneRowOfLogitsPerSequence() {
        ElectraModel classifier = ElectraModel.classifier(TinyData.config(0.1, 0.3), Objective.MLM, 3,
                DataType.FLOAT, 3);
        ModelInput in = TinyData.batch();
        Map<String, INDArray> ph = classifier.classifierPlaceholders(in.originalIds(), in.segmentIds(),
                new int[] {5, 6}, null, 1, 0, false);
        INDArray logits = classifier.classify(ph);
        assertArrayEquals(new long[] {2, 3}, logits.shape());
    }
}
