package dev.electra.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.electra.pipeline.errors.JobError;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.fs.ChecksumException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line without Spark: help texts, usage errors and how failures are printed. */
class MainTest {
    /** Runs the CLI; returns exit code, then what it printed (picocli's own warnings go to System.err). */
    private static Object[] cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        } finally {
            System.setErr(saved);
        }
        return new Object[] {code, out + err.toString() + stderr.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void everyHelpPrintsWithoutWarningsAndTheFooterIsTrue() {
        Object[] top = cli("--help");
        assertEquals(0, top[0]);
        assertTrue(((String) top[1]).contains(Main.FOOTER.substring(0, 40)), (String) top[1]);
        Set<String> withoutConfig = Set.of("report", "export");
        Set<String> overwriting = Set.of("fetch-data", "vocab", "prepare", "encode", "pretrain", "evaluate", "export",
                "score", "quickstart");
        var commands = new CommandLine(new Main()).getSubcommands();
        assertEquals(13, commands.size());
        commands.forEach((name, command) -> {
            Object[] help = cli(name, "--help");
            String text = (String) help[1];
            assertEquals(0, help[0], name);
            assertFalse(text.contains("WARN") || text.contains("Could not format"), name + ": " + text);
            assertTrue(text.contains("Usage: electra " + name), text);
            if (name.equals("pretrain")) {
                assertTrue(text.contains("metrics/train-STEP.jsonl") && text.contains("metrics/eval-STEP.jsonl"),
                        "pretrain's help names the metric files it writes: " + text);
            }
            var options = command.getCommandSpec().optionsMap().keySet();
            assertEquals(!withoutConfig.contains(name), options.contains("--conf") && options.contains("--set"), name);
            assertEquals(overwriting.contains(name), options.contains("--overwrite"), name);
            assertTrue(Main.FOOTER.contains(name) == (withoutConfig.contains(name) || overwriting.contains(name)),
                    "the footer names " + name + " exactly when it is an exception or takes --overwrite");
        });
    }

    @Test
    void aMisspeltOptionIsReportedAsUnknownNotAsAMissingOne() {
        Object[] r = cli("vocab", "--inptu", "corpus.txt", "--output", "out");
        assertEquals(2, r[0]);
        String text = (String) r[1];
        assertTrue(text.contains("Unknown option: '--inptu'") && text.contains("did you mean '--input'"), text);
        assertFalse(text.contains("Missing required option"), text);
        Object[] missing = cli("vocab", "--output", "out");
        assertEquals(2, missing[0]);
        assertTrue(((String) missing[1]).contains("Missing required option: '--input=PATH'"), (String) missing[1]);
    }

    @Test
    void aMisspeltCommandIsNamedWithTheNearestCommand() {
        Object[] r = cli("pretrian", "--data", "x");
        assertEquals(2, r[0]);
        String text = (String) r[1];
        assertTrue(text.contains("Unknown command: 'pretrian'; did you mean 'pretrain'?"), text);
        assertFalse(text.contains("--data"), text);
    }

    @Test
    void countsMustBeCounts() {
        Object[] stop = cli("pretrain", "--data", "shards", "--output", "run", "--stop-after=-5");
        assertEquals(2, stop[0]);
        assertTrue(((String) stop[1]).contains("--stop-after must be a positive number of steps, got -5"),
                (String) stop[1]);
        Object[] fraction = cli("pretrain", "--data", "shards", "--output", "run", "--set", "pretrain.steps=5.7");
        assertEquals(1, fraction[0]);
        assertTrue(((String) fraction[1]).contains("error: pretrain.steps must be a whole number, got '5.7'"),
                (String) fraction[1]);
    }

    @Test
    void failuresAreOneLineNamingTheFile() {
        Exception spark = new RuntimeException("Job aborted due to stage failure: Task 0 failed\nat a.b.C(C.java:1)",
                new JobError("input file /data/a.txt.gz is truncated or corrupt (Unexpected end of input stream)",
                        new java.io.EOFException("Unexpected end of input stream")));
        assertEquals("input file /data/a.txt.gz is truncated or corrupt (Unexpected end of input stream)",
                Main.describe(spark), "our message, not Spark's wrapper nor the bare cause");
        Exception edited = new UncheckedIOException("cannot read vocabulary /v/vocab.txt",
                new ChecksumException("Checksum error: file:/v/vocab.txt at 0 exp: 1 got: 2", 0));
        String checksum = Main.describe(edited);
        assertTrue(checksum.startsWith("file:/v/vocab.txt does not match its checksum file .vocab.txt.crc")
                && checksum.contains("delete .vocab.txt.crc"), checksum);
        Error full = org.apache.hadoop.fs.FullDiskFileSystem.noSpace();
        assertTrue(Main.describe(new RuntimeException("task failed", full)).startsWith("no space left on the device"));
        assertEquals("plain", Main.describe(new IllegalStateException("wrapper", new IllegalArgumentException("plain"))));
        assertEquals(1, List.of(Main.describe(spark).split("\n")).size());
    }
}
