package dev.electra.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.eval.GlueTasks;
import dev.electra.pipeline.eval.Task;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * evaluate on GLUE's nine classification layouts as GLUE ships them (hand-written fixtures in
 * pipeline/src/test/resources/glue) and on our own pair-classification format, end to end on local Spark.
 */
class GlueIT {
    @TempDir
    static Path dir;
    static SparkSession spark;
    static Path run;
    static Path vocab;

    static final String[] MICRO = {
        "vocab.size=400", "prepare.max-seq-length=32", "prepare.num-shards=2",
        "model.embedding-size=16", "model.hidden-size=16", "model.layers=1", "model.heads=2", "model.ffn-size=32",
        "model.generator-fraction=0.5", "model.max-positions=32",
        "pretrain.batch-size=4", "pretrain.steps=2", "pretrain.warmup-steps=1", "pretrain.log-every=1",
        "pretrain.checkpoint-every=2", "pretrain.eval-batches=1", "pretrain.held-out-share=0.5",
        "evaluate.seeds=1", "evaluate.epochs=1", "evaluate.max-seq-length=32", "evaluate.batch-size=8",
        "evaluate.mode=finetune"};

    static Path glue() {
        return Path.of(System.getProperty("user.dir")).getParent().resolve("pipeline/src/test/resources/glue");
    }

    @BeforeAll
    static void pretrain() throws IOException {
        spark = SparkTestSession.get();
        Path corpus = Files.createDirectories(dir.resolve("corpus"));
        Files.write(corpus.resolve("brown.txt"), Files.readAllLines(TestData.brown()).subList(0, 600));
        ElectraConfig config = SparkTestSession.config(MICRO);
        vocab = dir.resolve("vocab");
        VocabJob.run(spark, config, corpus.toString(), vocab.toString(), false, List.of("vocab"));
        Path shards = dir.resolve("shards");
        PrepareJob.run(spark, config, corpus.toString(), vocab.toString(), shards.toString(), false,
                List.of("prepare"));
        run = dir.resolve("run");
        PretrainJob.run(spark, config, shards.toString(), run.toString(), false, Long.MAX_VALUE, List.of("pretrain"));
    }

    @Test
    void evaluatesEveryGlueLayoutAndOurOwnPairs() throws IOException {
        Path tasks = dir.resolve("tasks");
        List<Task.Example> pairs = new ArrayList<>();
        for (String line : Files.readAllLines(TestData.brown()).subList(1000, 1040)) {
            String text = Task.clean(line);
            if (text.split(" ").length >= 3) {
                pairs.add(new Task.Example(pairs.size() % 2, text, pairs.size() % 2 == 1 ? text : "Something else."));
            }
        }
        new Task("same", Task.Kind.PAIR_CLASSIFICATION, Task.Metric.F1, List.of("different", "same"), "test",
                Map.of(Task.Split.TRAIN, pairs.subList(0, 20), Task.Split.DEV, pairs.subList(20, 26),
                        Task.Split.TEST, pairs.subList(26, pairs.size()))).write(tasks.resolve("same"));
        List<String> names = new ArrayList<>(GlueTasks.names());
        names.add("same");
        EvaluateJob.run(spark, SparkTestSession.config(MICRO), run.toString(), vocab.toString(), tasks.toString(),
                glue().toString(), names, dir.resolve("eval").toString(), false, List.of("evaluate"));
        JsonNode json = new ObjectMapper().readTree(dir.resolve("eval/evaluation.json").toFile());
        JsonNode scores = json.get("scores");
        assertEquals(10, scores.size(), scores.toString());
        for (String name : names) {
            JsonNode s = scores.get(name);
            String expected = switch (name) {
                case "cola" -> "mcc";
                case "mrpc", "qqp", "same" -> "f1";
                default -> "accuracy";
            };
            assertEquals(expected, s.get("metric").asText(), name);
            assertEquals(expected.equals("f1"), s.has("test_accuracy_mean"), name + ": accuracy beside F1");
            double test = s.get("test_mean").asDouble();
            assertTrue(test >= -1 && test <= 1, name + " " + test);
            String kind = name.equals("cola") || name.equals("sst2") ? "classification" : "pair-classification";
            assertEquals(kind, json.get("tasks").get(name).get("kind").asText(), name);
        }
        assertEquals(3, json.get("tasks").get("mnli-m").get("labels").size());
        assertEquals(6, json.get("tasks").get("mnli-mm").get("test").asInt(), "MNLI mismatched's dev set");
    }

    @Test
    void aMalformedGlueLineNamesItsFileAndLine() throws IOException {
        Path broken = dir.resolve("broken-glue/QQP");
        Files.createDirectories(broken);
        List<String> train = new ArrayList<>(Files.readAllLines(glue().resolve("QQP/train.tsv")));
        train.set(5, train.get(5).substring(0, train.get(5).lastIndexOf('\t')));
        Files.write(broken.resolve("train.tsv"), train);
        Files.copy(glue().resolve("QQP/dev.tsv"), broken.resolve("dev.tsv"));
        Exception e = assertThrows(RuntimeException.class, () -> EvaluateJob.run(spark,
                SparkTestSession.config(MICRO), run.toString(), vocab.toString(), dir.resolve("tasks").toString(),
                broken.getParent().toString(), List.of("qqp"), dir.resolve("eval-broken").toString(), false,
                List.of("evaluate")));
        assertTrue(e.getMessage().contains(broken.resolve("train.tsv") + ":6: expected 6 tab-separated columns "
                + "(GLUE's QQP layout), got 5"), e.getMessage());
        assertTrue(Files.notExists(dir.resolve("eval-broken")));
    }
}
