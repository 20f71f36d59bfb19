package dev.electra.jobs.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.electra.pipeline.packing.PackedExample;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** The pretraining shards the prepare job wrote: the manifest, and the examples of chosen shards in order. */
public record Shards(String directory, JsonNode manifest, List<String> files) {
    public static final String MANIFEST = "_manifest.json";

    public static Shards open(String directory, Configuration hadoop) {
        try {
            Path dir = new Path(directory);
            FileSystem fs = dir.getFileSystem(hadoop);
            Path manifestPath = new Path(dir, MANIFEST);
            if (!fs.exists(manifestPath)) {
                throw new IllegalArgumentException(directory + " has no " + MANIFEST
                        + "; point --data at a directory written by the prepare command");
            }
            JsonNode manifest;
            try (InputStream in = fs.open(manifestPath)) {
                manifest = new ObjectMapper().readTree(in);
            }
            List<String> files = new ArrayList<>();
            for (JsonNode shard : manifest.path("shards")) {
                files.add(new Path(dir, shard.path("file").asText()).toString());
            }
            if (files.isEmpty()) {
                throw new IllegalArgumentException(manifestPath + " lists no shards");
            }
            return new Shards(directory, manifest, files);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read shards in " + directory + ": " + e.getMessage(), e);
        }
    }

    public int vocabSize() {
        return manifest.path("vocab_size").asInt();
    }

    public int maxSeqLength() {
        return manifest.path("max_seq_length").asInt();
    }

    public int specialId(String token) {
        JsonNode id = manifest.path("special_ids").get(token);
        if (id == null) {
            throw new IllegalArgumentException(directory + "/" + MANIFEST + " names no id for " + token
                    + "; rerun prepare with this version");
        }
        return id.asInt();
    }

    /** The examples of {@code shardFiles}, shard by shard in the given order, rows in file order. */
    public static List<PackedExample> read(SparkSession spark, List<String> shardFiles) {
        List<PackedExample> examples = new ArrayList<>();
        for (String file : shardFiles) {
            for (Row r : spark.read().parquet(file).collectAsList()) {
                List<Integer> ids = r.getList(0);
                List<Byte> segments = r.getList(1);
                int[] idArray = new int[ids.size()];
                byte[] segArray = new byte[segments.size()];
                for (int i = 0; i < idArray.length; i++) {
                    idArray[i] = ids.get(i);
                    segArray[i] = segments.get(i);
                }
                examples.add(new PackedExample(idArray, segArray));
            }
        }
        return examples;
    }
}
