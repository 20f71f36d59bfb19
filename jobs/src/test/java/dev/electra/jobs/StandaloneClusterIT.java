package dev.electra.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.electra.jobs.io.HadoopStorage;
import dev.electra.pipeline.checkpoint.Checkpoints;
import dev.electra.pipeline.checkpoint.TrainingState;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fat jar on a real standalone cluster (bin/spark-cluster: a Master and two Workers on 127.0.0.1, separate
 * JVMs), submitted in client mode, reading from and writing to HDFS (MiniDFSCluster): vocab, prepare, and a
 * two-worker pretrain during which an executor JVM is killed; the cluster replaces it, Spark re-runs the task, and
 * the parameters equal those of the same run on local Spark in this JVM.
 */
@Tag("integration")
class StandaloneClusterIT {
    @TempDir
    static Path dir;
    static MiniDFSCluster hdfs;
    static String root;
    static FileSystem fs;
    static Map<String, String> env;
    static final Path SCRIPT = Path.of("..", "bin", "spark-cluster").toAbsolutePath().normalize();

    static final String[] SETS = {
        "vocab.size=600", "prepare.max-seq-length=64", "prepare.num-shards=3",
        "model.embedding-size=32", "model.hidden-size=32", "model.layers=1", "model.heads=2", "model.ffn-size=64",
        "model.generator-fraction=0.5", "model.max-positions=64",
        "pretrain.batch-size=4", "pretrain.steps=6", "pretrain.warmup-steps=2", "pretrain.log-every=2",
        "pretrain.checkpoint-every=2", "pretrain.eval-batches=2",
        "distributed.workers=2", "distributed.averaging-frequency=2"};

    @BeforeAll
    static void start() throws Exception {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.resolve("hdfs").toString());
        hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        hdfs.waitActive();
        fs = hdfs.getFileSystem();
        root = fs.getUri().toString();
        List<String> brown = Files.readAllLines(TestData.brown()).subList(0, 1500);
        try (OutputStream out = fs.create(new org.apache.hadoop.fs.Path(root + "/corpus/brown.txt"))) {
            out.write(String.join("\n", brown).getBytes(StandardCharsets.UTF_8));
        }
        env = Map.of("ELECTRA_CLUSTER_DIR", dir.resolve("cluster").toString(),
                "ELECTRA_MASTER_PORT", String.valueOf(freePort()), "ELECTRA_MASTER_UI_PORT", String.valueOf(freePort()),
                "ELECTRA_WORKER_MEMORY", "3g", "ELECTRA_EXECUTOR_MEMORY", "2g", "ELECTRA_DRIVER_HEAP", "2g",
                "ELECTRA_NO_BUILD", "1");
        assertEquals(0, script("start"), "bin/spark-cluster start");
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            script("stop");
        } finally {
            if (hdfs != null) {
                hdfs.shutdown();
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Exit status and output of one call of the script. */
    record Run(int exit, String output) {}

    static int script(String... args) throws Exception {
        return call(args).exit();
    }

    static Run call(String... args) throws Exception {
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
        String output = Files.readString(log);
        System.out.println(output);
        return new Run(p.exitValue(), output);
    }

    static List<String> withSets(String... args) {
        List<String> out = new ArrayList<>(List.of(args));
        out.addAll(List.of("--conf", "tiny"));
        for (String s : SETS) {
            out.add("--set");
            out.add(s);
        }
        return out;
    }

    @Test
    void prepareAndPretrainOnTheClusterFromAndToHdfs() throws Exception {
        String vocab = root + "/runs/vocab";
        String shards = root + "/runs/shards";
        String run = root + "/runs/pretrain";
        assertEquals(0, script(withSets("submit", "vocab", "--input", root + "/corpus", "--output", vocab)
                .toArray(String[]::new)));
        assertEquals(0, script(withSets("submit", "prepare", "--input", root + "/corpus", "--vocab", vocab,
                "--output", shards).toArray(String[]::new)));
        List<String> pretrain = new ArrayList<>(List.of("submit", "--conf", PretrainJob.INJECT_FAULT + "=1:3:exit"));
        pretrain.addAll(withSets("pretrain", "--data", shards, "--output", run));
        Run trained = call(pretrain.toArray(String[]::new));
        assertEquals(0, trained.exit(), "pretrain survives a killed executor");
        assertTrue(trained.output().contains("exited with code 137"), "an executor JVM was killed");

        Checkpoints checkpoints = new Checkpoints(new HadoopStorage(run + "/checkpoints", fs.getConf()), 3);
        TrainingState last = checkpoints.loadLatest().orElseThrow();
        assertEquals(6, last.step());
        JsonNode info;
        try (InputStream in = fs.open(new org.apache.hadoop.fs.Path(run + "/_run.json"))) {
            info = new ObjectMapper().readTree(in);
        }
        assertEquals(8, info.get("results").get("global_batch").asInt(), info.toString());
        assertTrue(info.get("results").has("held_out"), info.toString());

        PretrainJob.Result local = PretrainJob.run(SparkTestSession.get(), SparkTestSession.config(SETS), shards,
                dir.resolve("local-run").toString(), false, Long.MAX_VALUE, List.of("pretrain"));
        assertArrayEquals(local.parameters(), last.params(),
                "two executors on the cluster (one killed and replaced) = local[2] in this JVM");

        // DiLoCo's outer step over bfloat16 changes, moments kept per worker: the per-worker broadcasts and the
        // bfloat16 payloads cross real executors (local mode hands broadcasts over unserialized).
        String[] outer = {"distributed.outer-optimizer=nesterov", "distributed.payload=bfloat16",
            "distributed.optimizer-state=local"};
        String nesterovRun = root + "/runs/pretrain-nesterov";
        List<String> nesterov = new ArrayList<>(List.of("submit"));
        nesterov.addAll(withSets("pretrain", "--data", shards, "--output", nesterovRun));
        for (String s : outer) {
            nesterov.add("--set");
            nesterov.add(s);
        }
        assertEquals(0, script(nesterov.toArray(String[]::new)), "pretrain with nesterov and bfloat16 finishes");
        TrainingState nesterovLast = new Checkpoints(new HadoopStorage(nesterovRun + "/checkpoints", fs.getConf()), 3)
                .loadLatest().orElseThrow();
        assertEquals(6, nesterovLast.step());
        assertEquals(nesterovLast.params().length, nesterovLast.outerMomentum().length);
        String[] localSets = java.util.Arrays.copyOf(SETS, SETS.length + outer.length);
        System.arraycopy(outer, 0, localSets, SETS.length, outer.length);
        PretrainJob.Result localNesterov = PretrainJob.run(SparkTestSession.get(), SparkTestSession.config(localSets),
                shards, dir.resolve("local-nesterov").toString(), false, Long.MAX_VALUE, List.of("pretrain"));
        assertArrayEquals(localNesterov.parameters(), nesterovLast.params(), "nesterov on the cluster = local[2]");
        assertEquals(0, script("status"));
    }
}
