package dev.electra.pipeline.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The task format: written and read back, and every kind of bad file refused with its file and line. */
class TaskTest {
    @TempDir
    Path dir;

    private static Task sentiment() {
        return new Task("sentiment", Task.Kind.CLASSIFICATION, Task.Metric.ACCURACY, List.of("negative", "positive"),
                "test", Map.of(
                        Task.Split.TRAIN, List.of(new Task.Example(1, "a fine\tfilm", null),
                                new Task.Example(0, "dull", null)),
                        Task.Split.DEV, List.of(new Task.Example(0, "boring", null)),
                        Task.Split.TEST, List.of(new Task.Example(1, "great", null))));
    }

    @Test
    void writesAndReadsBack() {
        sentiment().write(dir.resolve("sentiment"));
        Task t = Task.read(dir.resolve("sentiment"));
        assertEquals("sentiment", t.name());
        assertEquals(Task.Metric.ACCURACY, t.metric());
        assertEquals(List.of(new Task.Example(1, "a fine film", null), new Task.Example(0, "dull", null)),
                t.split(Task.Split.TRAIN), "a tab inside a text became a space");
        assertEquals(1, t.split(Task.Split.TEST).size());
    }

    @Test
    void pairsHaveOnlyATestSplit() throws IOException {
        Path p = Files.createDirectories(dir.resolve("pairs"));
        Files.writeString(p.resolve("task.json"),
                "{\"name\":\"minimal-pairs\",\"kind\":\"pairs\",\"metric\":\"accuracy\",\"labels\":[]}");
        Files.writeString(p.resolve("test.tsv"), "correct\tincorrect\nI am here.\tI is here.\n");
        Task t = Task.read(p);
        assertEquals(new Task.Example(-1, "I am here.", "I is here."), t.split(Task.Split.TEST).get(0));
    }

    @Test
    void anUnknownLabelNamesFileLineAndTheDeclaredLabels() throws IOException {
        sentiment().write(dir.resolve("s"));
        Files.writeString(dir.resolve("s/train.tsv"), "label\ttext\npositive\tgood\nmaybe\tunsure\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Task.read(dir.resolve("s")));
        assertTrue(e.getMessage().contains("train.tsv:3: unknown label 'maybe'")
                && e.getMessage().contains("[negative, positive]"), e.getMessage());
    }

    @Test
    void anEmptySplitIsAnError() throws IOException {
        sentiment().write(dir.resolve("s"));
        Files.writeString(dir.resolve("s/dev.tsv"), "label\ttext\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Task.read(dir.resolve("s")));
        assertTrue(e.getMessage().contains("dev.tsv has no examples"), e.getMessage());
    }

    @Test
    void aWrongHeaderOrColumnCountIsAnError() throws IOException {
        sentiment().write(dir.resolve("s"));
        Files.writeString(dir.resolve("s/test.tsv"), "text\tlabel\ngreat\tpositive\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Task.read(dir.resolve("s"))).getMessage()
                .contains("test.tsv:1: expected the header 'label<TAB>text'"));
        Files.writeString(dir.resolve("s/test.tsv"), "label\ttext\npositive\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Task.read(dir.resolve("s"))).getMessage()
                .contains("test.tsv:2: expected 2 non-empty tab-separated columns (label, text), got 1 column(s)"));
    }

    @Test
    void aByteOrderMarkIsNamed() throws IOException {
        sentiment().write(dir.resolve("s"));
        Files.writeString(dir.resolve("s/train.tsv"), "\uFEFFlabel\ttext\npositive\tgreat\n");
        String m = assertThrows(IllegalArgumentException.class, () -> Task.read(dir.resolve("s"))).getMessage();
        assertTrue(m.contains("train.tsv:1: the file starts with a byte order mark (BOM, bytes EF BB BF); save it as "
                + "UTF-8 without a BOM. Expected the header 'label<TAB>text'"), m);
    }

    @Test
    void aDirectoryWithoutDescriptorIsNotATask() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Task.read(dir));
        assertTrue(e.getMessage().contains("has no task.json"), e.getMessage());
    }
}
