package dev.electra.pipeline.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.electra.pipeline.checkpoint.ParameterLayout;
import dev.electra.pipeline.config.ConfigLoader;
import dev.electra.pipeline.errors.JobError;
import dev.electra.pipeline.hf.HfElectra.Network;
import dev.electra.pipeline.hf.SafeTensors.Tensor;
import dev.electra.pipeline.model.ElectraModel;
import dev.electra.pipeline.model.LossWeights;
import dev.electra.pipeline.model.ModelConfig;
import dev.electra.pipeline.model.Objective;
import dev.electra.pipeline.model.SamplingConfig;
import dev.electra.pipeline.train.Pretraining;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The transformers names and shapes of an exported model, written out by hand from modeling_electra.py (not derived
 * from the name map under test), and the export → import round trip.
 */
class HfElectraTest {

    private static ElectraModel model(ModelConfig config, long seed) {
        return ElectraModel.build(config, Objective.ELECTRA, LossWeights.paper(), SamplingConfig.paper(),
                DataType.FLOAT, seed);
    }

    private static ModelConfig sized(String overlay, int vocab) {
        return Pretraining.modelConfig(ConfigLoader.load(List.of(overlay), List.of()), vocab, 128);
    }

    /** modeling_electra's tensors of one network: hidden h, heads-independent, FFN f, layers n. */
    private static Map<String, List<Long>> expected(Network network, int v, int e, int h, int f, int n, int p) {
        Map<String, List<Long>> m = new TreeMap<>();
        m.put("electra.embeddings.word_embeddings.weight", List.of((long) v, (long) e));
        m.put("electra.embeddings.position_embeddings.weight", List.of((long) p, (long) e));
        m.put("electra.embeddings.token_type_embeddings.weight", List.of(2L, (long) e));
        m.put("electra.embeddings.LayerNorm.weight", List.of((long) e));
        m.put("electra.embeddings.LayerNorm.bias", List.of((long) e));
        if (e != h) {
            m.put("electra.embeddings_project.weight", List.of((long) h, (long) e));
            m.put("electra.embeddings_project.bias", List.of((long) h));
        }
        for (int i = 0; i < n; i++) {
            String l = "electra.encoder.layer." + i + ".";
            for (String qkv : List.of("query", "key", "value")) {
                m.put(l + "attention.self." + qkv + ".weight", List.of((long) h, (long) h));
                m.put(l + "attention.self." + qkv + ".bias", List.of((long) h));
            }
            m.put(l + "attention.output.dense.weight", List.of((long) h, (long) h));
            m.put(l + "attention.output.dense.bias", List.of((long) h));
            m.put(l + "attention.output.LayerNorm.weight", List.of((long) h));
            m.put(l + "attention.output.LayerNorm.bias", List.of((long) h));
            m.put(l + "intermediate.dense.weight", List.of((long) f, (long) h));
            m.put(l + "intermediate.dense.bias", List.of((long) f));
            m.put(l + "output.dense.weight", List.of((long) h, (long) f));
            m.put(l + "output.dense.bias", List.of((long) h));
            m.put(l + "output.LayerNorm.weight", List.of((long) h));
            m.put(l + "output.LayerNorm.bias", List.of((long) h));
        }
        if (network == Network.DISCRIMINATOR) {
            m.put("discriminator_predictions.dense.weight", List.of((long) h, (long) h));
            m.put("discriminator_predictions.dense.bias", List.of((long) h));
            m.put("discriminator_predictions.dense_prediction.weight", List.of(1L, (long) h));
            m.put("discriminator_predictions.dense_prediction.bias", List.of(1L));
        } else {
            m.put("generator_predictions.dense.weight", List.of((long) e, (long) h));
            m.put("generator_predictions.dense.bias", List.of((long) e));
            m.put("generator_predictions.LayerNorm.weight", List.of((long) e));
            m.put("generator_predictions.LayerNorm.bias", List.of((long) e));
            m.put("generator_lm_head.weight", List.of((long) v, (long) e));
            m.put("generator_lm_head.bias", List.of((long) v));
        }
        return m;
    }

    private static Map<String, List<Long>> exported(ElectraModel model, Network network) {
        Map<String, List<Long>> m = new TreeMap<>();
        HfElectra.tensors(ParameterLayout.of(model.parameters()), model.flatParameters(), network)
                .forEach((name, t) -> m.put(name, Arrays.stream(t.shape()).boxed().toList()));
        return m;
    }

    @Test
    void tinyAndSmallHaveTransformersNamesAndShapes() {
        // tiny: E = H = 128, 2 layers, FFN 512; generator 64 wide (projected), FFN 256
        ElectraModel tiny = model(sized("tiny", 8000), 1);
        assertEquals(expected(Network.DISCRIMINATOR, 8000, 128, 128, 512, 2, 128), exported(tiny,
                Network.DISCRIMINATOR));
        assertEquals(expected(Network.GENERATOR, 8000, 128, 64, 256, 2, 128), exported(tiny, Network.GENERATOR));
        // small (the paper's ELECTRA-Small): E 128, H 256 (projected), 12 layers, FFN 1024; generator 1/4
        ElectraModel small = model(sized("small", 30522), 1);
        assertEquals(expected(Network.DISCRIMINATOR, 30522, 128, 256, 1024, 12, 512), exported(small,
                Network.DISCRIMINATOR));
        assertEquals(expected(Network.GENERATOR, 30522, 128, 64, 256, 12, 512), exported(small, Network.GENERATOR));
    }

    @Test
    void kernelsAreTransposedToOutByIn() {
        ElectraModel m = model(small(), 3);
        ParameterLayout layout = ParameterLayout.of(m.parameters());
        Map<String, Tensor> d = HfElectra.tensors(layout, m.flatParameters(), Network.DISCRIMINATOR);
        float[] ours = m.parameter("discriminator/layer_1/ffn/intermediate/kernel").reshape(-1).toFloatVector(); // [H, F]
        Tensor theirs = d.get("electra.encoder.layer.1.intermediate.dense.weight"); // [F, H]
        int h = m.config().hiddenSize();
        int f = m.config().ffnSize();
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < f; j++) {
                assertEquals(ours[i * f + j], theirs.values()[j * h + i]);
            }
        }
        assertArrayEquals(m.parameter("shared/embeddings_ln/gain").toFloatVector(),
                d.get("electra.embeddings.LayerNorm.weight").values());
        Map<String, Tensor> g = HfElectra.tensors(layout, m.flatParameters(), Network.GENERATOR);
        assertArrayEquals(m.parameter("generator/mlm_head/output_bias").toFloatVector(),
                g.get("generator_lm_head.bias").values());
        assertArrayEquals(g.get("electra.embeddings.word_embeddings.weight").values(),
                g.get("generator_lm_head.weight").values(), "tied");
    }

    /** E 12 ≠ H 16, so both networks are projected; 2 layers; generator 8 wide. */
    private static ModelConfig small() {
        return new ModelConfig(30, 12, 16, 2, 2, 24, 10, 2, 0.1, 0.5, 0.2);
    }

    private static SafeTensors.Contents file(ElectraModel m, Network n) {
        return SafeTensors.read(HfElectra.safetensors(ParameterLayout.of(m.parameters()), m.flatParameters(), n), n
                .prefix);
    }

    @Test
    void exportImportExportIsByteIdentical() {
        ElectraModel trained = model(small(), 5);
        ElectraModel fresh = model(small(), 99);
        ParameterLayout layout = ParameterLayout.of(trained.parameters());
        byte[] d1 = HfElectra.safetensors(layout, trained.flatParameters(), Network.DISCRIMINATOR);
        byte[] g1 = HfElectra.safetensors(layout, trained.flatParameters(), Network.GENERATOR);
        float[] imported = HfElectra.load(layout, fresh.flatParameters(), SafeTensors.read(d1, "d"), "d",
                SafeTensors.read(g1, "g"), "g");
        assertArrayEquals(trained.flatParameters(), imported, "every parameter comes back");
        assertArrayEquals(d1, HfElectra.safetensors(layout, imported, Network.DISCRIMINATOR));
        assertArrayEquals(g1, HfElectra.safetensors(layout, imported, Network.GENERATOR));
    }

    @Test
    void aDiscriminatorAloneLeavesTheGeneratorFresh() {
        ElectraModel trained = model(small(), 5);
        ElectraModel fresh = model(small(), 99);
        ParameterLayout layout = ParameterLayout.of(trained.parameters());
        float[] imported = HfElectra.load(layout, fresh.flatParameters(), file(trained, Network.DISCRIMINATOR), "d",
                null, null);
        for (ParameterLayout.Tensor t : layout.tensors()) {
            float[] source = t.name().startsWith("generator/") ? fresh.flatParameters() : trained.flatParameters();
            int from = (int) t.offset();
            assertArrayEquals(Arrays.copyOfRange(source, from, from + (int) t.length()),
                    Arrays.copyOfRange(imported, from, from + (int) t.length()), t.name());
        }
    }

    @Test
    void refusesTensorsThatDoNotFit() {
        ElectraModel m = model(small(), 5);
        ParameterLayout layout = ParameterLayout.of(m.parameters());
        Map<String, Tensor> d = new LinkedHashMap<>(HfElectra.tensors(layout, m.flatParameters(),
                Network.DISCRIMINATOR));
        Map<String, Tensor> missing = new LinkedHashMap<>(d);
        missing.remove("electra.encoder.layer.1.attention.self.key.bias");
        JobError e = assertThrows(JobError.class, () -> HfElectra.load(layout, m.flatParameters(),
                new SafeTensors.Contents(missing, Map.of()), "d/model.safetensors", null, null));
        assertTrue(e.getMessage().contains("d/model.safetensors has no tensor electra.encoder.layer.1.attention.self"
                + ".key.bias (our discriminator/layer_1/attention/key/bias"), e.getMessage());

        Map<String, Tensor> reshaped = new LinkedHashMap<>(d);
        reshaped.put("discriminator_predictions.dense.bias", new Tensor(new long[] {17}, new float[17]));
        e = assertThrows(JobError.class, () -> HfElectra.load(layout, m.flatParameters(),
                new SafeTensors.Contents(reshaped, Map.of()), "d", null, null));
        assertTrue(e.getMessage().contains("discriminator_predictions.dense.bias has shape [17] but this model's is "
                + "[16]"), e.getMessage());

        Map<String, Tensor> extra = new LinkedHashMap<>(d);
        extra.put("electra.encoder.layer.2.output.dense.bias", new Tensor(new long[] {16}, new float[16]));
        e = assertThrows(JobError.class, () -> HfElectra.load(layout, m.flatParameters(),
                new SafeTensors.Contents(extra, Map.of()), "d", null, null));
        assertTrue(e.getMessage().contains("tensors this model does not have: [electra.encoder.layer.2.output"
                + ".dense.bias]"), e.getMessage());
    }

    @Test
    void refusesAConfigThatDescribesAnotherModel() {
        ModelConfig c = small();
        ObjectNode config = HfElectra.config(c, Network.GENERATOR, 0);
        HfElectra.requireConfig(config, c, Network.GENERATOR, "g/config.json");
        ObjectNode wider = config.deepCopy().put("hidden_size", 12);
        JobError e = assertThrows(JobError.class, () -> HfElectra.requireConfig(wider, c, Network.GENERATOR,
                "g/config.json"));
        assertEquals("g/config.json: hidden_size is 12 but this model has 8 (model.hidden-size (model"
                + ".generator-fraction scales the generator)); set the configuration to match the model",
                e.getMessage());
        ObjectNode relu = config.deepCopy().put("hidden_act", "relu");
        e = assertThrows(JobError.class, () -> HfElectra.requireConfig(relu, c, Network.GENERATOR, "g"));
        assertTrue(e.getMessage().contains("hidden_act is \"relu\""), e.getMessage());
        // Google's converted checkpoints say "gelu" though they were trained with the tanh form: read, with a warning
        HfElectra.requireConfig(config.deepCopy().put("hidden_act", "gelu"), c, Network.GENERATOR, "g");
        ObjectNode bert = config.deepCopy().put("model_type", "bert");
        e = assertThrows(JobError.class, () -> HfElectra.requireConfig(bert, c, Network.GENERATOR, "g"));
        assertTrue(e.getMessage().contains("model_type is \"bert\""), e.getMessage());
    }

    @Test
    void configDescribesWhatTheModelComputes() {
        ObjectNode d = HfElectra.config(small(), Network.DISCRIMINATOR, 0);
        assertEquals("ElectraForPreTraining", d.get("architectures").get(0).asText());
        assertEquals("gelu_new", d.get("hidden_act").asText());
        assertEquals(16, d.get("hidden_size").asInt());
        assertEquals(1e-12, d.get("layer_norm_eps").asDouble());
        ObjectNode g = HfElectra.config(small(), Network.GENERATOR, 0);
        assertEquals("ElectraForMaskedLM", g.get("architectures").get(0).asText());
        assertEquals(8, g.get("hidden_size").asInt());
        assertEquals(1, g.get("num_attention_heads").asInt());
        assertEquals(12, g.get("intermediate_size").asInt());
        assertTrue(g.get("tie_word_embeddings").asBoolean());
    }
}
