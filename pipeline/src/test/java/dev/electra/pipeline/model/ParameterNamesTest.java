package dev.electra.pipeline.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.electra.pipeline.model.pass.DirectPass;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The hand-written pass and the graph name the same parameters: what one training step of the pass reads and writes
 * gradients for is exactly the graph's parameter list, for every objective and for the classifier; a dropout site
 * without its mask is an error, not "no dropout".
 */
class ParameterNamesTest {
    private static Set<String> graphNames(ElectraModel model) {
        Set<String> names = new TreeSet<>();
        model.parameters().forEach(p -> names.add(p.name()));
        return names;
    }

    @ParameterizedTest
    @EnumSource(Objective.class)
    void thePassReadsAndTrainsEveryParameterOfTheGraphAndNoOther(Objective objective) {
        ElectraModel model = ElectraModel.build(TinyData.config(0.1, 0.02), objective, LossWeights.paper(),
                SamplingConfig.paper(), DataType.FLOAT, 31);
        model.gradients(model.placeholders(TinyData.batch(), 7, 0, true));
        DirectPass.Touched touched = model.directPass().touched();
        assertEquals(graphNames(model), touched.read(), objective + ": parameters read");
        assertEquals(graphNames(model), touched.gradients(), objective + ": gradients computed");
    }

    @Test
    void theClassifierToo() {
        ElectraModel model = ElectraModel.classifier(TinyData.config(0.1, 0.02), Objective.ELECTRA, 3,
                DataType.FLOAT, 32);
        ModelInput in = TinyData.batch();
        model.classifierGradients(model.classifierPlaceholders(in.originalIds(), in.segmentIds(), new int[] {5, 6},
                new int[] {2, 0}, 6, 0, true));
        DirectPass.Touched touched = model.directPass().touched();
        assertEquals(graphNames(model), touched.read());
        assertEquals(graphNames(model), touched.gradients());
    }

    @Test
    void aMissingDropoutMaskIsAnError() {
        ElectraModel model = ElectraModel.build(TinyData.config(0.1, 0.02), Objective.ELECTRA, LossWeights.paper(),
                SamplingConfig.paper(), DataType.FLOAT, 33);
        Map<String, INDArray> ph = new java.util.HashMap<>(model.placeholders(TinyData.batch(), 7, 0, true));
        String site = ParameterNames.dropout(ParameterNames.in(ParameterNames.layer(ParameterNames.DISCRIMINATOR, 0),
                ParameterNames.ATTENTION_PROBS));
        assertTrue(ph.containsKey(site), ph.keySet().toString());
        ph.remove(site);
        // straight to the pass: the model's own check of its placeholders would stop this earlier
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> model.directPass().run(ph));
        assertTrue(e.getMessage().contains("no dropout mask " + site), e.getMessage());
    }

    @Test
    void fineTuningsLayersAreReadOffTheNames() {
        assertEquals(3, ParameterNames.layerOf(ParameterNames.kernel(ParameterNames.in(
                ParameterNames.layer(ParameterNames.DISCRIMINATOR, 3), ParameterNames.QUERY))).getAsInt());
        assertTrue(ParameterNames.isEmbedding(ParameterNames.WORD_EMBEDDINGS));
        assertTrue(ParameterNames.isEmbedding(ParameterNames.kernel(ParameterNames.embeddingsProject("main"))));
        assertTrue(ParameterNames.isClassifier(ParameterNames.bias(ParameterNames.in(ParameterNames.CLASSIFIER,
                ParameterNames.OUTPUT))));
        assertTrue(ParameterNames.layerOf(ParameterNames.WORD_EMBEDDINGS).isEmpty());
    }
}
