package dev.electra.pipeline.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.electra.pipeline.errors.JobError;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResumeCheckTest {
    private static ElectraConfig config(String... sets) {
        return ConfigLoader.load(List.of("tiny"), List.of(sets));
    }

    @Test
    void theSameConfigurationResumesWithoutChanges() {
        ElectraConfig c = config("pretrain.learning-rate=0.001");
        assertEquals(List.of(), ResumeCheck.configuration(c.rendered(), c, "run"));
        assertEquals(List.of(), ResumeCheck.configuration(c.rendered(), config("pretrain.learning-rate=1e-3"), "run"),
                "numbers compare by value, not by how they were written");
    }

    @Test
    void lengthLoggingAndSparkMayChangeAndAreReturned() {
        ElectraConfig before = config("pretrain.steps=100", "spark.master=local[2]");
        List<ResumeCheck.Change> changes = ResumeCheck.configuration(before.rendered(),
                config("pretrain.steps=200", "spark.master=local[1]", "pretrain.log-every=5"), "run");
        assertEquals(List.of("pretrain.log-every", "pretrain.steps", "spark.master"),
                changes.stream().map(ResumeCheck.Change::key).toList());
        ResumeCheck.Change steps = changes.get(1);
        assertEquals("100", steps.from());
        assertEquals("200", steps.to());
        assertEquals(Map.of("step", 40L, "key", "pretrain.steps", "from", "100", "to", "200"), steps.toMap(40));
    }

    /**
     * How the workers' results combine is part of the run: each distributed choice changed on resume is refused in
     * one line naming it with both values, and a checkpoint written before the keys existed counts as the defaults.
     */
    @Test
    void anotherOuterOptimizerMomentsPeriodOrPayloadIsRefused() {
        ElectraConfig before = config();
        for (String[] change : new String[][] {{"distributed.outer-optimizer", "average", "nesterov"},
            {"distributed.outer-learning-rate", "0.7", "0.5"}, {"distributed.outer-momentum", "0.9", "0.8"},
            {"distributed.optimizer-state-every", "1", "3"}, {"distributed.payload", "float32", "bfloat16"}}) {
            JobError e = assertThrows(JobError.class, () -> ResumeCheck.configuration(before.rendered(),
                    config(change[0] + "=" + change[2]), "run"));
            assertTrue(e.getMessage().contains("it was trained with " + change[0] + " = " + change[1]
                    + ", this invocation has " + change[2]) && !e.getMessage().contains("\n"), e.getMessage());
        }
        String withoutTheKeys = before.rendered().replaceAll("(?m)^\\s*(optimizer-state-every|outer-[a-z-]+|payload)"
                + "\\s*=.*$", "");
        assertTrue(!withoutTheKeys.contains("outer-optimizer") && withoutTheKeys.contains("optimizer-state="),
                withoutTheKeys);
        assertEquals(List.of(), ResumeCheck.configuration(withoutTheKeys, before, "run"));
    }

    /** The update rule is part of the run: resuming an AdamW run with LAMB (or the reverse) is refused in one line. */
    @Test
    void anotherOptimizerIsRefused() {
        JobError e = assertThrows(JobError.class, () -> ResumeCheck.configuration(config().rendered(),
                config("pretrain.optimizer=lamb"), "run"));
        assertTrue(e.getMessage().contains("it was trained with pretrain.optimizer = adamw, this invocation has lamb")
                && !e.getMessage().contains("\n"), e.getMessage());
        assertThrows(JobError.class, () -> ResumeCheck.configuration(config("pretrain.optimizer=lamb").rendered(),
                config(), "run"));
    }

    @Test
    void anotherObjectiveBatchOrMaskingIsRefusedWithBothValues() {
        ElectraConfig before = config();
        JobError objective = assertThrows(JobError.class, () -> ResumeCheck.configuration(before.rendered(),
                config("pretrain.objective=electra-15"), "RUN at step 8"));
        assertTrue(objective.getMessage().contains("RUN at step 8")
                && objective.getMessage().contains("pretrain.objective = electra")
                && objective.getMessage().contains("electra-15")
                && objective.getMessage().contains("_effective.conf"), objective.getMessage());
        JobError several = assertThrows(JobError.class, () -> ResumeCheck.configuration(before.rendered(),
                config("pretrain.batch-size=7", "pretrain.mask-prob=0.2", "pretrain.learning-rate=1e-2"), "RUN"));
        assertTrue(several.getMessage().contains("pretrain.batch-size = " + before.pretrain().batchSize())
                && several.getMessage().contains("2 more") && several.getMessage().contains("pretrain.mask-prob"),
                several.getMessage());
        assertThrows(JobError.class, () -> ResumeCheck.configuration(before.rendered(), config("seed=7"), "RUN"));
        assertThrows(JobError.class, () -> ResumeCheck.configuration(before.rendered(),
                config("model.hidden-size=64", "model.heads=2"), "RUN"));
        assertThrows(JobError.class, () -> ResumeCheck.configuration(before.rendered(),
                config("tokenizer.lowercase=false"), "RUN"), "the tokenizer belongs to the run's vocabulary");
    }

    @Test
    void aKeyThisVersionNoLongerHasIsRefusedAsSuch() {
        ElectraConfig now = config();
        // runs before held-out examples were chosen by hash held out whole shards (pretrain.held-out-share)
        String recorded = now.rendered().replace("pretrain {", "pretrain {\n    held-out-share=0.05");
        JobError e = assertThrows(JobError.class, () -> ResumeCheck.configuration(recorded, now, "RUN"));
        assertTrue(e.getMessage().contains("pretrain.held-out-share = 0.05, a key this version no longer has")
                && e.getMessage().contains("finish the run with the version that started it"), e.getMessage());
    }

    @Test
    void aKeyTheCheckpointPredatesCountsAsItsDefault() {
        ElectraConfig now = config();
        String recorded = now.rendered().replaceAll("(?s)resume-may-change=\\[[^]]*]", "");
        assertTrue(!recorded.contains("resume-may-change"), "the key is gone from the recorded text");
        assertEquals(List.of(), ResumeCheck.configuration(recorded, now, "run"));
    }

    @Test
    void changeableKeysAreExactOrWholeSections() {
        assertTrue(ResumeCheck.covered("spark.master", List.of("spark.*")));
        assertTrue(ResumeCheck.covered("pretrain.steps", List.of("pretrain.steps")));
        assertTrue(!ResumeCheck.covered("pretrain.steps-x", List.of("pretrain.steps")));
        assertTrue(!ResumeCheck.covered("sparkle", List.of("spark.*")));
    }

    @Test
    void otherShardsAreRefusedAndTheVocabularyNamed() {
        Map<String, Object> run = Map.of("vocab_sha256", "aaa", "examples", 100, "max_seq_length", 64);
        ResumeCheck.data(run, Map.of("vocab_sha256", "aaa", "examples", 100L, "max_seq_length", 64, "shards", 3),
                "RUN", "SHARDS");
        JobError vocab = assertThrows(JobError.class, () -> ResumeCheck.data(run,
                Map.of("vocab_sha256", "bbb", "examples", 100L, "max_seq_length", 64), "RUN", "SHARDS"));
        assertTrue(vocab.getMessage().contains("shards of another vocabulary") && vocab.getMessage().contains("aaa")
                && vocab.getMessage().contains("bbb") && vocab.getMessage().contains("SHARDS"), vocab.getMessage());
        JobError examples = assertThrows(JobError.class, () -> ResumeCheck.data(run,
                Map.of("vocab_sha256", "aaa", "examples", 90L, "max_seq_length", 64), "RUN", "SHARDS"));
        assertTrue(examples.getMessage().contains("examples 90") && examples.getMessage().contains("100"),
                examples.getMessage());
    }
}
