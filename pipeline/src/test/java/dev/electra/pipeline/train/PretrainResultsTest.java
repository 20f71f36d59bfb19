package dev.electra.pipeline.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.electra.pipeline.config.ConfigLoader;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** _run.json's pretrain results: the keys its readers (and the Python tables) know, and older runs' files. */
class PretrainResultsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void writtenWithTheRecordedKeysAndReadBackWhole() throws Exception {
        PretrainResults setup = new PretrainResults("electra", "runs/q/shards", "abc", Map.of("shards", 4), 8000, 128,
                1_578_881L, "fused", "as configured", 4.1e12, 27_029L, 160,
                PretrainResults.HeldOutSelection.of(new HeldOut(12345, 160, 27_189)), 2, 32,
                PretrainResults.distributed(ConfigLoader.load(List.of(), List.of("distributed.outer-optimizer=nesterov",
                        "distributed.payload=bfloat16")).distributed()),
                PretrainResults.optimizer(ConfigLoader.load(List.of(), List.of("pretrain.optimizer=lamb",
                        "pretrain.accumulation-steps=4")).pretrain()),
                0L,
                List.of(Map.of("key", "pretrain.steps")), null, null, null, null);
        PretrainResults done = setup.finished(1000, 360.5, 720.25, Map.of("discriminator_auc", 0.54));
        JsonNode written = JSON.valueToTree(done.toMap());
        for (String key : List.of("objective", "vocab_sha256", "data_fingerprint", "vocab_size", "max_seq_length",
                "parameters", "kernels", "kernels_reason", "flops_per_step", "training_examples", "held_out_examples",
                "held_out_selection", "workers", "global_batch", "distributed", "optimizer", "resumed_from_step", "resume_changes", "final_step",
                "wall_seconds", "training_seconds", "held_out")) {
            assertFalse(written.path(key).isMissingNode(), key + " in " + written);
        }
        assertEquals(160, written.path("held_out_selection").path("wanted").asLong());
        assertEquals(4.1e12, written.path("flops_per_step").asDouble());
        assertEquals("{\"averaging_frequency\":4,\"outer_optimizer\":\"nesterov\",\"outer_learning_rate\":0.7,"
                + "\"outer_momentum\":0.9,\"optimizer_state\":\"averaged\",\"optimizer_state_every\":1,"
                + "\"payload\":\"bfloat16\"}", written.path("distributed").toString());
        assertEquals("{\"name\":\"lamb\",\"learning_rate\":5.0E-4,\"weight_decay\":0.01,\"adam_beta1\":0.9,"
                + "\"adam_beta2\":0.999,\"adam_epsilon\":1.0E-6,\"clip_norm\":1.0,\"accumulation_steps\":4,"
                + "\"micro_batch\":32}",
                written.path("optimizer").toString());
        assertEquals(done, PretrainResults.read(written));
        assertFalse(JSON.valueToTree(setup.toMap()).has("final_step"), "no outcome before the run trains");
    }

    /** A run written before data fingerprints and training_seconds: its checksum and wall time stand in. */
    @Test
    void anOlderRunsResultsStillRead() throws Exception {
        PretrainResults old = PretrainResults.read(JSON.readTree(
                "{\"vocab_sha256\": \"abc\", \"wall_seconds\": 42.0, \"final_step\": 300, \"some_later_key\": 1}"));
        assertEquals(Map.of("vocab_sha256", "abc"), old.recordedData());
        assertEquals(42.0, old.trainingSecondsSoFar());
        assertEquals(List.of(), old.changesSoFar());
        assertNull(old.heldOutSelection());
        PretrainResults none = PretrainResults.read(JSON.createObjectNode());
        assertEquals(0.0, none.trainingSecondsSoFar());
        assertEquals(Map.of(), none.recordedData());
    }
}
