package dev.electra.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.electra.pipeline.config.ElectraConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real processes started at once on the same output: one writes it, the other is refused in one line naming the
 * first (a resubmitted job whose first driver still runs), for pretrain (fresh and resumed), prepare and ablate.
 */
@Tag("integration")
class ConcurrentWritersIT {
    @TempDir
    static Path dir;
    static Path corpus;
    static Path shards;

    private static final List<String> MICRO = List.of(PretrainIT.MICRO);

    @BeforeAll
    static void data() throws IOException {
        SparkSession spark = SparkTestSession.get();
        corpus = Files.createDirectories(dir.resolve("corpus"));
        Files.write(corpus.resolve("brown.txt"), Files.readAllLines(TestData.brown()).subList(0, 1500));
        ElectraConfig config = SparkTestSession.config(PretrainIT.MICRO);
        VocabJob.run(spark, config, corpus.toString(), dir.resolve("vocab").toString(), false, List.of("vocab"));
        shards = dir.resolve("shards");
        PrepareJob.run(spark, config, corpus.toString(), dir.resolve("vocab").toString(), shards.toString(), false,
                List.of("prepare"));
    }

    private static List<String> command(List<String> head, List<String> sets) {
        List<String> args = new ArrayList<>(head);
        args.addAll(List.of("--conf", "tiny", "--set", "spark.master=local[1]",
                "--set", "spark.properties.\"spark.ui.enabled\"=false"));
        for (String set : sets) {
            args.add("--set");
            args.add(set);
        }
        return args;
    }

    private static List<String> with(List<String> sets, String... more) {
        List<String> all = new ArrayList<>(sets);
        all.addAll(Arrays.asList(more));
        return all;
    }

    /**
     * Starts both commands at the same moment and waits for them; exactly one must succeed and the other be refused
     * by the lease of {@code output}, in one line. Returns the index of the one that succeeded.
     */
    private static int oneWritesTheOtherIsRefused(String name, Path output, String holder, List<String> a,
                                                  List<String> b) throws Exception {
        Path[] logs = {dir.resolve(name + "-a.log"), dir.resolve(name + "-b.log")};
        Process[] processes = {CliProcess.start(logs[0], a), CliProcess.start(logs[1], b)};
        int[] codes = new int[2];
        for (int i = 0; i < 2; i++) {
            if (!processes[i].waitFor(5, TimeUnit.MINUTES)) {
                processes[0].destroyForcibly();
                processes[1].destroyForcibly();
                throw new AssertionError(name + ": a process ran for more than 5 minutes");
            }
            codes[i] = processes[i].exitValue();
        }
        String[] text = {Files.readString(logs[0]), Files.readString(logs[1])};
        int winner = codes[0] == 0 ? 0 : 1;
        int loser = 1 - winner;
        assertEquals(0, codes[winner], name + ": one writer succeeds\n" + text[0] + "\n---\n" + text[1]);
        assertEquals(1, codes[loser], name + ": the other is refused\n" + text[loser]);
        List<String> errors = text[loser].lines().filter(l -> l.startsWith("error: ")).toList();
        assertEquals(1, errors.size(), text[loser]);
        assertTrue(errors.get(0).startsWith("error: output ") && errors.get(0).contains(output.getFileName()
                + " is being written by " + holder + " (process " + processes[winner].pid() + " on "),
                errors.get(0));
        assertFalse(text[loser].contains("\tat "), "no stack trace: " + text[loser]);
        assertFalse(Files.exists(output.resolveSibling("." + output.getFileName() + ".lock")), "lease released");
        return winner;
    }

    private static void everyMetricLineIsJson(Path run) throws IOException {
        ObjectMapper json = new ObjectMapper();
        try (Stream<Path> files = Files.list(run.resolve("metrics"))) {
            for (Path f : files.toList()) {
                for (String line : Files.readAllLines(f)) {
                    assertTrue(json.readTree(line).isObject(), f + ": " + line);
                }
            }
        }
    }

    @Test
    void twoPretrainsOfOneRunFreshAndResumed() throws Exception {
        Path run = dir.resolve("run");
        List<String> head = List.of("pretrain", "--data", shards.toString(), "--output", run.toString());
        // Long enough that the first still trains when the second has started its Spark.
        List<String> sets = with(MICRO, "pretrain.steps=400", "pretrain.warmup-steps=10",
                "pretrain.checkpoint-every=200");
        int winner = oneWritesTheOtherIsRefused("fresh", run, "pretrain",
                command(head, with(sets, "pretrain.learning-rate=1e-3")),
                command(head, with(sets, "pretrain.learning-rate=2e-3")));
        String conf = Files.readString(run.resolve("_effective.conf"));
        assertTrue(conf.contains(winner == 0 ? "learning-rate=0.001" : "learning-rate=0.002"), conf);
        assertEquals("step-000000400", Files.readString(run.resolve("checkpoints/latest")).strip());
        everyMetricLineIsJson(run);

        List<String> longer = with(sets, "pretrain.steps=800", winner == 0 ? "pretrain.learning-rate=1e-3"
                : "pretrain.learning-rate=2e-3");
        oneWritesTheOtherIsRefused("resume", run, "pretrain", command(head, longer), command(head, longer));
        assertEquals("step-000000800", Files.readString(run.resolve("checkpoints/latest")).strip());
        everyMetricLineIsJson(run);
    }

    @Test
    void twoPrepares() throws Exception {
        Path out = dir.resolve("shards-again");
        // The whole Brown corpus: long enough to pack that the second has started when the first still writes.
        List<String> args = command(List.of("prepare", "--input", TestData.brown().toString(), "--vocab",
                dir.resolve("vocab").toString(), "--output", out.toString()), MICRO);
        oneWritesTheOtherIsRefused("prepare", out, "prepare", args, args);
        assertTrue(Files.isRegularFile(out.resolve("_manifest.json")));
    }

    @Test
    void twoAblations() throws Exception {
        Path tasks = dir.resolve("tasks");
        TestData.commaTask(tasks.resolve("comma"), 2000, 2300);
        Path out = dir.resolve("ablation");
        List<String> sets = with(MICRO, "pretrain.steps=40", "evaluate.seeds=1", "evaluate.epochs=1",
                "evaluate.max-seq-length=32", "evaluate.batch-size=16", "evaluate.probe-l2=[0.01]",
                "evaluate.tasks=[comma]");
        List<String> args = command(List.of("ablate", "--data", shards.toString(), "--vocab",
                dir.resolve("vocab").toString(), "--output", out.toString(), "--objectives", "electra",
                "--tasks-dir", tasks.toString()), sets);
        oneWritesTheOtherIsRefused("ablate", out, "ablate", args, args);
        assertTrue(Files.isRegularFile(out.resolve("report/report.md")));
    }
}
