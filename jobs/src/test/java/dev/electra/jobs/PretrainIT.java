package dev.electra.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.electra.pipeline.config.ElectraConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** pretrain on one worker with a very small model: outputs, and a resumed run that equals an unbroken one. */
class PretrainIT {
    @TempDir
    static Path dir;
    static SparkSession spark;
    static Path shards;

    static final String[] MICRO = {
        "vocab.size=600", "prepare.max-seq-length=64", "prepare.num-shards=3",
        "model.embedding-size=32", "model.hidden-size=32", "model.layers=1", "model.heads=2", "model.ffn-size=64",
        "model.generator-fraction=0.5", "model.max-positions=64",
        "pretrain.batch-size=4", "pretrain.steps=8", "pretrain.warmup-steps=2", "pretrain.log-every=2",
        "pretrain.checkpoint-every=4", "pretrain.eval-batches=2", "pretrain.held-out-share=0.34"};

    @BeforeAll
    static void data() throws IOException {
        spark = SparkTestSession.get();
        Path corpus = Files.createDirectories(dir.resolve("corpus"));
        Files.write(corpus.resolve("brown.txt"), Files.readAllLines(TestData.brown()).subList(0, 1500));
        ElectraConfig config = SparkTestSession.config(MICRO);
        VocabJob.run(spark, config, corpus.toString(), dir.resolve("vocab").toString(), false, List.of("vocab"));
        shards = dir.resolve("shards");
        PrepareJob.run(spark, config, corpus.toString(), dir.resolve("vocab").toString(), shards.toString(), false,
                List.of("prepare"));
    }

    @Test
    void aResumedRunEndsIdenticalToAnUnbrokenOne() throws IOException {
        ElectraConfig config = SparkTestSession.config(MICRO);
        PretrainJob.Result unbroken = PretrainJob.run(spark, config, shards.toString(), dir.resolve("a").toString(),
                false, Long.MAX_VALUE, List.of("pretrain"));
        assertEquals(8, unbroken.step());
        PretrainJob.Result again = PretrainJob.run(spark, config, shards.toString(), dir.resolve("a2").toString(),
                false, Long.MAX_VALUE, List.of("pretrain"));
        assertArrayEquals(unbroken.parameters(), again.parameters(), "same seed and config, same parameters");

        Path b = dir.resolve("b");
        PretrainJob.Result first = PretrainJob.run(spark, config, shards.toString(), b.toString(), false, 5,
                List.of("pretrain"));
        assertEquals(5, first.step());
        PretrainJob.Result resumed = PretrainJob.run(spark, config, shards.toString(), b.toString(), false,
                Long.MAX_VALUE, List.of("pretrain"));
        assertEquals(8, resumed.step());
        assertArrayEquals(unbroken.parameters(), resumed.parameters(), "same parameters after a resume");

        Path run = dir.resolve("a");
        assertTrue(Files.isRegularFile(run.resolve("checkpoints/latest")));
        assertEquals("step-000000008", Files.readString(run.resolve("checkpoints/latest")).strip());
        List<String> lines = Files.readAllLines(run.resolve("metrics/train-000000000.jsonl"));
        assertEquals(4, lines.size(), "a metrics line every 2 steps");
        JsonNode line = new ObjectMapper().readTree(lines.get(0));
        assertEquals(2, line.get("step").asInt());
        assertTrue(line.has("generator_loss") && line.has("discriminator_auc") && line.has("tokens_per_second"),
                line.toString());
        JsonNode info = new ObjectMapper().readTree(run.resolve("_run.json").toFile());
        assertTrue(info.get("results").has("held_out"), info.toString());
    }
}
