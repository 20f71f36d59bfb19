package dev.electra.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.errors.JobError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pretraining on a JVM without the module jdk.incubator.vector (this class runs in a surefire execution of its own,
 * jobs/pom.xml): model.kernels = auto becomes reference, whose noise and kernels need no incubator class, and fused
 * is refused with what to do.
 */
class NoVectorModuleIT {
    @TempDir
    static Path dir;

    @Test
    void pretrainFallsBackToTheReferenceKernels() throws IOException {
        assertTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty(),
                "this test must run without --add-modules=jdk.incubator.vector (surefire execution no-vector-module)");
        SparkSession spark = SparkTestSession.get();
        Path corpus = Files.createDirectories(dir.resolve("corpus"));
        Files.write(corpus.resolve("brown.txt"), Files.readAllLines(TestData.brown()).subList(0, 600));
        ElectraConfig config = SparkTestSession.config(PretrainIT.concat(PretrainIT.MICRO, "pretrain.steps=4"));
        VocabJob.run(spark, config, corpus.toString(), dir.resolve("vocab").toString(), false, List.of("vocab"));
        Path shards = dir.resolve("shards");
        PrepareJob.run(spark, config, corpus.toString(), dir.resolve("vocab").toString(), shards.toString(), false,
                List.of("prepare"));

        PretrainJob.Result r = PretrainJob.run(spark, config, shards.toString(), dir.resolve("run").toString(), false,
                Long.MAX_VALUE, List.of("pretrain"));
        assertEquals(4, r.step());
        assertTrue(Double.isFinite(r.heldOut().totalLoss()), "held-out loss " + r.heldOut().totalLoss());
        JsonNode results = new ObjectMapper().readTree(dir.resolve("run/_run.json").toFile()).get("results");
        assertEquals("reference", results.get("kernels").asText());
        assertTrue(results.get("kernels_reason").asText().contains("without the module jdk.incubator.vector"),
                results.toString());

        JobError fused = assertThrows(JobError.class, () -> PretrainJob.run(spark,
                SparkTestSession.config(PretrainIT.concat(PretrainIT.MICRO, "model.kernels=fused")),
                shards.toString(), dir.resolve("fused").toString(), false, Long.MAX_VALUE, List.of("pretrain")));
        assertTrue(fused.getMessage().contains("--add-modules=jdk.incubator.vector"), fused.getMessage());
    }
}
