package dev.electra.pipeline.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code _ablation.json} as ablate wrote it before the record existed reads and writes back unchanged. */
class AblationDescriptorTest {
    /** The committed ablation (bin/bench ablation copies its _ablation.json there). */
    private static final Path COMMITTED = Path.of("..", "docs", "ablation");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void theCommittedAblationWritesBackAsItWasRead() throws IOException {
        AblationDescriptor read = AblationDescriptor.read(COMMITTED);
        assertEquals(List.of("electra", "electra-15", "replace-mlm", "all-tokens-mlm", "mlm"), read.objectives());
        assertEquals(1000L, read.runs().get("electra").finalStep());
        read.write(dir);
        Path original = COMMITTED.resolve(AblationDescriptor.FILE_NAME);
        Path written = dir.resolve(AblationDescriptor.FILE_NAME);
        assertEquals(JSON.readTree(original.toFile()), JSON.readTree(written.toFile()));
        assertArrayEquals(Files.readAllBytes(original), Files.readAllBytes(written), "the same bytes, keys in order");
    }

    @Test
    void anOlderAblationWithoutBaselineOrRunsWritesBackWithoutThem() throws IOException {
        ObjectNode older = (ObjectNode) JSON.readTree(COMMITTED.resolve(AblationDescriptor.FILE_NAME).toFile());
        older.remove(List.of("baseline", "runs", "tasks"));
        older.put("a_key_of_a_later_version", 1);
        Files.write(dir.resolve(AblationDescriptor.FILE_NAME), JSON.writeValueAsBytes(older));
        AblationDescriptor read = AblationDescriptor.read(dir);
        assertNull(read.baseline());
        read.write(dir);
        older.remove("a_key_of_a_later_version");
        assertEquals(older, JSON.readTree(dir.resolve(AblationDescriptor.FILE_NAME).toFile()));
    }
}
