package dev.electra.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.electra.jobs.io.HadoopStorage;
import dev.electra.pipeline.checkpoint.Checkpoints;
import dev.electra.pipeline.checkpoint.TrainingState;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * pretrain on a real YARN: a MiniYARNCluster (a ResourceManager and a NodeManager launching containers as separate
 * JVMs) beside a MiniDFSCluster, the fat jar submitted by bin/spark-yarn through SparkSubmit --master yarn
 * --deploy-mode cluster (the driver in the ApplicationMaster's container) and client mode, reading and writing
 * hdfs://. A task fails mid-run and Spark re-runs it on a YARN executor; the parameters equal those of the same run
 * on local Spark in this JVM. The exit status is the application's final status (a run
 * that fails exits non-zero), and the last line names where the application's logs are, which the test reads there.
 */
@Tag("integration")
class YarnClusterIT {
    @TempDir
    static Path dir;
    static MiniDFSCluster hdfs;
    static MiniYARNCluster yarn;
    static FileSystem fs;
    static String root;
    static Path hadoopConf;
    static Path nodeManagerLogs;
    static final Path SCRIPT = Path.of("..", "bin", "spark-yarn").toAbsolutePath().normalize();

    static final String[] SETS = {
        "vocab.size=600", "prepare.max-seq-length=64", "prepare.num-shards=3",
        "model.embedding-size=32", "model.hidden-size=32", "model.layers=1", "model.heads=2", "model.ffn-size=64",
        "model.generator-fraction=0.5", "model.max-positions=64",
        "pretrain.batch-size=4", "pretrain.steps=6", "pretrain.warmup-steps=2", "pretrain.log-every=2",
        "pretrain.checkpoint-every=2", "pretrain.eval-batches=2",
        "distributed.workers=2", "distributed.averaging-frequency=2"};
    /** conf/yarn.conf scaled to this machine: executors of one core, 1 GB heap and 1 GB above it, one ND4J thread. */
    static final String[] SMALL_EXECUTORS = {
        "spark.properties.\"spark.executor.cores\"=1", "spark.properties.\"spark.task.cpus\"=1",
        "spark.properties.\"spark.executorEnv.OMP_NUM_THREADS\"=1", "spark.properties.\"spark.executor.memory\"=1g",
        "spark.properties.\"spark.executor.memoryOverhead\"=1g"};

    @BeforeAll
    static void start() throws Exception {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.resolve("hdfs").toString());
        hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        hdfs.waitActive();
        fs = hdfs.getFileSystem();
        root = fs.getUri().toString();

        // Not the HDFS cluster's configuration: it names test-only classes (StaticMapping) the containers lack.
        YarnConfiguration yc = new YarnConfiguration(new Configuration());
        yc.set("fs.defaultFS", root);
        yc.set(YarnConfiguration.RM_HOSTNAME, "127.0.0.1");
        yc.set(YarnConfiguration.NM_ADDRESS, "127.0.0.1:0");
        // Containers are JVMs whose virtual size is no concern; their physical memory is checked (YARN's default).
        yc.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
        yc.setFloat(YarnConfiguration.NM_MAX_PER_DISK_UTILIZATION_PERCENTAGE, 100.0f);
        yc.setInt(YarnConfiguration.NM_PMEM_MB, 8192);
        yc.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 256);
        // The capacity scheduler's queues (a cluster's capacity-scheduler.xml): one, "default", with everything.
        yc.set("yarn.scheduler.capacity.root.queues", "default");
        yc.set("yarn.scheduler.capacity.root.default.capacity", "100");
        yc.set("yarn.scheduler.capacity.root.default.maximum-capacity", "100");
        yc.set("yarn.scheduler.capacity.maximum-am-resource-percent", "1.0");
        yarn = new MiniYARNCluster("YarnClusterIT", 1, 1, 1);
        yarn.init(yc);
        yarn.start();
        // start() may return before the ResourceManager has written its port into the configuration.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (yarn.getConfig().get(YarnConfiguration.RM_ADDRESS).endsWith(":0")) {
            assertTrue(System.nanoTime() < deadline, "the ResourceManager did not come up");
            Thread.sleep(100);
        }
        assertTrue(yarn.waitForNodeManagersToConnect(30_000), "the NodeManager did not register");
        hadoopConf = Files.createDirectories(dir.resolve("hadoop-conf"));
        Configuration site = new Configuration(yarn.getConfig());
        try (OutputStream out = Files.newOutputStream(hadoopConf.resolve("yarn-site.xml"))) {
            site.writeXml(out);
        }
        try (OutputStream out = Files.newOutputStream(hadoopConf.resolve("core-site.xml"))) {
            Configuration core = new Configuration(false);
            core.set("fs.defaultFS", root);
            core.writeXml(out);
        }
        nodeManagerLogs = Path.of(yarn.getNodeManager(0).getConfig().get(YarnConfiguration.NM_LOG_DIRS).split(",")[0]);

        List<String> brown = Files.readAllLines(TestData.brown()).subList(0, 1500);
        try (OutputStream out = fs.create(new org.apache.hadoop.fs.Path(root + "/corpus/brown.txt"))) {
            out.write(String.join("\n", brown).getBytes(StandardCharsets.UTF_8));
        }
        VocabJob.run(SparkTestSession.get(), SparkTestSession.config(SETS), root + "/corpus", root + "/runs/vocab",
                false, List.of("vocab"));
        PrepareJob.run(SparkTestSession.get(), SparkTestSession.config(SETS), root + "/corpus", root + "/runs/vocab",
                root + "/runs/shards", false, List.of("prepare"));
    }

    @AfterAll
    static void stop() {
        try {
            if (yarn != null) {
                yarn.stop();
            }
        } finally {
            if (hdfs != null) {
                hdfs.shutdown();
            }
        }
    }

    /** Exit status and output of one submission. */
    record Run(int exit, String output) {
        /** The YARN application the script's last line names. */
        String application() {
            Matcher m = Pattern.compile("spark-yarn: (application_\\d+_\\d+) ended").matcher(output);
            assertTrue(m.find(), "the last line names the application: " + output);
            return m.group(1);
        }
    }

    static Run submit(String mode, List<String> sparkConfs, String... command) throws Exception {
        List<String> args = new ArrayList<>(List.of(SCRIPT.toString(), "submit", "--deploy-mode", mode,
                // containers start with the NodeManager's environment, not this one's
                "--conf", "spark.yarn.appMasterEnv.SPARK_LOCAL_IP=127.0.0.1",
                "--conf", "spark.executorEnv.SPARK_LOCAL_IP=127.0.0.1",
                "--conf", "spark.yarn.appMasterEnv.OMP_NUM_THREADS=1",
                "--conf", "spark.driver.host=127.0.0.1"));
        for (String c : sparkConfs) {
            args.add("--conf");
            args.add(c);
        }
        args.addAll(List.of(command));
        args.addAll(List.of("--conf", "tiny", "--conf", "yarn"));
        for (String s : SETS) {
            args.add("--set");
            args.add(s);
        }
        for (String s : SMALL_EXECUTORS) {
            args.add("--set");
            args.add(s);
        }
        Path log = dir.resolve("submit-" + System.nanoTime() + ".log");
        ProcessBuilder pb = new ProcessBuilder(args).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("HADOOP_CONF_DIR", hadoopConf.toString());
        pb.environment().put("ELECTRA_YARN_DIR", dir.resolve("spark-yarn").toString());
        pb.environment().put("ELECTRA_NO_BUILD", "1");
        pb.environment().put("ELECTRA_DRIVER_MEMORY", "1g");
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        if (!p.waitFor(8, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("bin/spark-yarn did not finish; see " + log);
        }
        String output = Files.readString(log);
        System.out.println(output);
        return new Run(p.exitValue(), output);
    }

    /** Every container log file of {@code application} where the NodeManager keeps them, concatenated. */
    static String containerLogs(String application) throws IOException {
        Path app = nodeManagerLogs.resolve(application);
        assertTrue(Files.isDirectory(app), "the logs are where the script says: " + app);
        StringBuilder all = new StringBuilder();
        try (Stream<Path> files = Files.walk(app)) {
            files.filter(Files::isRegularFile).sorted().forEach(f -> {
                try {
                    all.append("==> ").append(f).append('\n').append(Files.readString(f)).append('\n');
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        return all.toString();
    }

    static TrainingState lastCheckpoint(String run) throws IOException {
        return new Checkpoints(new HadoopStorage(run + "/checkpoints", fs.getConf()), 3).loadLatest().orElseThrow();
    }

    @Test
    void pretrainInClusterAndClientModeSurvivesAFailedTaskAndAKilledContainerAndEqualsALocalRun() throws Exception {
        String run = root + "/runs/pretrain-cluster";
        // A failed task here; a killed executor container in client mode below.
        Run trained = submit("cluster", List.of(PretrainJob.INJECT_FAULT + "=1:3"),
                "pretrain", "--data", root + "/runs/shards", "--output", run);
        assertEquals(0, trained.exit(), "exit status 0: final status SUCCEEDED");
        assertTrue(trained.output().contains("final status: SUCCEEDED"), "SparkSubmit reports the final status");
        String logs = containerLogs(trained.application());
        assertTrue(logs.contains("trained to step 6"), "the driver's output, in the ApplicationMaster's container");
        assertTrue(logs.contains("Sparks: YARN application " + trained.application() + "; its logs"), logs);
        assertTrue(logs.contains("injected fault: worker 1 fails after step 3"), "a task failed and was re-run");

        TrainingState last = lastCheckpoint(run);
        assertEquals(6, last.step());
        PretrainJob.Result local = PretrainJob.run(SparkTestSession.get(), SparkTestSession.config(SETS),
                root + "/runs/shards", dir.resolve("local-run").toString(), false, Long.MAX_VALUE,
                List.of("pretrain"));
        assertArrayEquals(local.parameters(), last.params(),
                "two YARN executors (a task failed and re-run) = local[2] in this JVM");

        // Client mode: the driver runs in the script's JVM, YARN gives the executors; worker 1's executor JVM kills
        // itself after step 3, YARN starts another container, and Spark re-runs the lost stage there.
        String clientRun = root + "/runs/pretrain-client";
        Run client = submit("client", List.of(PretrainJob.INJECT_FAULT + "=1:3:exit"), "pretrain", "--data",
                root + "/runs/shards", "--output", clientRun);
        assertEquals(0, client.exit(), "client mode: the driver's exit status");
        assertTrue(containerLogs(client.application()).contains("injected fault: worker 1 kills its executor"),
                "an executor container was killed");
        assertTrue(client.output().contains("Sparks: YARN application " + client.application() + "; its logs "
                + "(driver and executors): yarn logs -applicationId " + client.application()),
                "the driver itself names the application's logs");
        assertArrayEquals(local.parameters(), lastCheckpoint(clientRun).params(),
                "client mode, an executor container killed and replaced = local[2]");
    }

    @Test
    void aFailedApplicationIsAFailedSubmission() throws Exception {
        Run failed = submit("cluster", List.of(), "pretrain", "--data", root + "/runs/no-such-shards",
                "--output", root + "/runs/never");
        assertNotEquals(0, failed.exit(), "exit status non-zero: final status FAILED");
        assertTrue(failed.output().contains("final status: FAILED"), failed.output());
        String logs = containerLogs(failed.application());
        assertTrue(logs.contains("error: ") && logs.contains("no-such-shards"),
                "the driver's one-line error, in its container's log");
    }
}
