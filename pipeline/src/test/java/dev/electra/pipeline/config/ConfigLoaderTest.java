package dev.electra.pipeline.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @Test
    void referenceDefaultsLoad() {
        ElectraConfig c = ConfigLoader.defaults();
        assertEquals(30522, c.vocab().size());
        assertEquals(128, c.prepare().maxSeqLength());
        assertEquals(0.1, c.prepare().singleSegmentProb());
        assertEquals(ElectraConfig.InputFormat.AUTO, c.input().format());
        assertTrue(c.rendered().contains("max-seq-length"));
    }

    @Test
    void overlaysThenSetsApplyInOrder() {
        ElectraConfig c = ConfigLoader.load(List.of("tiny"), List.of("vocab.size=500", "spark.master=local[2]",
                "spark.properties.\"spark.executor.memory\"=2g"));
        assertEquals(500, c.vocab().size(), "--set wins over the overlay");
        assertEquals(4, c.prepare().numShards(), "from tiny.conf");
        assertEquals("local[2]", c.spark().master(), "unquoted values that are not HOCON are strings");
        assertEquals("2g", c.spark().properties().get("spark.executor.memory"));
    }

    @Test
    void modelAndPretrainSections() {
        ElectraConfig small = ConfigLoader.load(List.of("small"), List.of());
        assertEquals(256, small.model().hiddenSize());
        assertEquals(12, small.model().layers());
        assertEquals(50.0, small.pretrain().discWeight());
        assertEquals(dev.electra.pipeline.model.Objective.ELECTRA, small.pretrain().objective());
        ElectraConfig tiny = ConfigLoader.load(List.of("tiny"), List.of("pretrain.objective=electra-15"));
        assertEquals(2, tiny.model().layers());
        assertEquals(dev.electra.pipeline.model.Objective.ELECTRA_15, tiny.pretrain().objective());
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(List.of(), List.of("pretrain.objective=electra15")));
        assertTrue(e.getMessage().contains("electra-15"), "lists the valid objectives: " + e.getMessage());
        assertThrows(ConfigException.class, () -> ConfigLoader.load(List.of(), List.of("model.heads=3")));
    }

    @Test
    void distributedAndEvaluateKeysAreValidated() {
        ElectraConfig c = ConfigLoader.load(List.of("tiny", "quickstart"), List.of("distributed.workers=2",
                "distributed.optimizer-state=local", "pretrain.optimizer=sgd"));
        assertEquals(2, c.distributed().workers());
        assertEquals(ElectraConfig.OptimizerState.LOCAL, c.distributed().optimizerState());
        assertEquals(ElectraConfig.OptimizerKind.SGD, c.pretrain().optimizer());
        assertEquals(240, c.pretrain().steps(), "the quickstart overlay on top of tiny");
        assertEquals(List.of("sentiment", "acceptability", "genre", "minimal-pairs", "pos"), c.evaluate().tasks());
        ConfigException state = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(List.of(), List.of("distributed.optimizer-state=shared")));
        assertTrue(state.getMessage().contains("averaged, local"), state.getMessage());
        ConfigException workers = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(List.of(), List.of("distributed.workers=0")));
        assertTrue(workers.getMessage().contains("distributed.workers must be at least 1"), workers.getMessage());
        assertThrows(ConfigException.class, () -> ConfigLoader.load(List.of(), List.of("evaluate.seeds=0")));
    }

    /** The outer optimizer, the moments' averaging period and the payload: defaults are today's averaging. */
    @Test
    void outerOptimizerMomentsPeriodAndPayloadAreValidated() {
        ElectraConfig.DistributedConfig d = ConfigLoader.defaults().distributed();
        assertEquals(dev.electra.pipeline.distributed.OuterOptimizer.Kind.AVERAGE, d.outerOptimizer());
        assertEquals(dev.electra.pipeline.distributed.PayloadPrecision.FLOAT32, d.payload());
        assertEquals(1, d.optimizerStateEvery());
        assertEquals(0.7, d.outerLearningRate());
        assertEquals(0.9, d.outerMomentum());
        ElectraConfig.DistributedConfig n = ConfigLoader.load(List.of(), List.of("distributed.outer-optimizer=nesterov",
                "distributed.payload=bfloat16", "distributed.optimizer-state-every=3")).distributed();
        assertEquals(new dev.electra.pipeline.distributed.OuterOptimizer.Nesterov(0.7, 0.9), n.outer());
        assertEquals(dev.electra.pipeline.distributed.PayloadPrecision.BFLOAT16, n.payload());
        assertEquals(List.of(false, false, true, false, false, true),
                java.util.stream.LongStream.rangeClosed(1, 6).mapToObj(n::averagesMomentsAfter).toList());
        for (String[] bad : new String[][] {
            {"distributed.outer-optimizer=adam", "distributed.outer-optimizer must be one of average, nesterov"},
            {"distributed.payload=fp16", "distributed.payload must be one of float32, bfloat16"},
            {"distributed.outer-momentum=1", "distributed.outer-momentum must be in [0, 1), got 1.0"},
            {"distributed.outer-learning-rate=0", "distributed.outer-learning-rate must be positive, got 0.0"},
            {"distributed.optimizer-state-every=0", "distributed.optimizer-state-every must be at least 1, got 0"}}) {
            ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(List.of(),
                    List.of(bad[0])));
            assertTrue(e.getMessage().contains(bad[1]), e.getMessage());
        }
        ConfigException local = assertThrows(ConfigException.class, () -> ConfigLoader.load(List.of(),
                List.of("distributed.optimizer-state=local", "distributed.optimizer-state-every=2")));
        assertTrue(local.getMessage().contains("local never averages them"), local.getMessage());
    }

    @Test
    void theFineTuningRateIsOneRateOrAGridChosenOnDev() {
        assertEquals(List.of(3e-4), ConfigLoader.load(List.of(), List.of()).evaluate().learningRates());
        assertEquals(List.of(1e-4, 3e-4), ConfigLoader.load(List.of(), List.of("evaluate.learning-rate=[1e-4, 3e-4]"))
                .evaluate().learningRates());
        for (String bad : List.of("[]", "[1e-4, -1e-4]", "[1e-4, 1e-4]", "0")) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> ConfigLoader.load(List.of(), List.of("evaluate.learning-rate=" + bad)));
            assertTrue(e.getMessage().contains("evaluate.learning-rate must be a positive rate or a list of distinct "
                    + "positive rates"), e.getMessage());
        }
        assertThrows(ConfigException.class,
                () -> ConfigLoader.load(List.of(), List.of("evaluate.learning-rate=[fast]")));
    }

    @Test
    void overlayFromAFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("mine.conf");
        Files.writeString(file, "prepare { max-seq-length = 256 }\nseed = 7\n");
        ElectraConfig c = ConfigLoader.load(List.of(file.toString()), List.of());
        assertEquals(256, c.prepare().maxSeqLength());
        assertEquals(7, c.seed());
    }

    @Test
    void misspeltKeyFailsAndNamesTheNearestKey() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(List.of(), List.of("prepare.max-seq-lenght=64")));
        assertTrue(e.getMessage().contains("unknown config key 'prepare.max-seq-lenght'"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean 'prepare.max-seq-length'"), e.getMessage());
    }

    @Test
    void aRetiredKeyIsNamedAsSuchAndDroppedFromARunsRecordedConfiguration(@TempDir Path dir) throws Exception {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(List.of(), List.of("pretrain.held-out-share=0.05")));
        assertTrue(e.getMessage().contains("'pretrain.held-out-share' in --set pretrain.held-out-share=0.05 was "
                + "removed: held-out examples are now"), e.getMessage());
        Path recorded = dir.resolve("_effective.conf");
        Files.writeString(recorded, "pretrain { held-out-share = 0.05\n steps = 77\n warmup-steps = 7 }\n");
        assertEquals(77, ConfigLoader.loadRecorded(recorded.toString()).pretrain().steps());
        assertThrows(ConfigException.class, () -> ConfigLoader.load(List.of(recorded.toString()), List.of()));
    }

    @Test
    void misspeltKeyInAFileFailsToo(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.conf");
        Files.writeString(file, "vocab { sise = 100 }\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(List.of(file.toString()), List.of()));
        assertTrue(e.getMessage().contains("'vocab.sise'") && e.getMessage().contains("'vocab.size'"), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), "names the file: " + e.getMessage());
    }

    @Test
    void invalidValuesFailWithKeyAndValue() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(List.of(), List.of("prepare.single-segment-prob=1.5")));
        assertTrue(e.getMessage().contains("prepare.single-segment-prob") && e.getMessage().contains("1.5"), e.getMessage());
        ConfigException wrongType = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(List.of(), List.of("vocab.size=many")));
        assertTrue(wrongType.getMessage().contains("vocab.size"), wrongType.getMessage());
        assertThrows(ConfigException.class, () -> ConfigLoader.load(List.of(), List.of("input.format=xml")));
        assertThrows(ConfigException.class, () -> ConfigLoader.load(List.of(), List.of("no-equals-sign")));
        ConfigException missing = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(List.of("/no/such/file.conf"), List.of()));
        assertTrue(missing.getMessage().contains("/no/such/file.conf"), missing.getMessage());
    }

    @Test
    void numbersAreNumbers() {
        ConfigException fraction = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(List.of(), List.of("pretrain.steps=5.7")));
        assertTrue(fraction.getMessage().contains("pretrain.steps") && fraction.getMessage().contains("whole number")
                && fraction.getMessage().contains("5.7"), fraction.getMessage());
        assertThrows(ConfigException.class, () -> ConfigLoader.load(List.of(), List.of("pretrain.batch-size=2.5")));
        assertThrows(ConfigException.class, () -> ConfigLoader.load(List.of(), List.of("seed=1.5")));
        assertEquals(12, ConfigLoader.load(List.of(), List.of("pretrain.steps=12.0", "pretrain.warmup-steps=2"))
                .pretrain().steps(), "a whole number written with a decimal point is still that number");
        for (String negative : List.of("pretrain.steps=-5", "pretrain.batch-size=-1", "evaluate.seeds=0",
                "pretrain.weight-decay=-0.1", "pretrain.clip-norm=-1", "pretrain.adam-epsilon=0",
                "evaluate.weight-decay=-1", "evaluate.clip-norm=-1", "model.init-range=0", "distributed.workers=-2")) {
            ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(List.of(), List.of(negative)),
                    negative);
            assertTrue(e.getMessage().contains(negative.substring(0, negative.indexOf('='))), e.getMessage());
        }
    }

    @Test
    void nearestKeyByEditDistance() {
        assertEquals(1, ConfigLoader.levenshtein("seed", "seeds"));
        assertEquals("vocab.size", ConfigLoader.nearest("vocab.szie", List.of("vocab.size", "seed", "vocab.min-frequency")));
    }

    @Test
    void everyReferenceKeyHasAComment() throws Exception {
        try (var in = ConfigLoader.class.getResourceAsStream("/conf/reference.conf")) {
            List<String> lines = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines().toList();
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (line.contains("=") && !line.startsWith("#")) {
                    assertTrue(i > 0 && lines.get(i - 1).strip().startsWith("#"),
                            "reference.conf line " + (i + 1) + " has no comment above it: " + line);
                }
            }
        }
    }
}
