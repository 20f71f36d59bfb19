package dev.electra.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.errors.JobError;
import dev.electra.pipeline.eval.Task;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * pretrain with a very small model: outputs, a resumed run that equals an unbroken one, parameter averaging on two
 * workers (deterministic, unchanged by a failed task that Spark retries), and a killed driver process resumed.
 */
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
        "pretrain.checkpoint-every=4", "pretrain.eval-batches=2"};

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
        PretrainJob.Result first = PretrainJob.run(spark, config, shards.toString(), b.toString(), false, 3,
                List.of("pretrain"));
        assertEquals(4, first.step(), "--stop-after 3 ends the round of 4 steps it is in");
        PretrainJob.Result resumed = PretrainJob.run(spark, config, shards.toString(), b.toString(), false,
                Long.MAX_VALUE, List.of("pretrain"));
        assertEquals(8, resumed.step());
        assertArrayEquals(unbroken.parameters(), resumed.parameters(), "same parameters after a resume");

        Path run = dir.resolve("a");
        assertTrue(Files.isRegularFile(run.resolve("checkpoints/latest")));
        assertEquals("step-000000008", Files.readString(run.resolve("checkpoints/latest")).strip());
        List<String> lines = Files.readAllLines(run.resolve("metrics/train-000000000.jsonl"));
        assertEquals(2, lines.size(), "a metrics line for each round (4 steps) that passes a multiple of 2");
        JsonNode line = new ObjectMapper().readTree(lines.get(0));
        assertEquals(4, line.get("step").asInt());
        assertEquals(1, line.get("round").asInt());
        assertEquals(1, line.get("workers").size());
        assertTrue(line.has("generator_loss") && line.has("discriminator_auc") && line.has("tokens_per_second"),
                line.toString());
        JsonNode info = new ObjectMapper().readTree(run.resolve("_run.json").toFile());
        assertTrue(info.get("results").has("held_out"), info.toString());
    }

    static final String[] TWO_WORKERS = concat(MICRO, "distributed.workers=2", "distributed.averaging-frequency=2",
            "pretrain.checkpoint-every=2");

    static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Counts tasks that ended in failure (the injected fault). */
    static final class FailedTasks extends SparkListener {
        final AtomicInteger failed = new AtomicInteger();

        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
            if (!(end.reason() instanceof org.apache.spark.Success$)) {
                failed.incrementAndGet();
            }
        }
    }

    @Test
    void twoWorkersAreDeterministicAndAFailedTaskChangesNothing() throws IOException {
        ElectraConfig config = SparkTestSession.config(TWO_WORKERS);
        PretrainJob.Result first = PretrainJob.run(spark, config, shards.toString(), dir.resolve("w2a").toString(),
                false, Long.MAX_VALUE, List.of("pretrain"));
        PretrainJob.Result second = PretrainJob.run(spark, config, shards.toString(), dir.resolve("w2b").toString(),
                false, Long.MAX_VALUE, List.of("pretrain"));
        assertEquals(8, first.step());
        assertArrayEquals(first.parameters(), second.parameters(), "same seed and config on local[2], twice");
        PretrainJob.Result oneWorker = PretrainJob.run(spark, SparkTestSession.config(MICRO), shards.toString(),
                dir.resolve("w1").toString(), false, Long.MAX_VALUE, List.of("pretrain"));
        assertFalse(java.util.Arrays.equals(first.parameters(), oneWorker.parameters()),
                "two workers train on twice the data per step");

        FailedTasks listener = new FailedTasks();
        spark.sparkContext().addSparkListener(listener);
        spark.conf().set(PretrainJob.INJECT_FAULT, "1:3");
        try {
            PretrainJob.Result faulty = PretrainJob.run(spark, config, shards.toString(),
                    dir.resolve("w2-fault").toString(), false, Long.MAX_VALUE, List.of("pretrain"));
            assertArrayEquals(first.parameters(), faulty.parameters(),
                    "worker 1 failed after step 3, in the middle of round 2; Spark re-ran it from the broadcast");
        } finally {
            spark.conf().unset(PretrainJob.INJECT_FAULT);
            spark.sparkContext().removeSparkListener(listener);
        }
        assertEquals(1, listener.failed.get(), "exactly one task failed");

        List<String> lines = Files.readAllLines(dir.resolve("w2a/metrics/train-000000000.jsonl"));
        JsonNode line = new ObjectMapper().readTree(lines.get(0));
        assertEquals(8, line.get("global_batch").asInt());
        assertEquals(2, line.get("workers").size());
        assertTrue(line.get("workers").get(1).get("tokens_per_second").asDouble() > 0, line.toString());
        assertTrue(line.has("overhead_share"), line.toString());

        JobError e = assertThrows(JobError.class, () -> PretrainJob.run(spark,
                SparkTestSession.config(concat(TWO_WORKERS, "distributed.workers=3", "pretrain.steps=10")),
                shards.toString(), dir.resolve("w2a").toString(), false, Long.MAX_VALUE, List.of("pretrain")));
        assertTrue(e.getMessage().contains("distributed.workers = 2, this invocation has 3"), e.getMessage());
    }

    /**
     * DiLoCo's outer Nesterov step over bfloat16 changes, with Adam's moments kept per worker, on local[2]: a failed
     * task changes nothing, a run stopped and resumed (its outer momentum from the checkpoint) ends as an unbroken
     * one, _run.json and every metric line say what the run chose and moved, and a changed choice is refused.
     */
    @Test
    void nesterovOverBfloat16ChangesOnTwoWorkers() throws IOException {
        String[] sets = concat(TWO_WORKERS, "distributed.outer-optimizer=nesterov", "distributed.payload=bfloat16",
                "distributed.optimizer-state=local");
        ElectraConfig config = SparkTestSession.config(sets);
        Path run = dir.resolve("nesterov");
        PretrainJob.Result unbroken = PretrainJob.run(spark, config, shards.toString(), run.toString(), false,
                Long.MAX_VALUE, List.of("pretrain"));
        assertEquals(8, unbroken.step());
        for (float p : unbroken.parameters()) {
            assertTrue(Float.isFinite(p), "finite parameters");
        }
        assertTrue(Files.isRegularFile(run.resolve("checkpoints/step-000000008/outer_momentum.npy")));
        JsonNode distributed = results(run).get("distributed");
        assertEquals("nesterov", distributed.get("outer_optimizer").asText(), distributed.toString());
        assertEquals("bfloat16", distributed.get("payload").asText(), distributed.toString());
        assertEquals("local", distributed.get("optimizer_state").asText(), distributed.toString());
        JsonNode line = new ObjectMapper().readTree(Files.readAllLines(run.resolve("metrics/train-000000000.jsonl"))
                .get(0));
        long n = unbroken.parameters().length;
        assertEquals(2 * (2 * n + 8 * n), line.get("return_bytes").asLong(), "bfloat16 changes and float32 moments");
        assertEquals(4 * n + 2 * 8 * n + 2 * 16, line.get("broadcast_bytes").asLong(), line.toString());

        Path stopped = dir.resolve("nesterov-stopped");
        assertEquals(4, PretrainJob.run(spark, config, shards.toString(), stopped.toString(), false, 3,
                List.of("pretrain")).step());
        PretrainJob.Result resumed = PretrainJob.run(spark, config, shards.toString(), stopped.toString(), false,
                Long.MAX_VALUE, List.of("pretrain"));
        assertArrayEquals(unbroken.parameters(), resumed.parameters(), "stopped at step 4 and resumed: same run");

        spark.conf().set(PretrainJob.INJECT_FAULT, "1:3");
        try {
            PretrainJob.Result faulty = PretrainJob.run(spark, config, shards.toString(),
                    dir.resolve("nesterov-fault").toString(), false, Long.MAX_VALUE, List.of("pretrain"));
            assertArrayEquals(unbroken.parameters(), faulty.parameters(), "worker 1 failed in round 2 and re-ran");
        } finally {
            spark.conf().unset(PretrainJob.INJECT_FAULT);
        }

        JobError e = assertThrows(JobError.class, () -> PretrainJob.run(spark, SparkTestSession.config(concat(sets,
                "distributed.outer-optimizer=average", "pretrain.steps=10")), shards.toString(), run.toString(),
                false, Long.MAX_VALUE, List.of("pretrain")));
        assertTrue(e.getMessage().contains("distributed.outer-optimizer = nesterov, this invocation has average")
                && !e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void aKilledDriverResumesFromTheLastGoodCheckpointAndEndsIdentical() throws Exception {
        ElectraConfig config = SparkTestSession.config(TWO_WORKERS);
        PretrainJob.Result unbroken = PretrainJob.run(spark, config, shards.toString(),
                dir.resolve("kill-ref").toString(), false, Long.MAX_VALUE, List.of("pretrain"));
        Path run = dir.resolve("killed");
        Path latest = run.resolve("checkpoints/latest");
        Process child = driverProcess(run, TWO_WORKERS);
        try {
            long deadline = System.nanoTime() + 180_000_000_000L;
            while (!(Files.exists(latest) && Files.readString(latest).strip().compareTo("step-000000004") >= 0)) {
                assertTrue(child.isAlive(), "the pretrain process ended before its checkpoint at step 4");
                assertTrue(System.nanoTime() < deadline, "no checkpoint at step 4 within 3 minutes");
                Thread.sleep(50);
            }
        } finally {
            child.destroyForcibly().waitFor();
        }
        String newest = Files.readString(latest).strip();
        assertTrue(newest.compareTo("step-000000008") < 0, "killed before the end, at " + newest);
        // The kill may also have cut a later checkpoint short; either way the newest complete one is damaged now.
        Path params = run.resolve("checkpoints").resolve(newest).resolve("params.npy");
        Files.write(params, java.util.Arrays.copyOf(Files.readAllBytes(params), 1000));

        PretrainJob.Result resumed = PretrainJob.run(spark, config, shards.toString(), run.toString(), false,
                Long.MAX_VALUE, List.of("pretrain"));
        assertEquals(8, resumed.step());
        assertArrayEquals(unbroken.parameters(), resumed.parameters(),
                "killed after " + newest + ", its parameters truncated, resumed from the one before: same result");
        JsonNode info = new ObjectMapper().readTree(run.resolve("_run.json").toFile());
        long resumedFrom = info.get("results").get("resumed_from_step").asLong();
        assertTrue(resumedFrom >= 2 && resumedFrom < Long.parseLong(newest.substring(5)),
                "resumed from the checkpoint before the damaged " + newest + ": " + resumedFrom);
    }

    /** A shard damaged after prepare wrote it is named, with or without the .crc beside it, and so is the way out. */
    @Test
    void aDamagedShardIsNamedWithRerunPrepare() throws IOException {
        for (boolean withCrc : List.of(true, false)) {
            Path copy = dir.resolve("damaged-shards-" + withCrc);
            Files.createDirectories(copy);
            try (var files = Files.list(shards)) {
                for (Path f : files.toList()) {
                    Files.copy(f, copy.resolve(f.getFileName()));
                }
            }
            Path shard = copy.resolve("shard-00001.parquet");
            byte[] bytes = Files.readAllBytes(shard);
            for (int i = bytes.length / 3; i < bytes.length / 3 + 200; i++) {
                bytes[i] ^= 0x5a;
            }
            Files.write(shard, bytes);
            if (!withCrc) {
                Files.delete(copy.resolve(".shard-00001.parquet.crc"));
            }
            // Spark's exceptions are checked ones thrown undeclared: the command line describes whatever comes.
            Exception e = assertThrows(Exception.class, () -> PretrainJob.run(spark,
                    SparkTestSession.config(MICRO), copy.toString(), dir.resolve("on-damaged-" + withCrc).toString(),
                    false, Long.MAX_VALUE, List.of("pretrain")));
            String line = Main.describe(e);
            assertTrue(line.contains("shard-00001.parquet") && line.contains("rerun prepare to write the shards again")
                    && !line.contains("delete"), withCrc + ": " + line);
        }
    }

    /** {@code pretrain} in a JVM of its own (this test JVM's class path and flags), to be killed. */
    static Process driverProcess(Path output, String... sets) throws IOException {
        List<String> args = new ArrayList<>(List.of("pretrain", "--conf", "tiny", "--data", shards.toString(),
                "--output", output.toString(), "--set", "spark.master=local[2]", "--set",
                "spark.properties.\"spark.ui.enabled\"=false"));
        for (String set : sets) {
            args.add("--set");
            args.add(set);
        }
        return CliProcess.start(output.getParent().resolve(output.getFileName() + ".log"), args);
    }

    /** Every example of the shards, shard by shard, rows in file order: the numbering the held-out rule uses. */
    private static List<int[]> allInputIds(dev.electra.jobs.io.Shards opened) {
        List<int[]> all = new ArrayList<>();
        for (String file : opened.files()) {
            for (org.apache.spark.sql.Row r : spark.read().parquet(file).select("input_ids").collectAsList()) {
                all.add(r.<Integer>getList(0).stream().mapToInt(Integer::intValue).toArray());
            }
        }
        return all;
    }

    /**
     * The held-out examples are exactly those the seeded hash picks, across every shard, in number order; the workers
     * get every other example, and none of the held-out.
     */
    @Test
    void heldOutExamplesAreTheHashesChoiceAndNeverTrain() {
        dev.electra.jobs.io.Shards opened = dev.electra.jobs.io.Shards.open(shards.toString(),
                spark.sparkContext().hadoopConfiguration());
        List<int[]> all = allInputIds(opened);
        dev.electra.pipeline.train.HeldOut rule = new dev.electra.pipeline.train.HeldOut(5, all.size() / 4,
                all.size());
        List<int[]> expected = new ArrayList<>();
        List<String> training = new ArrayList<>();
        for (int g = 0; g < all.size(); g++) {
            if (rule.contains(g)) {
                expected.add(all.get(g));
            } else {
                training.add(java.util.Arrays.toString(all.get(g)));
            }
        }
        assertTrue(!expected.isEmpty() && training.size() > expected.size(), expected.size() + " held out");
        List<dev.electra.pipeline.packing.PackedExample> heldOut = opened.heldOut(spark, rule);
        assertEquals(expected.size(), heldOut.size());
        for (int k = 0; k < heldOut.size(); k++) {
            assertArrayEquals(expected.get(k), heldOut.get(k).inputIds(), "held-out example " + k);
        }
        List<String> trained = opened.partitioned(spark, 3, rule).map(x -> java.util.Arrays.toString(x.inputIds()))
                .collect();
        java.util.Collections.sort(training);
        List<String> sortedTrained = new ArrayList<>(trained);
        java.util.Collections.sort(sortedTrained);
        assertEquals(training, sortedTrained, "the workers train every example but the held-out ones");
    }

    @Test
    void workersGetDisjointEqualSharesInShardOrder() {
        dev.electra.jobs.io.Shards opened = dev.electra.jobs.io.Shards.open(shards.toString(),
                spark.sparkContext().hadoopConfiguration());
        List<int[]> all = allInputIds(opened);
        List<List<dev.electra.pipeline.packing.PackedExample>> parts = opened.partitioned(spark, 3,
                new dev.electra.pipeline.train.HeldOut(5, 0, all.size())).glom().collect();
        assertEquals(3, parts.size());
        for (int w = 0; w < 3; w++) {
            List<dev.electra.pipeline.packing.PackedExample> part = parts.get(w);
            assertTrue(Math.abs(part.size() - all.size() / 3.0) <= 1, "equal shares: " + part.size());
            for (int k = 0; k < part.size(); k++) {
                assertArrayEquals(all.get(w + 3 * k), part.get(k).inputIds(),
                        "example " + (w + 3 * k) + " of the shards is worker " + w + "'s " + k + "th");
            }
        }
    }

    private static PretrainJob.Result pretrain(Path run, boolean overwrite, String... sets) {
        return PretrainJob.run(spark, SparkTestSession.config(concat(MICRO, sets)), shards.toString(), run.toString(),
                overwrite, Long.MAX_VALUE, List.of("pretrain"));
    }

    private static JsonNode results(Path run) throws IOException {
        return new ObjectMapper().readTree(run.resolve("_run.json").toFile()).get("results");
    }

    @Test
    void nothingARunWroteIsLostOnAMistypedOrMisdirectedCommand() throws IOException {
        Path run = dir.resolve("guarded");
        pretrain(run, false, "pretrain.steps=4");
        Path checkpoint = run.resolve("checkpoints/step-000000004/params.npy");
        byte[] params = Files.readAllBytes(checkpoint);

        IllegalArgumentException typo = assertThrows(IllegalArgumentException.class, () -> PretrainJob.run(spark,
                SparkTestSession.config(MICRO), dir.resolve("shardz").toString(), run.toString(), true,
                Long.MAX_VALUE, List.of("pretrain")));
        assertTrue(typo.getMessage().contains("shardz"), typo.getMessage());
        assertArrayEquals(params, Files.readAllBytes(checkpoint), "--overwrite with a mistyped --data keeps the run");

        byte[] manifest = Files.readAllBytes(shards.resolve("_manifest.json"));
        byte[] shardsInfo = Files.readAllBytes(shards.resolve("_run.json"));
        for (boolean overwrite : new boolean[] {false, true}) {
            JobError intoData = assertThrows(JobError.class, () -> pretrain(shards, overwrite));
            assertTrue(intoData.getMessage().contains("--data"), intoData.getMessage());
        }
        assertArrayEquals(manifest, Files.readAllBytes(shards.resolve("_manifest.json")));
        assertArrayEquals(shardsInfo, Files.readAllBytes(shards.resolve("_run.json")), "the shards' own files stay");

        Path notes = Files.createDirectories(dir.resolve("notes"));
        Files.writeString(notes.resolve("notes.txt"), "mine");
        for (boolean overwrite : new boolean[] {false, true}) {
            JobError foreign = assertThrows(JobError.class, () -> pretrain(notes, overwrite));
            assertTrue(foreign.getMessage().contains("did not write it"), foreign.getMessage());
        }
        try (var files = Files.list(notes)) {
            assertEquals(List.of(notes.resolve("notes.txt")), files.toList());
        }

        PretrainJob.Result fresh = pretrain(run, true, "pretrain.steps=4", "seed=7");
        assertEquals(4, fresh.step());
        assertEquals(0, results(run).get("resumed_from_step").asLong(), "--overwrite trained a new run from step 0");
        assertFalse(java.util.Arrays.equals(params, Files.readAllBytes(checkpoint)), "and it replaced the old one");
        try (var siblings = Files.list(dir)) {
            assertEquals(List.of(), siblings.filter(p -> p.getFileName().toString().startsWith(".guarded")).toList(),
                    "no temporary or old run left beside it");
        }
    }

    @Test
    void resumingIsTheSameRunOrRefused() throws IOException {
        Path run = dir.resolve("same-run");
        pretrain(run, false, "pretrain.steps=4");
        byte[] info = Files.readAllBytes(run.resolve("_run.json"));
        JobError objective = assertThrows(JobError.class, () -> pretrain(run, false, "pretrain.steps=4",
                "pretrain.objective=electra-15"));
        assertTrue(objective.getMessage().contains("pretrain.objective = electra, this invocation has electra-15"),
                objective.getMessage());
        JobError batch = assertThrows(JobError.class, () -> pretrain(run, false, "pretrain.steps=8",
                "pretrain.batch-size=8"));
        assertTrue(batch.getMessage().contains("pretrain.batch-size = 4"), batch.getMessage());
        assertThrows(JobError.class, () -> pretrain(run, false, "pretrain.mask-prob=0.2"));

        Path otherShards = dir.resolve("other-vocab-shards");
        org.apache.commons.io.FileUtils.copyDirectory(shards.toFile(), otherShards.toFile());
        Path manifest = otherShards.resolve("_manifest.json");
        Files.delete(otherShards.resolve("._manifest.json.crc"));
        Files.writeString(manifest, Files.readString(manifest).replaceAll("\"vocab_sha256\" : \"[0-9a-f]+\"",
                "\"vocab_sha256\" : \"0123\""));
        JobError vocab = assertThrows(JobError.class, () -> PretrainJob.run(spark,
                SparkTestSession.config(concat(MICRO, "pretrain.steps=4")), otherShards.toString(), run.toString(),
                false, Long.MAX_VALUE, List.of("pretrain")));
        assertTrue(vocab.getMessage().contains("shards of another vocabulary") && vocab.getMessage().contains("0123"),
                vocab.getMessage());
        assertArrayEquals(info, Files.readAllBytes(run.resolve("_run.json")), "a refused resume changes nothing");

        PretrainJob.Result longer = pretrain(run, false, "pretrain.steps=8");
        assertEquals(8, longer.step());
        JsonNode changes = results(run).get("resume_changes");
        assertEquals(1, changes.size(), changes.toString());
        assertEquals("pretrain.steps", changes.get(0).get("key").asText());
        assertEquals(4, changes.get(0).get("step").asLong());
        assertEquals("4", changes.get(0).get("from").asText());
        assertEquals("8", changes.get(0).get("to").asText());
        pretrain(run, false, "pretrain.steps=8", "pretrain.log-every=4");
        assertEquals(2, results(run).get("resume_changes").size(), "changes accumulate over the run's invocations");
    }

    @Test
    void resumingFromAnOlderCheckpointCutsTheAbandonedMetricLines() throws IOException {
        Path run = dir.resolve("cut");
        pretrain(run, false);
        Path checkpoints = run.resolve("checkpoints");
        org.apache.commons.io.FileUtils.deleteDirectory(checkpoints.resolve("step-000000008").toFile());
        Files.delete(checkpoints.resolve(".latest.crc"));
        Files.writeString(checkpoints.resolve("latest"), "step-000000004\n");
        Files.writeString(checkpoints.resolve(".latest.tmp"), "step-000000008\n");
        Path train = run.resolve("metrics/train-000000000.jsonl");
        Files.writeString(train, "{\"step\": 10, \"lo", java.nio.file.StandardOpenOption.APPEND);

        PretrainJob.Result resumed = pretrain(run, false);
        assertEquals(8, resumed.step());
        assertEquals(4, results(run).get("resumed_from_step").asLong());
        assertFalse(Files.exists(checkpoints.resolve(".latest.tmp")), "a stopped run's temporary file is removed");
        for (String kind : List.of("train-", "eval-")) {
            List<Long> steps = new java.util.ArrayList<>();
            try (var files = Files.list(run.resolve("metrics"))) {
                for (Path f : files.filter(p -> p.getFileName().toString().startsWith(kind)).sorted().toList()) {
                    for (String line : Files.readAllLines(f)) {
                        steps.add(new ObjectMapper().readTree(line).get("step").asLong());
                    }
                }
            }
            assertEquals(List.of(4L, 8L), steps, kind + ": each step once, the abandoned step 8 and the cut line gone");
        }
    }

    @Test
    void aFullDiskWhileCheckpointingIsOneLineAndKeepsNoHalfCheckpoint() throws IOException {
        Path run = dir.resolve("full-disk");
        org.apache.hadoop.fs.FullDiskFileSystem.register(spark.sparkContext().hadoopConfiguration());
        org.apache.hadoop.fs.FullDiskFileSystem.failing = "adam_m";
        try {
            JobError e = assertThrows(JobError.class, () -> PretrainJob.run(spark,
                    SparkTestSession.config(concat(MICRO, "pretrain.steps=4")), shards.toString(),
                    org.apache.hadoop.fs.FullDiskFileSystem.SCHEME + "://" + run, false, Long.MAX_VALUE,
                    List.of("pretrain")));
            assertTrue(e.getMessage().startsWith("no space left on the device while writing")
                    && e.getMessage().contains("checkpoints/step-000000004"), e.getMessage());
        } finally {
            org.apache.hadoop.fs.FullDiskFileSystem.failing = "";
        }
        try (var files = Files.list(run.resolve("checkpoints"))) {
            assertEquals(List.of(), files.toList(), "the half-written checkpoint is removed");
        }
    }

    @Test
    void aTruncatedShardIsNamedBeforeTrainingStarts() throws IOException {
        Path damaged = dir.resolve("truncated-shards");
        org.apache.commons.io.FileUtils.copyDirectory(shards.toFile(), damaged.toFile());
        Path shard = damaged.resolve("shard-00001.parquet");
        Files.delete(damaged.resolve(".shard-00001.parquet.crc"));
        byte[] bytes = Files.readAllBytes(shard);
        Files.write(shard, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        JobError e = assertThrows(JobError.class, () -> PretrainJob.run(spark, SparkTestSession.config(MICRO),
                damaged.toString(), dir.resolve("truncated-run").toString(), false, Long.MAX_VALUE,
                List.of("pretrain")));
        assertTrue(e.getMessage().contains("shard-00001.parquet is truncated or not a Parquet file")
                && e.getMessage().contains("rerun prepare"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("truncated-run")));

        Path foreign = dir.resolve("foreign-shards");
        org.apache.commons.io.FileUtils.copyDirectory(shards.toFile(), foreign.toFile());
        Path other = dir.resolve("foreign-parquet");
        spark.createDataFrame(List.of(org.apache.spark.sql.RowFactory.create("some text")),
                new org.apache.spark.sql.types.StructType().add("text", org.apache.spark.sql.types.DataTypes.StringType))
                .coalesce(1).write().parquet(other.toString());
        try (var files = Files.list(other)) {
            Path part = files.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
            Files.delete(foreign.resolve(".shard-00001.parquet.crc"));
            Files.copy(part, foreign.resolve("shard-00001.parquet"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        JobError notOurs = assertThrows(JobError.class, () -> PretrainJob.run(spark, SparkTestSession.config(MICRO),
                foreign.toString(), dir.resolve("foreign-run").toString(), false, Long.MAX_VALUE,
                List.of("pretrain")));
        assertTrue(notOurs.getMessage().contains("shard-00001.parquet has no column input_ids")
                && notOurs.getMessage().contains("not a shard written by prepare"), notOurs.getMessage());
    }

    /**
     * 32 steps in each of model.kernels = fused, reference and graph end at the same held-out loss and nearly the
     * same parameters: one step agrees to ~5e-7 (KernelModesTest), float rounding in different summation orders then
     * goes through Adam's updates. Measured here: parameters within 1.2e-7 of each other (one float ulp of values
     * near 1), held-out losses within 4e-8 relative; the tolerances are about 100x and 25x that.
     */
    @Test
    void everyKernelModeTrainsTheSameRun() throws IOException {
        java.util.Map<String, PretrainJob.Result> results = new java.util.LinkedHashMap<>();
        for (String mode : List.of("fused", "reference", "graph")) {
            Path run = dir.resolve("kernels-" + mode);
            results.put(mode, pretrain(run, false, "pretrain.steps=32", "pretrain.checkpoint-every=32",
                    "pretrain.log-every=8", "model.kernels=" + mode));
            assertEquals(mode, results(run).get("kernels").asText());
        }
        PretrainJob.Result fused = results.get("fused");
        for (String mode : List.of("reference", "graph")) {
            PretrainJob.Result other = results.get(mode);
            double maxDiff = 0;
            for (int i = 0; i < fused.parameters().length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(fused.parameters()[i] - other.parameters()[i]));
            }
            double lossDiff = Math.abs(fused.heldOut().totalLoss() - other.heldOut().totalLoss())
                    / Math.abs(fused.heldOut().totalLoss());
            System.out.printf("32 steps, fused vs %s: max parameter difference %.3e, held-out loss %.6f vs %.6f "
                    + "(relative %.2e)%n", mode, maxDiff, fused.heldOut().totalLoss(), other.heldOut().totalLoss(),
                    lossDiff);
            assertTrue(maxDiff < TRAINED_PARAMETER_TOLERANCE, mode + ": parameters differ by " + maxDiff);
            assertTrue(lossDiff < TRAINED_LOSS_TOLERANCE, mode + ": held-out loss differs by " + lossDiff);
        }
    }

    static final double TRAINED_PARAMETER_TOLERANCE = 1e-5;
    static final double TRAINED_LOSS_TOLERANCE = 1e-6;

    /** Two small tasks made from the corpus: questions vs statements, and pairs with a doubled word. */
    static Path fixtureTasks() throws IOException {
        Path tasks = dir.resolve("tasks");
        TestData.commaTask(tasks.resolve("comma"), 2000, 2600);
        List<Task.Example> pairs = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(TestData.brown()).subList(2000, 2600)) {
            String text = Task.clean(line);
            if (text.split(" ").length < 4) {
                continue;
            }
            String[] words = text.split(" ");
            pairs.add(new Task.Example(-1, text, words[0] + " " + words[0] + " " + text.substring(words[0].length() + 1)));
        }
        new Task("pairs", Task.Kind.PAIRS, Task.Metric.ACCURACY, List.of(), "test",
                java.util.Map.of(Task.Split.TEST, pairs.subList(0, 50))).write(tasks.resolve("pairs"));
        return tasks;
    }

    @Test
    void evaluateFineTunesOverSeedsAndScoresPairsZeroShot() throws IOException {
        ElectraConfig config = SparkTestSession.config(concat(MICRO, "evaluate.seeds=2", "evaluate.epochs=1",
                "evaluate.max-seq-length=32", "evaluate.max-train-examples=120", "evaluate.max-eval-examples=60",
                "evaluate.batch-size=16", "evaluate.probe-l2=[0.001, 1.0]", "evaluate.learning-rate=[1e-3, 1e-4]"));
        PretrainJob.run(spark, config, shards.toString(), dir.resolve("eval-run").toString(), false, Long.MAX_VALUE,
                List.of("pretrain"));
        Path tasks = fixtureTasks();
        var r = EvaluateJob.run(spark, config, dir.resolve("eval-run").toString(),
                dir.resolve("vocab").toString(), tasks.toString(), List.of("comma", "pairs"),
                dir.resolve("eval-run/evaluation").toString(), false, List.of("evaluate"));
        JsonNode json = new ObjectMapper().readTree(dir.resolve("eval-run/evaluation/evaluation.json").toFile());
        JsonNode comma = json.get("scores").get("comma");
        assertEquals("mcc", comma.get("metric").asText());
        assertEquals(2, comma.get("seeds").size(), "one fine-tuning per seed");
        double mean = (comma.get("seeds").get(0).get("test").asDouble() + comma.get("seeds").get(1).get("test")
                .asDouble()) / 2;
        assertEquals(mean, comma.get("test_mean").asDouble(), 1e-12);
        // two rates: each fine-tuned over both seeds, the one with the better mean dev score reported
        JsonNode rates = comma.get("learning_rates");
        assertEquals(2, rates.size());
        int chosen = rates.get(1).get("dev_mean").asDouble() > rates.get(0).get("dev_mean").asDouble() ? 1 : 0;
        assertEquals(rates.get(chosen).get("learning_rate").asDouble(), comma.get("learning_rate").asDouble());
        assertEquals(rates.get(chosen).get("dev_mean").asDouble(), (comma.get("seeds").get(0).get("dev").asDouble()
                + comma.get("seeds").get(1).get("dev").asDouble()) / 2, 1e-12, "the seeds shown are the chosen rate's");
        assertEquals(rates.get(chosen).get("test_mean").asDouble(), mean, 1e-12);
        double pairs = json.get("scores").get("pairs").get("test_mean").asDouble();
        assertTrue(pairs >= 0 && pairs <= 1, "zero-shot accuracy " + pairs);
        assertTrue(json.get("intrinsic").has("discriminator_auc"), json.toString());
        for (String pooling : List.of("cls", "mean")) {
            JsonNode probe = json.get("probes").get("comma").get(pooling);
            assertEquals("mcc", probe.get("metric").asText());
            assertTrue(List.of(0.001, 1.0).contains(probe.get("l2").asDouble()), probe.toString());
            assertEquals(2, probe.get("dev_by_l2").size());
            double t = probe.get("test").asDouble();
            assertTrue(probe.get("test_low").asDouble() <= t && t <= probe.get("test_high").asDouble(),
                    "the interval holds the score: " + probe);
        }
        assertTrue(json.get("scores").get("comma").has("test_median"));
        assertEquals("electra", r.objective());
        assertEquals("..", json.get("model").asText(), "RUN/evaluation names its run relative to itself");

        Path otherVocab = dir.resolve("other-vocab.txt");
        List<String> tokens = new java.util.ArrayList<>(Files.readAllLines(dir.resolve("vocab/vocab.txt")));
        tokens.set(tokens.size() - 1, "zzzunseen");
        Files.write(otherVocab, tokens);
        JobError e = assertThrows(JobError.class, () -> EvaluateJob.run(spark, config,
                dir.resolve("eval-run").toString(), otherVocab.toString(), tasks.toString(), List.of("comma"),
                dir.resolve("eval-other").toString(), false, List.of("evaluate")));
        assertTrue(e.getMessage().contains("pretrained with another vocabulary"), e.getMessage());

        for (Path output : List.of(dir.resolve("eval-run"), dir.resolve("eval-run/checkpoints"))) {
            JobError onModel = assertThrows(JobError.class, () -> EvaluateJob.run(spark, config,
                    dir.resolve("eval-run").toString(), dir.resolve("vocab").toString(), tasks.toString(),
                    List.of("comma"), output.toString(), true, List.of("evaluate")));
            assertTrue(onModel.getMessage().contains("--model"), onModel.getMessage());
        }
        assertTrue(Files.isRegularFile(dir.resolve("eval-run/checkpoints/latest")), "the model evaluated is kept");
    }
}
