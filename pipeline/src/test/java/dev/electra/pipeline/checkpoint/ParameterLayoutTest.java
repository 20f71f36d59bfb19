package dev.electra.pipeline.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.electra.pipeline.config.ConfigLoader;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.errors.JobError;
import dev.electra.pipeline.model.ElectraModel;
import dev.electra.pipeline.model.ParameterSpec;
import dev.electra.pipeline.train.Pretraining;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

class ParameterLayoutTest {
    /** The fixture's model: written by the code of bd51585, before checkpoints recorded their layout. */
    private static final Path FIXTURE = Path.of("src/test/resources/checkpoint-v1");

    private static ElectraConfig config(String rendered, @TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("run.conf"), rendered);
        return ConfigLoader.loadRecorded(file.toString());
    }

    @Test
    void aCheckpointWrittenBeforeLayoutsWereRecordedLoadsIntoTheRightTensors(@TempDir Path dir) throws IOException {
        TrainingState state = new Checkpoints(new LocalStorage(FIXTURE), 1).loadLatest().orElseThrow();
        assertEquals(3, state.step());
        assertFalse(state.layout().recorded(), "format 1 has no layout");
        ElectraModel model = Pretraining.model(config(state.config(), dir), 40, 16);
        ParameterLayout.of(model.parameters()).requireSame(ParameterLayout.of(model.parameters()), "the model");
        state.layout().requireSame(ParameterLayout.of(model.parameters()), "the fixture");
        model.setFlatParameters(state.params());

        JsonNode expected = new ObjectMapper().readTree(FIXTURE.resolve("expected.json").toFile());
        assertEquals(expected.size(), model.parameters().size(), "as many parameters as when the fixture was written");
        Iterator<Map.Entry<String, JsonNode>> fields = expected.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            INDArray a = model.parameter(e.getKey());
            long[] shape = new ObjectMapper().convertValue(e.getValue().get("shape"), long[].class);
            assertArrayEquals(shape, a.shape(), e.getKey());
            float[] values = a.dup().data().asFloat();
            assertEquals(e.getValue().get("first").floatValue(), values[0], e.getKey() + " first value");
            assertEquals(e.getValue().get("last").floatValue(), values[values.length - 1], e.getKey() + " last value");
        }
    }

    @Test
    void checkpointsRecordTheLayoutAndReadItBack(@TempDir Path dir) throws IOException {
        ElectraConfig config = ConfigLoader.load(List.of("tiny"), List.of("model.embedding-size=8",
                "model.hidden-size=8", "model.layers=1", "model.heads=2", "model.ffn-size=16",
                "model.max-positions=16"));
        ElectraModel model = Pretraining.model(config, 40, 16);
        ParameterLayout layout = ParameterLayout.of(model.parameters());
        float[] params = model.flatParameters();
        new Checkpoints(new LocalStorage(dir), 1).save(new TrainingState(2, params, params.clone(), params.clone(), 1,
                new long[] {0}, new long[] {0}, config.rendered(), layout));
        JsonNode json = new ObjectMapper().readTree(dir.resolve("step-000000002/state.json").toFile());
        assertEquals(Checkpoints.FORMAT, json.get("format").asText());
        ParameterSpec first = model.parameters().get(0);
        assertEquals(first.name(), json.get("parameters").get(0).get("name").asText());
        assertEquals(first.shape()[1], json.get("parameters").get(0).get("shape").get(1).asLong());
        ParameterSpec last = model.parameters().get(model.parameters().size() - 1);
        assertEquals(last.offset(), json.get("parameters").get(model.parameters().size() - 1).get("offset").asLong());
        assertEquals(params.length, json.get("parameter_count").asLong());

        TrainingState back = new Checkpoints(new LocalStorage(dir), 1).load("step-000000002");
        assertEquals(layout.tensors().toString(), back.layout().tensors().toString());
        back.layout().requireSame(layout, "the checkpoint");
    }

    @Test
    void anotherLayoutIsRefusedNamingTheFirstParameterThatDiffers() {
        ElectraConfig one = ConfigLoader.load(List.of("tiny"), List.of("model.layers=1"));
        ElectraConfig two = ConfigLoader.load(List.of("tiny"), List.of("model.layers=2"));
        ParameterLayout small = ParameterLayout.of(Pretraining.model(one, 40, 16).parameters());
        ParameterLayout large = ParameterLayout.of(Pretraining.model(two, 40, 16).parameters());
        JobError e = assertThrows(JobError.class, () -> small.requireSame(large, "checkpoint X"));
        assertTrue(e.getMessage().startsWith("checkpoint X does not fit this model: its parameter ")
                && e.getMessage().contains("layer_1"), e.getMessage());

        List<ParameterLayout.Tensor> swapped = new ArrayList<>();
        ParameterLayout.Tensor a = small.tensors().get(0);
        ParameterLayout.Tensor b = small.tensors().get(1);
        swapped.add(new ParameterLayout.Tensor(b.name(), b.shape(), 0));
        swapped.add(new ParameterLayout.Tensor(a.name(), a.shape(), b.length()));
        swapped.addAll(small.tensors().subList(2, small.tensors().size()));
        JobError order = assertThrows(JobError.class, () -> new ParameterLayout(swapped).requireSame(small, "X"));
        assertTrue(order.getMessage().contains("its parameter 1 is " + b.name()) && order.getMessage()
                .contains("the model's is " + a.name()), order.getMessage());

        IllegalArgumentException gap = assertThrows(IllegalArgumentException.class, () -> new ParameterLayout(List.of(
                new ParameterLayout.Tensor("a", new long[] {2}, 0), new ParameterLayout.Tensor("b", new long[] {2}, 3))));
        assertTrue(gap.getMessage().contains("starts at 3, expected 2"), gap.getMessage());
    }
}
