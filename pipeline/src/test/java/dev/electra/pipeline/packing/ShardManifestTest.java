package dev.electra.pipeline.packing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A {@code _manifest.json} that prepare wrote before the record existed reads and writes back unchanged. */
class ShardManifestTest {
    /** Written by prepare at commit 56db451 (four shards of the sample corpus, vocabulary of 500). */
    private static final Path COMMITTED = Path.of("src/test/resources/manifest-v1", ShardManifest.FILE_NAME);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aManifestPrepareWroteWritesBackAsItWasRead() throws IOException {
        byte[] original = Files.readAllBytes(COMMITTED);
        ShardManifest manifest = ShardManifest.read(new ByteArrayInputStream(original));
        assertEquals(ShardManifest.FORMAT, manifest.format());
        assertEquals(64, manifest.maxSeqLength());
        assertEquals(500, manifest.vocabSize());
        assertEquals(1535, manifest.examples());
        assertEquals(manifest.examples(), manifest.shards().stream().mapToLong(ShardManifest.Shard::examples).sum());
        assertEquals(new ShardManifest.Shard("shard-00001.parquet", 501, 31844), manifest.shards().get(1));
        assertEquals(2, manifest.specialId("[CLS]"));
        assertEquals(JSON.readTree(original), JSON.readTree(manifest.toJson()));
        assertArrayEquals(original, manifest.toJson(), "the same bytes, keys in order");
    }

    @Test
    void aManifestWithoutSpecialIdsWritesBackWithoutThem() throws IOException {
        ObjectNode older = (ObjectNode) JSON.readTree(COMMITTED.toFile());
        older.remove("special_ids");
        JsonNode expected = older.deepCopy();
        older.put("a_key_of_a_later_version", 1);
        ShardManifest manifest;
        try (InputStream in = new ByteArrayInputStream(JSON.writeValueAsBytes(older))) {
            manifest = ShardManifest.read(in);
        }
        assertNull(manifest.specialId("[CLS]"));
        assertEquals(expected, JSON.readTree(manifest.toJson()));
    }
}
