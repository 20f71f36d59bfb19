package dev.electra.jobs.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.electra.pipeline.errors.JobError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an output may replace, and what it leaves behind, on the local file system (no Spark). */
class OutputDirTest {
    private static final Configuration HADOOP = new Configuration();

    private static Path userFolder(Path parent) throws IOException {
        Path folder = Files.createDirectories(parent.resolve("thesis"));
        Files.writeString(folder.resolve("notes.txt"), "my notes");
        Files.createDirectories(folder.resolve("sub"));
        Files.writeString(folder.resolve("sub/thesis.tex"), "\\documentclass{article}");
        return folder;
    }

    private static void write(String command, Path target, boolean overwrite, String file) {
        try (OutputDir out = OutputDir.begin(command, target.toString(), overwrite, HADOOP, List.of())) {
            out.write(file, "new".getBytes());
            out.write("_run.json", ("{\"command\": \"" + command + "\"}").getBytes());
            out.commit();
        }
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            // the local file system's hidden .crc files aside
            return files.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".crc")).sorted().toList();
        }
    }

    @Test
    void overwriteRefusesAFolderThisToolDidNotWrite(@TempDir Path dir) throws IOException {
        Path folder = userFolder(dir);
        JobError e = assertThrows(JobError.class, () -> write("vocab", folder, true, "vocab.txt"));
        assertTrue(e.getMessage().contains("has no _run.json") && e.getMessage().contains(folder.toString()),
                e.getMessage());
        assertEquals("my notes", Files.readString(folder.resolve("notes.txt")));
        assertEquals("\\documentclass{article}", Files.readString(folder.resolve("sub/thesis.tex")));
        assertEquals(List.of("thesis"), names(dir), "no temporary directory left");
    }

    @Test
    void overwriteReplacesOnlyAnEarlierOutputOfTheSameCommand(@TempDir Path dir) throws IOException {
        Path shards = dir.resolve("shards");
        write("prepare", shards, false, "shard-00000.parquet");
        JobError other = assertThrows(JobError.class, () -> write("vocab", shards, true, "vocab.txt"));
        assertTrue(other.getMessage().contains("output of prepare"), other.getMessage());
        assertTrue(Files.exists(shards.resolve("shard-00000.parquet")));
        JobError without = assertThrows(JobError.class, () -> write("prepare", shards, false, "x"));
        assertTrue(without.getMessage().contains("already exists") && without.getMessage().contains("--overwrite"),
                without.getMessage());

        try (OutputDir out = OutputDir.begin("prepare", shards.toString(), true, HADOOP, List.of())) {
            out.write("shard-00001.parquet", "new".getBytes());
            assertTrue(Files.exists(shards.resolve("shard-00000.parquet")), "the old output stays until commit");
            out.commit();
        }
        assertEquals(List.of("shard-00001.parquet"), names(shards));
        assertEquals(List.of("shards"), names(dir));
    }

    @Test
    void anOutputOverlappingAnInputIsRefused(@TempDir Path dir) throws IOException {
        Path corpus = Files.createDirectories(dir.resolve("corpus"));
        Files.writeString(corpus.resolve("a.txt"), "text");
        List<OutputDir.Input> inputs = List.of(new OutputDir.Input("--input", corpus.toString()));
        for (Path output : List.of(corpus, corpus.resolve("shards"), dir)) {
            JobError e = assertThrows(JobError.class,
                    () -> OutputDir.begin("prepare", output.toString(), true, HADOOP, inputs).close());
            assertTrue(e.getMessage().contains("--input") && e.getMessage().contains("outside every input"),
                    e.getMessage());
        }
        JobError glob = assertThrows(JobError.class, () -> OutputDir.begin("prepare",
                corpus.resolve("out").toString(), false, HADOOP,
                List.of(new OutputDir.Input("--input", corpus + "/*.txt"))).close());
        assertTrue(glob.getMessage().contains("is inside"), glob.getMessage());
        assertEquals(List.of("a.txt"), names(corpus));
        OutputDir.begin("prepare", dir.resolve("corpus-shards").toString(), false, HADOOP, inputs).close();
    }

    /** Links in both directions: an input named through a link to the output, an output through a link to the input. */
    @Test
    void symbolicLinksDoNotHideAnOverlap(@TempDir Path dir) throws IOException {
        Path vocab = Files.createDirectories(dir.resolve("vocab"));
        Files.writeString(vocab.resolve("vocab.txt"), "[PAD]\n[UNK]\n");
        Path toVocab = Files.createSymbolicLink(dir.resolve("link-to-vocab"), vocab);
        JobError e = assertThrows(JobError.class, () -> OutputDir.begin("vocab", vocab.toString(), true, HADOOP,
                List.of(new OutputDir.Input("--input", toVocab.resolve("vocab.txt").toString()))).close());
        assertTrue(e.getMessage().contains("contains the input") && e.getMessage().contains("--input"),
                e.getMessage());

        Path corpus = Files.createDirectories(dir.resolve("corpus"));
        Files.writeString(corpus.resolve("a.txt"), "text");
        Path toCorpus = Files.createSymbolicLink(dir.resolve("link-to-corpus"), corpus);
        JobError viaInput = assertThrows(JobError.class, () -> OutputDir.begin("prepare",
                corpus.resolve("shards").toString(), false, HADOOP,
                List.of(new OutputDir.Input("--input", toCorpus.toString()))).close());
        assertTrue(viaInput.getMessage().contains("is inside the input"), viaInput.getMessage());
        JobError viaOutput = assertThrows(JobError.class, () -> OutputDir.begin("prepare",
                toCorpus.resolve("shards").toString(), false, HADOOP,
                List.of(new OutputDir.Input("--input", corpus.toString()))).close());
        assertTrue(viaOutput.getMessage().contains("through a symbolic link"), viaOutput.getMessage());
        assertEquals(List.of("a.txt"), names(corpus));
        assertEquals(List.of("vocab.txt"), names(vocab));
    }

    @Test
    void leftoversOfDeadJobsAreRemovedAndAnInterruptedReplacementIsUndone(@TempDir Path dir) throws IOException {
        String host = java.net.InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9.]", "_");
        long dead = deadPid();
        Path deadTmp = Files.createDirectories(dir.resolve(".out.tmp-" + dead + "@" + host + "-" + UUID.randomUUID()));
        Path liveTmp = Files.createDirectories(dir.resolve(".out.tmp-" + ProcessHandle.current().pid() + "@" + host
                + "-" + UUID.randomUUID()));
        Path otherHost = Files.createDirectories(dir.resolve(".out.tmp-" + dead + "@elsewhere-" + UUID.randomUUID()));
        Path otherName = Files.createDirectories(dir.resolve(".notes.tmp-" + dead + "@" + host + "-" + UUID.randomUUID()));
        // killed between moving the old output aside and moving the new one in: the old one is the only copy
        Path old = Files.createDirectories(dir.resolve(".out.old-" + UUID.randomUUID()));
        Files.writeString(old.resolve("_run.json"), "{\"command\": \"vocab\"}");

        write("vocab", dir.resolve("out"), true, "vocab.txt");
        assertFalse(Files.exists(deadTmp), "a dead job's temporary output is removed");
        assertTrue(Files.exists(liveTmp), "a running job's is kept");
        assertTrue(Files.exists(otherHost), "another host's is only reported");
        assertTrue(Files.exists(otherName), "another output's is not touched");
        assertFalse(Files.exists(old), "the old output was restored, then replaced by the new one");
        assertEquals("new", Files.readString(dir.resolve("out/vocab.txt")));
    }

    private static long deadPid() {
        for (long pid = 32_000; pid > 2; pid--) {
            if (ProcessHandle.of(pid).isEmpty()) {
                return pid;
            }
        }
        throw new IllegalStateException("no free process id");
    }

    @Test
    void anIdFileIsReplacedOnlyWhenItHoldsIdLines(@TempDir Path dir) throws IOException {
        Path ids = Files.writeString(dir.resolve("ids.txt"), "2 1037 3\n2 3\n");
        try (OutputDir out = OutputDir.beginIdFile("encode", ids.toString(), true, HADOOP, List.of())) {
            out.write("encoded.txt", "2 5 3\n".getBytes());
            out.commitFile("encoded.txt");
        }
        assertEquals("2 5 3\n", Files.readString(ids));
        Path essay = Files.writeString(dir.resolve("essay.txt"), "Chapter 1\n");
        JobError e = assertThrows(JobError.class,
                () -> OutputDir.beginIdFile("encode", essay.toString(), true, HADOOP, List.of()).close());
        assertTrue(e.getMessage().contains("did not write"), e.getMessage());
        assertEquals("Chapter 1\n", Files.readString(essay));
    }
}
