package dev.electra.pipeline.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.electra.pipeline.config.ConfigException;
import dev.electra.pipeline.config.ConfigLoader;
import dev.electra.pipeline.model.graph.GraphNames;
import dev.electra.pipeline.train.Pretraining;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class ModelConfigTest {
    /** The size overlays (conf/small.conf, base.conf, tiny.conf) as the model reads them. */
    private static ModelConfig overlay(String name) {
        return Pretraining.modelConfig(ConfigLoader.load(List.of(name), List.of()), 30522, 128);
    }

    @Test
    void theSizeOverlaysGiveThePapersShapes() {
        ModelConfig small = overlay("small");
        assertEquals(new ModelConfig.EncoderSize(256, 4, 1024, 12), small.discriminator());
        assertEquals(new ModelConfig.EncoderSize(64, 1, 256, 12), small.generator(), "Small: a 1/4 generator");
        assertEquals(128, small.embeddingSize());
        ModelConfig base = overlay("base");
        assertEquals(new ModelConfig.EncoderSize(768, 12, 3072, 12), base.discriminator());
        assertEquals(new ModelConfig.EncoderSize(256, 4, 1024, 12), base.generator(), "Base: a 1/3 generator");
        assertEquals(new ModelConfig.EncoderSize(64, 1, 256, 2), overlay("tiny").generator());
    }

    @Test
    void invalidSizesAreRejectedWithTheirValues() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ModelConfig(100, 8, 10, 1, 3, 16, 8, 2, 0.1, 0.5, 0.02));
        assertTrue(e.getMessage().contains("hidden-size 10") && e.getMessage().contains("heads 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new ModelConfig(100, 8, 8, 1, 2, 16, 8, 2, 1.0, 0.5, 0.02));
        assertTrue(e.getMessage().contains("dropout") && e.getMessage().contains("1.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new ModelConfig(100, 8, 24, 1, 6, 16, 8, 2, 0.1, 0.3, 0.02));
        assertTrue(e.getMessage().contains("generator hidden size 7") && e.getMessage().contains("2 heads"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new ModelConfig(100, 8, 8, 2, 2, 16, 8, 2, 0.1, 0.5, 0.02, 3));
        assertTrue(e.getMessage().contains("generator-layers") && e.getMessage().contains("got 3"), e.getMessage());
        ConfigException c = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(List.of("tiny"), List.of("model.generator-layers=5")));
        assertTrue(c.getMessage().contains("model.generator-layers") && c.getMessage().contains("got 5"),
                c.getMessage());
        assertEquals(1, Pretraining.modelConfig(ConfigLoader.load(List.of("tiny"), List.of("model.generator-layers=1")),
                100, 128).generator().layers());
        assertEquals(2, overlay("tiny").generator().layers(), "0: as many blocks as the discriminator");
    }

    @Test
    void objectivesParseByConfigName() {
        for (Objective o : Objective.values()) {
            assertEquals(o, Objective.parse(o.configName()));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Objective.parse("bert"));
        assertTrue(e.getMessage().contains("'bert'")
                && e.getMessage().contains("electra, electra-15, replace-mlm, all-tokens-mlm, mlm"), e.getMessage());
    }

    @Test
    void flatParametersRoundTripAndDecayExcludesBiasesAndLayerNorm() {
        ElectraModel model = ElectraModel.build(TinyData.config(0.0, 0.02), Objective.ELECTRA, LossWeights.paper(),
                SamplingConfig.paper(), DataType.FLOAT, 1);
        float[] flat = model.flatParameters();
        assertEquals(model.parameterCount(), flat.length);
        float[] changed = flat.clone();
        for (int i = 0; i < changed.length; i++) {
            changed[i] = i * 1e-3f;
        }
        model.setFlatParameters(changed);
        assertEquals(java.util.Arrays.toString(changed), java.util.Arrays.toString(model.flatParameters()));
        boolean[] decay = model.weightDecayMask();
        for (ParameterSpec p : model.parameters()) {
            boolean expected = !(p.name().endsWith("bias") || p.name().endsWith("/gain"));
            assertEquals(expected, decay[(int) p.offset()], p.name());
            assertEquals(expected, p.weightDecay(), p.name());
        }
        assertFalse(model.parameters().stream().anyMatch(p -> p.name().equals(GraphNames.TOKEN_EMBEDDINGS)));
    }
}
