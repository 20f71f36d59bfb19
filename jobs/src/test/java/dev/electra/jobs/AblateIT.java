package dev.electra.jobs;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ablate end to end on a micro budget: two objectives, the random-init row, fine-tuning and probes in the report. */
class AblateIT {
    @TempDir
    Path dir;

    @Test
    void theReportHasTheRandomRowAndTheProbes() throws IOException {
        SparkSession spark = SparkTestSession.get();
        Path corpus = Files.createDirectories(dir.resolve("corpus"));
        Files.write(corpus.resolve("brown.txt"), Files.readAllLines(TestData.brown()).subList(0, 600));
        List<String> sets = List.of("vocab.size=400", "prepare.max-seq-length=32", "prepare.num-shards=2",
                "model.embedding-size=16", "model.hidden-size=16", "model.layers=1", "model.heads=2",
                "model.ffn-size=32", "model.generator-fraction=0.5", "model.max-positions=32",
                "pretrain.batch-size=4", "pretrain.steps=2", "pretrain.warmup-steps=1", "pretrain.log-every=1",
                "pretrain.checkpoint-every=2", "pretrain.eval-batches=1",
                "evaluate.seeds=1", "evaluate.epochs=1", "evaluate.max-seq-length=32", "evaluate.batch-size=16",
                "evaluate.probe-l2=[0.01]", "evaluate.tasks=[comma]");
        ElectraConfig config = SparkTestSession.config(sets.toArray(new String[0]));
        VocabJob.run(spark, config, corpus.toString(), dir.resolve("vocab").toString(), false, List.of("vocab"));
        PrepareJob.run(spark, config, corpus.toString(), dir.resolve("vocab").toString(),
                dir.resolve("shards").toString(), false, List.of("prepare"));
        TestData.commaTask(dir.resolve("tasks/comma"), 2000, 2300);
        List<String> overlays = List.of("tiny");
        Path report = AblateJob.run(spark, overlays, sets, dir.resolve("shards").toString(),
                dir.resolve("vocab").toString(), dir.resolve("ablation"), List.of("electra", "electra-15"),
                dir.resolve("tasks").toString());
        String text = Files.readString(report);
        assertTrue(text.contains("| random init (not pretrained) |"), text);
        assertTrue(text.contains("## Frozen-feature probes"), text);
        assertTrue(text.contains("**Does pretraining beat the random row?** comma:"), text);
        assertTrue(text.contains("**Do the objectives differ on the probes?** Each task's rows by score"), text);
        assertTrue(text.contains("**All tokens or the masked 15%?** comma: ELECTRA "), text);
        assertTrue(Files.isRegularFile(dir.resolve("ablation/random/model/discriminator/model.safetensors")));

        // A rerun keeps evaluations made with the same settings, and redoes those made with others.
        Path electra = dir.resolve("ablation/electra/evaluation/evaluation.json");
        Path random = dir.resolve("ablation/random/evaluation/evaluation.json");
        String electraBefore = Files.readString(electra);
        String randomBefore = Files.readString(random);
        AblateJob.run(spark, overlays, sets, dir.resolve("shards").toString(), dir.resolve("vocab").toString(),
                dir.resolve("ablation"), List.of("electra", "electra-15"), dir.resolve("tasks").toString());
        assertEquals(electraBefore, Files.readString(electra), "same settings: kept");
        assertEquals(randomBefore, Files.readString(random));
        List<String> grid = new java.util.ArrayList<>(sets);
        grid.add("evaluate.learning-rate=[1e-3, 1e-4]");
        text = Files.readString(AblateJob.run(spark, overlays, grid, dir.resolve("shards").toString(),
                dir.resolve("vocab").toString(), dir.resolve("ablation"), List.of("electra", "electra-15"),
                dir.resolve("tasks").toString()));
        for (Path evaluation : List.of(electra, random)) {
            JsonNode comma = new ObjectMapper().readTree(evaluation.toFile()).path("scores").path("comma");
            assertEquals(2, comma.path("learning_rates").size(), "re-evaluated at both rates: " + comma);
        }
        assertTrue(text.contains("Fine-tuning learning rate chosen per objective and task"), text);
    }
}
