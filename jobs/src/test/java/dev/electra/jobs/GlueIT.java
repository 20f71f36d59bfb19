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
 * evaluate on GLUE's layouts as GLUE ships them (the nine classification tasks and STS-B's regression; hand-written
 * fixtures in pipeline/src/test/resources/glue) and on our own pair-classification and regression formats, end to
 * end on local Spark, fine-tuned and probed.
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
        "pretrain.checkpoint-every=2", "pretrain.eval-batches=1",
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
    void evaluatesEveryGlueLayoutAndOurOwnPairsAndRegression() throws IOException {
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
        // our own regression: the share of words the two texts share, on STS-B's 0–5 scale
        List<Task.Example> similar = new ArrayList<>();
        for (Task.Example x : pairs) {
            List<String> a = List.of(x.text().split(" "));
            List<String> b = List.of(x.other().split(" "));
            similar.add(new Task.Example(-1, x.text(), x.other(),
                    5.0 * b.stream().filter(a::contains).count() / Math.max(a.size(), b.size())));
        }
        new Task("similar", Task.Kind.REGRESSION, Task.Metric.PEARSON, List.of(), "test",
                Map.of(Task.Split.TRAIN, similar.subList(0, 20), Task.Split.DEV, similar.subList(20, 26),
                        Task.Split.TEST, similar.subList(26, similar.size()))).write(tasks.resolve("similar"));
        // our own tagging: each word tagged by its shape (probed per word, not fine-tuned)
        List<Task.Example> shaped = new ArrayList<>();
        for (Task.Example x : pairs) {
            String[] words = x.text().split(" ");
            List<String> tags = new ArrayList<>();
            for (String w : words) {
                tags.add(Character.isUpperCase(w.charAt(0)) ? "CAP" : Character.isLetter(w.charAt(0)) ? "LOW" : "OTHER");
            }
            shaped.add(new Task.Example(-1, String.join(" ", words), String.join(" ", tags)));
        }
        new Task("shape", Task.Kind.TAGGING, Task.Metric.ACCURACY, List.of("CAP", "LOW", "OTHER"), "test",
                Map.of(Task.Split.TRAIN, shaped.subList(0, 20), Task.Split.DEV, shaped.subList(20, 26),
                        Task.Split.TEST, shaped.subList(26, shaped.size()))).write(tasks.resolve("shape"));
        List<String> names = new ArrayList<>(GlueTasks.names());
        names.addAll(List.of("same", "similar", "shape"));
        List<String> settings = new ArrayList<>(List.of(MICRO));
        settings.add("evaluate.mode=both");
        EvaluateJob.run(spark, SparkTestSession.config(settings.toArray(String[]::new)), run.toString(),
                vocab.toString(), tasks.toString(), glue().toString(), names, dir.resolve("eval").toString(), false,
                List.of("evaluate"));
        JsonNode json = new ObjectMapper().readTree(dir.resolve("eval/evaluation.json").toFile());
        JsonNode scores = json.get("scores");
        assertEquals(12, scores.size(), scores.toString());
        JsonNode tokenProbe = json.get("probes").get("shape").get("token");
        assertEquals("accuracy", tokenProbe.get("metric").asText());
        assertTrue(tokenProbe.get("train_examples").asInt() > 100, "one example per word: " + tokenProbe);
        assertTrue(tokenProbe.get("test_low").asDouble() <= tokenProbe.get("test").asDouble(), tokenProbe.toString());
        assertEquals("tagging", json.get("tasks").get("shape").get("kind").asText());
        assertTrue(!scores.has("shape"), "a tagging task is probed, not fine-tuned");
        names.remove("shape");
        for (String name : names) {
            JsonNode s = scores.get(name);
            String expected = switch (name) {
                case "cola" -> "mcc";
                case "mrpc", "qqp", "same" -> "f1";
                case "stsb" -> "spearman";
                case "similar" -> "pearson";
                default -> "accuracy";
            };
            assertEquals(expected, s.get("metric").asText(), name);
            assertEquals(expected.equals("f1"), s.has("test_accuracy_mean"), name + ": accuracy beside F1");
            assertEquals(expected.equals("spearman"), s.has("test_pearson_mean"), name + ": Pearson beside Spearman");
            assertEquals(expected.equals("pearson"), s.has("test_spearman_mean"), name + ": Spearman beside Pearson");
            double test = s.get("test_mean").asDouble();
            assertTrue(test >= -1 && test <= 1, name + " " + test);
            String kind = name.equals("cola") || name.equals("sst2") ? "classification"
                    : name.equals("stsb") || name.equals("similar") ? "regression" : "pair-classification";
            assertEquals(kind, json.get("tasks").get(name).get("kind").asText(), name);
            JsonNode probe = json.get("probes").get(name).get("mean");
            assertEquals(expected, probe.get("metric").asText(), name + " probe");
            assertTrue(probe.get("test_low").asDouble() <= probe.get("test").asDouble()
                    && probe.get("test").asDouble() <= probe.get("test_high").asDouble(), name + " " + probe);
        }
        JsonNode seed = scores.get("stsb").get("seeds").get(0);
        assertTrue(seed.has("train_pearson") && seed.has("test_distinct_predictions") && !seed.has("majority_share"),
                seed.toString());
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
