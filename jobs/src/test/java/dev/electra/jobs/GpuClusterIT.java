package dev.electra.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.electra.jobs.io.HadoopStorage;
import dev.electra.pipeline.checkpoint.Checkpoints;
import dev.electra.pipeline.checkpoint.TrainingState;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GPU scheduling on a real standalone cluster without a GPU: bin/spark-cluster starts two Workers whose discovery
 * script (a stand-in for bin/gpu-discovery) announces two fake GPUs each, worker 1 ["0","1"] and worker 2 ["2","3"];
 * pretrain with distributed.gpus-per-worker = 1 is submitted with the CPU backend told to take them
 * (spark.electra.gpus-simulated). Each averaging task must get one GPU of its own, record it in its metric lines
 * and _run.json, and the run's parameters must equal the same run without resource scheduling (local[2]).
 */
@Tag("integration")
class GpuClusterIT {
    @TempDir
    static Path dir;
    static Map<String, String> env;
    static final Path SCRIPT = Path.of("..", "bin", "spark-cluster").toAbsolutePath().normalize();

    static final String[] SETS = {
        "vocab.size=600", "prepare.max-seq-length=64", "prepare.num-shards=2",
        "model.embedding-size=32", "model.hidden-size=32", "model.layers=1", "model.heads=2", "model.ffn-size=64",
        "model.generator-fraction=0.5", "model.max-positions=64",
        "pretrain.batch-size=4", "pretrain.steps=4", "pretrain.warmup-steps=2", "pretrain.log-every=2",
        "pretrain.checkpoint-every=4", "pretrain.eval-batches=2",
        "distributed.workers=2", "distributed.averaging-frequency=2"};

    @BeforeAll
    static void start() throws Exception {
        // Worker i announces GPUs 2i-2 and 2i-1, as two hosts of two GPUs would if numbered across the cluster.
        Path discovery = dir.resolve("fake-gpus.sh");
        Files.writeString(discovery, "#!/bin/sh\ni=${ELECTRA_WORKER_INDEX:?}\n"
                + "echo \"{\\\"name\\\":\\\"gpu\\\",\\\"addresses\\\":[\\\"$((2*i-2))\\\",\\\"$((2*i-1))\\\"]}\"\n");
        Files.setPosixFilePermissions(discovery, PosixFilePermissions.fromString("rwxr-xr-x"));
        env = Map.of("ELECTRA_CLUSTER_DIR", dir.resolve("cluster").toString(),
                "ELECTRA_MASTER_PORT", String.valueOf(freePort()), "ELECTRA_MASTER_UI_PORT", String.valueOf(freePort()),
                "ELECTRA_WORKER_MEMORY", "3g", "ELECTRA_EXECUTOR_MEMORY", "2g", "ELECTRA_DRIVER_HEAP", "2g",
                "ELECTRA_NO_BUILD", "1", "ELECTRA_WORKER_GPUS", "2", "ELECTRA_GPU_DISCOVERY", discovery.toString());
        assertEquals(0, script("start"), "bin/spark-cluster start");
    }

    @AfterAll
    static void stop() throws Exception {
        script("stop");
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static int script(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(SCRIPT.toString()));
        command.addAll(List.of(args));
        Path log = dir.resolve("script-" + args[0] + "-" + System.nanoTime() + ".log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("bin/spark-cluster " + String.join(" ", args) + " did not finish; see " + log);
        }
        System.out.println(Files.readString(log));
        return p.exitValue();
    }

    @Test
    void eachAveragingTaskGetsAGpuOfItsOwnAndTrainsAsWithoutScheduling() throws Exception {
        Path corpus = Files.createDirectories(dir.resolve("corpus"));
        Files.writeString(corpus.resolve("brown.txt"),
                String.join("\n", Files.readAllLines(TestData.brown()).subList(0, 1200)), StandardCharsets.UTF_8);
        String vocab = dir.resolve("vocab").toString();
        String shards = dir.resolve("shards").toString();
        VocabJob.run(SparkTestSession.get(), SparkTestSession.config(SETS), corpus.toString(), vocab, false,
                List.of("vocab"));
        PrepareJob.run(SparkTestSession.get(), SparkTestSession.config(SETS), corpus.toString(), vocab, shards, false,
                List.of("prepare"));

        Path run = dir.resolve("gpu-run");
        List<String> submit = new ArrayList<>(List.of("submit", "--conf", Gpus.SIMULATED + "=true",
                "pretrain", "--data", shards, "--output", run.toString(), "--conf", "tiny",
                "--set", "distributed.gpus-per-worker=1"));
        for (String s : SETS) {
            submit.add("--set");
            submit.add(s);
        }
        assertEquals(0, script(submit.toArray(String[]::new)), "pretrain on two fake GPUs");

        // Each worker's task: one GPU, of one Worker's two, not the other worker's.
        ObjectMapper json = new ObjectMapper();
        List<String> lines = Files.readAllLines(run.resolve("metrics/train-000000000.jsonl"));
        assertEquals(2, lines.size(), "a line at steps 2 and 4");
        for (String line : lines) {
            Map<Integer, String> gpus = new HashMap<>();
            for (JsonNode w : json.readTree(line).get("workers")) {
                assertEquals(1, w.get("gpu").size(), line);
                gpus.put(w.get("worker").asInt(), w.get("gpu").get(0).asText());
            }
            assertEquals(Set.of(0, 1), gpus.keySet(), line);
            assertNotEquals(gpus.get(0), gpus.get(1), "each task its own GPU: " + line);
            assertNotEquals(Integer.parseInt(gpus.get(0)) / 2, Integer.parseInt(gpus.get(1)) / 2,
                    "the two tasks on the two Workers (one executor each): " + line);
        }
        JsonNode recorded = json.readTree(run.resolve("_run.json").toFile()).get("results").get("gpu");
        assertEquals(1, recorded.get("gpus_per_worker").asInt(), recorded.toString());
        assertTrue(recorded.get("simulated").asBoolean(), recorded.toString());
        assertEquals(json.readTree(lines.get(1)).get("workers").get(0).get("gpu"),
                recorded.get("workers").get("0"), "_run.json: each worker's GPU in the last round");

        TrainingState last = new Checkpoints(new HadoopStorage(run.resolve("checkpoints").toString(),
                new Configuration()), 3).loadLatest().orElseThrow();
        assertEquals(4, last.step());
        PretrainJob.Result local = PretrainJob.run(SparkTestSession.get(), SparkTestSession.config(SETS), shards,
                dir.resolve("cpu-run").toString(), false, Long.MAX_VALUE, List.of("pretrain"));
        assertArrayEquals(local.parameters(), last.params(),
                "two tasks on scheduled (fake) GPUs = the same run on local[2] without resource scheduling");
    }
}
