package dev.electra.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.electra.pipeline.packing.PackingStats;
import dev.electra.tokenizer.Vocabulary;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** vocab and prepare reading from and writing to a real HDFS (MiniDFSCluster: a NameNode and a DataNode). */
@Tag("integration")
class HdfsIT {
    @TempDir
    static Path dir;
    static MiniDFSCluster cluster;
    static String root;
    static FileSystem fs;

    @BeforeAll
    static void startHdfs() throws Exception {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.resolve("hdfs").toString());
        cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        cluster.waitActive();
        fs = cluster.getFileSystem();
        root = fs.getUri().toString();
        List<String> brown = Files.readAllLines(TestData.brown()).subList(0, 2000);
        try (OutputStream out = fs.create(new org.apache.hadoop.fs.Path(root + "/corpus/brown.txt"))) {
            out.write(String.join("\n", brown).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    @AfterAll
    static void stopHdfs() {
        if (cluster != null) {
            cluster.shutdown();
        }
    }

    @Test
    void vocabAndPrepareFromAndToHdfs() throws Exception {
        SparkSession spark = SparkTestSession.get();
        String vocabDir = root + "/runs/vocab";
        String shards = root + "/runs/shards";
        VocabJob.run(spark, SparkTestSession.config("vocab.size=1000"), root + "/corpus", vocabDir, false,
                List.of("vocab"));
        Vocabulary vocab;
        try (InputStream in = fs.open(new org.apache.hadoop.fs.Path(vocabDir + "/vocab.txt"))) {
            vocab = Vocabulary.read(in, vocabDir);
        }
        assertEquals(1000, vocab.size());
        PackingStats stats = PrepareJob.run(spark, SparkTestSession.config("prepare.num-shards=2"), root + "/corpus",
                vocabDir, shards, false, List.of("prepare"));
        assertTrue(stats.examples() > 100, "examples: " + stats.examples());
        JsonNode manifest;
        try (InputStream in = fs.open(new org.apache.hadoop.fs.Path(shards + "/" + PrepareJob.MANIFEST))) {
            manifest = new ObjectMapper().readTree(in);
        }
        assertEquals(stats.examples(), manifest.get("examples").asLong());
        assertEquals(vocab.sha256(), manifest.get("vocab_sha256").asText());
        assertEquals(stats.examples(), spark.read().parquet(shards).count());
        assertTrue(fs.listStatus(new org.apache.hadoop.fs.Path(root + "/runs")).length == 2,
                "only the two outputs, no temporary directories");
    }
}
