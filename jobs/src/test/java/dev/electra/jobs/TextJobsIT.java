package dev.electra.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.config.RunInfo;
import dev.electra.pipeline.packing.PackingStats;
import dev.electra.tokenizer.Vocabulary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** vocab and prepare on a slice of the sample corpus: outputs, statistics, determinism. */
class TextJobsIT {
    private static final String SPLIT_MAX = "mapreduce.input.fileinputformat.split.maxsize";
    @TempDir
    static Path dir;
    static Path corpus;
    static Path vocabDir;
    static SparkSession spark;

    @BeforeAll
    static void slice() throws IOException {
        spark = SparkTestSession.get();
        corpus = Files.createDirectories(dir.resolve("corpus"));
        // Two files: the first 3,000 Brown lines (about 60 documents) and the first Moby-Dick chapters.
        Files.write(corpus.resolve("a-brown.txt"), Files.readAllLines(TestData.brown()).subList(0, 3000));
        Files.write(corpus.resolve("b-moby.txt"),
                Files.readAllLines(TestData.corpus().resolve("moby-dick.txt")).subList(0, 400));
        vocabDir = dir.resolve("vocab");
        VocabJob.run(spark, SparkTestSession.config("vocab.size=2000"), corpus.toString(), vocabDir.toString(),
                false, List.of("vocab"));
    }

    @Test
    void vocabWritesSpecialsFirstAndProvenance() throws IOException {
        Vocabulary vocab = Vocabulary.read(vocabDir.resolve("vocab.txt"));
        assertEquals(2000, vocab.size());
        assertEquals(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"), vocab.tokens().subList(0, 5));
        assertTrue(vocab.contains("the") && vocab.contains("##s"), "frequent words and pieces are learned");
        JsonNode run = new ObjectMapper().readTree(vocabDir.resolve(RunInfo.FILE_NAME).toFile());
        assertEquals(12345, run.get("seed").asLong());
        assertEquals(vocab.sha256(), run.get("results").get("vocab_sha256").asText());
        assertTrue(run.get("config").asText().contains("min-frequency"));
        assertTrue(Files.isRegularFile(vocabDir.resolve(RunInfo.CONFIG_FILE_NAME)));
        assertTrue(Files.isRegularFile(vocabDir.resolve("tokenizer.json")));
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith(".")).toList(),
                    "no temporary directories are left behind");
        }
    }

    @Test
    void vocabIsIdenticalWhateverThePartitioning() throws IOException {
        Path other = dir.resolve("vocab-small-splits");
        withSplitSize(16 * 1024, () -> VocabJob.run(spark, SparkTestSession.config("vocab.size=2000"),
                corpus.toString(), other.toString(), false, List.of("vocab")));
        assertArrayEquals(Files.readAllBytes(vocabDir.resolve("vocab.txt")), Files.readAllBytes(other.resolve("vocab.txt")));
        assertArrayEquals(Files.readAllBytes(vocabDir.resolve("tokenizer.json")),
                Files.readAllBytes(other.resolve("tokenizer.json")));
    }

    @Test
    void prepareWritesShardsManifestAndStatistics() throws IOException {
        Path out = dir.resolve("shards");
        ElectraConfig config = SparkTestSession.config("prepare.num-shards=3");
        PackingStats stats = PrepareJob.run(spark, config, corpus.toString(), vocabDir.toString(), out.toString(),
                false, List.of("prepare"));
        JsonNode manifest = new ObjectMapper().readTree(out.resolve(PrepareJob.MANIFEST).toFile());
        assertEquals(stats.examples(), manifest.get("examples").asLong());
        assertEquals(Vocabulary.read(vocabDir.resolve("vocab.txt")).sha256(), manifest.get("vocab_sha256").asText());
        assertEquals(128, manifest.get("max_seq_length").asInt());
        assertEquals(3, manifest.get("shards").size());
        long sum = 0;
        for (JsonNode shard : manifest.get("shards")) {
            assertTrue(Files.isRegularFile(out.resolve(shard.get("file").asText())));
            sum += shard.get("examples").asLong();
        }
        assertEquals(stats.examples(), sum);
        assertTrue(stats.documents() > 40, "documents: " + stats.documents());
        double single = stats.singleSegmentShare();
        assertTrue(single > 0.07 && single < 0.25, "single-segment share near 10% plus short documents: " + single);

        Dataset<Row> rows = spark.read().parquet(out.toString());
        assertEquals(stats.examples(), rows.count());
        assertEquals(List.of("input_ids", "segment_ids", "length"), List.of(rows.columns()));
        Vocabulary vocab = Vocabulary.read(vocabDir.resolve("vocab.txt"));
        for (Row r : rows.limit(200).collectAsList()) {
            List<Integer> ids = r.getList(0);
            List<Byte> segments = r.getList(1);
            assertEquals(ids.size(), r.getInt(2));
            assertEquals(ids.size(), segments.size());
            assertTrue(ids.size() <= 128);
            assertEquals(vocab.clsId(), ids.get(0));
            assertEquals(vocab.sepId(), ids.get(ids.size() - 1));
            assertEquals(0, (int) segments.get(0));
            assertTrue(ids.stream().noneMatch(id -> id == vocab.padId()), "padding is not stored");
        }
    }

    @Test
    void prepareIsByteIdenticalWhateverThePartitioning() throws IOException {
        ElectraConfig config = SparkTestSession.config("prepare.num-shards=4");
        Path a = dir.resolve("shards-a");
        Path b = dir.resolve("shards-b");
        PrepareJob.run(spark, config, corpus.toString(), vocabDir.toString(), a.toString(), false, List.of("prepare"));
        int partitionsA = inputPartitions(config);
        int partitionsB = withSplitSize(32 * 1024, () -> {
            PrepareJob.run(spark, config, corpus.toString(), vocabDir.toString(), b.toString(), false, List.of("prepare"));
            return inputPartitions(config);
        });
        assertTrue(partitionsB > partitionsA, "the second run reads more partitions: " + partitionsA + " vs " + partitionsB);
        Map<String, String> hashesA = hashes(a);
        assertEquals(hashesA, hashes(b));
        assertTrue(hashesA.keySet().containsAll(List.of("shard-00000.parquet", "_manifest.json")), hashesA.keySet().toString());

        Path c = dir.resolve("shards-other-seed");
        PrepareJob.run(spark, SparkTestSession.config("prepare.num-shards=4", "seed=7"), corpus.toString(),
                vocabDir.toString(), c.toString(), false, List.of("prepare"));
        assertNotEquals(hashesA.get("shard-00000.parquet"), hashes(c).get("shard-00000.parquet"),
                "another seed packs differently");
    }

    /** SHA-256 of every non-hidden file except the run's timestamped provenance. */
    static Map<String, String> hashes(Path dir) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (!name.startsWith(".") && !name.equals(RunInfo.FILE_NAME)) {
                    m.put(name, sha256(Files.readAllBytes(f)));
                }
            }
        }
        return m;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static <T> T withSplitSize(long bytes, java.util.concurrent.Callable<T> body) {
        var hadoop = spark.sparkContext().hadoopConfiguration();
        String old = hadoop.get(SPLIT_MAX);
        hadoop.setLong(SPLIT_MAX, bytes);
        try {
            return body.call();
        } catch (Exception e) {
            throw new RuntimeException(e);
        } finally {
            if (old == null) {
                hadoop.unset(SPLIT_MAX);
            } else {
                hadoop.set(SPLIT_MAX, old);
            }
        }
    }

    static int inputPartitions(ElectraConfig config) {
        var files = dev.electra.jobs.io.CorpusInput.list(corpus.toString(), config.input(),
                spark.sparkContext().hadoopConfiguration());
        return dev.electra.jobs.io.CorpusInput.read(spark, files, config.input()).getNumPartitions();
    }
}
