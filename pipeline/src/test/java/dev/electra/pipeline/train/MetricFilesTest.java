package dev.electra.pipeline.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.electra.pipeline.checkpoint.LocalStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A resumed run's metric files keep the lines up to its checkpoint and lose the rest, unfinished lines included. */
class MetricFilesTest {
    @Test
    void linesAfterTheStepAndUnfinishedLinesGo(@TempDir Path dir) throws IOException {
        Files.write(dir.resolve("train-000000000.jsonl"), List.of("{\"step\": 4, \"loss\": 3.0}",
                "{\"step\": 8, \"loss\": 2.5}", "{\"step\": 12, \"loss\": 2.0}", "{\"step\": 16, \"lo"));
        Files.write(dir.resolve("eval-000000012.jsonl"), List.of("{\"step\": 12, \"loss\": 2.2}"));
        Files.write(dir.resolve("eval-000000000.jsonl"), List.of("{\"step\": 8, \"loss\": 2.6}"));
        Files.writeString(dir.resolve("notes.txt"), "{\"step\": 99}\n");

        assertEquals(3, MetricFiles.cutAfter(new LocalStorage(dir), 8));

        assertEquals(List.of("{\"step\": 4, \"loss\": 3.0}", "{\"step\": 8, \"loss\": 2.5}"),
                Files.readAllLines(dir.resolve("train-000000000.jsonl")));
        assertFalse(Files.exists(dir.resolve("eval-000000012.jsonl")), "a file with nothing kept goes");
        assertEquals(List.of("{\"step\": 8, \"loss\": 2.6}"), Files.readAllLines(dir.resolve("eval-000000000.jsonl")));
        assertEquals("{\"step\": 99}\n", Files.readString(dir.resolve("notes.txt")), "only metric files are cut");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("eval-000000000.jsonl", "notes.txt", "train-000000000.jsonl"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary file left");
        }
        assertEquals(0, MetricFiles.cutAfter(new LocalStorage(dir), 8), "a second cut finds nothing");
    }
}
