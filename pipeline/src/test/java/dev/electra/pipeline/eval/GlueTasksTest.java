package dev.electra.pipeline.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.electra.tokenizer.BertTokenizer;
import dev.electra.tokenizer.NormalizerOptions;
import dev.electra.tokenizer.SpecialTokens;
import dev.electra.tokenizer.TokenizerSpec;
import dev.electra.tokenizer.Vocabulary;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GLUE's nine layouts as GLUE ships them (fixtures written by hand in each layout), pairs, truncation and F1. */
class GlueTasksTest {
    @TempDir
    Path tmp;

    static Path glue() {
        try {
            return Path.of(GlueTasksTest.class.getResource("/glue").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void readsEveryLayout() {
        for (String name : GlueTasks.names()) {
            Task t = GlueTasks.read(glue(), name);
            assertEquals(name.startsWith("mnli") ? 9 : 8, t.split(Task.Split.TRAIN).size(), name);
            assertEquals(name.startsWith("mnli") ? 6 : 4, t.split(Task.Split.DEV).size(), name);
            assertEquals(t.split(Task.Split.DEV), t.split(Task.Split.TEST), name + ": dev is what is reported");
            boolean single = name.equals("cola") || name.equals("sst2");
            assertEquals(single ? Task.Kind.CLASSIFICATION : name.equals("stsb") ? Task.Kind.REGRESSION
                    : Task.Kind.PAIR_CLASSIFICATION, t.kind(), name);
            for (Task.Example x : t.split(Task.Split.TRAIN)) {
                assertTrue(x.text().length() > 5 && !x.text().contains("\t"), name + ": " + x.text());
                if (single) {
                    assertNull(x.other());
                } else {
                    assertTrue(x.other().length() > 5, name);
                }
            }
        }
        Task cola = GlueTasks.read(glue(), "cola");
        assertEquals(Task.Metric.MCC, cola.metric());
        // line 2 of CoLA's train.tsv: gj04 <TAB> 1 <TAB> (empty) <TAB> The cat liked a new house.
        assertEquals(new Task.Example(1, "The cat liked a new house.", null), cola.split(Task.Split.TRAIN).get(1));
        assertEquals(Task.Metric.F1, GlueTasks.read(glue(), "mrpc").metric());
        assertEquals(Task.Metric.F1, GlueTasks.read(glue(), "qqp").metric());
        Task mnli = GlueTasks.read(glue(), "mnli-mm");
        assertEquals(List.of("contradiction", "entailment", "neutral"), mnli.labels());
        assertEquals(1, mnli.split(Task.Split.TEST).get(1).label(), "gold_label, the last of 16 dev columns");
        assertEquals(List.of("entailment", "not_entailment"), GlueTasks.read(glue(), "rte").labels());
        Task stsb = GlueTasks.read(glue(), "stsb");
        assertEquals(Task.Metric.SPEARMAN, stsb.metric());
        // line 4 of STS-B's train.tsv: the score is the last of ten columns, the sentences the 8th and 9th
        assertEquals(new Task.Example(-1, "My sister visited the museum.", "My sister visited the city museum.",
                4.25), stsb.split(Task.Split.TRAIN).get(2));
    }

    @Test
    void malformedLinesAreNamedByFileAndLine() throws IOException {
        Path dir = tmp.resolve("glue");
        copy(glue().resolve("RTE"), dir.resolve("RTE"));
        List<String> lines = new ArrayList<>(Files.readAllLines(dir.resolve("RTE/train.tsv")));
        lines.set(3, "2\tonly one sentence\tentailment");
        Files.write(dir.resolve("RTE/train.tsv"), lines);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GlueTasks.read(dir, "rte"));
        assertEquals(dir.resolve("RTE/train.tsv") + ":4: expected 4 tab-separated columns (GLUE's RTE layout), got 3",
                e.getMessage());
        lines.set(3, "2\tA b c.\tD e f.\tmaybe");
        Files.write(dir.resolve("RTE/train.tsv"), lines);
        e = assertThrows(IllegalArgumentException.class, () -> GlueTasks.read(dir, "rte"));
        assertTrue(e.getMessage().contains(":4: unknown label 'maybe'; GLUE's RTE labels are [entailment, "
                + "not_entailment]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GlueTasks.read(dir, "cola"));
        assertTrue(e.getMessage().contains("CoLA/train.tsv"), e.getMessage());
        copy(glue().resolve("STS-B"), dir.resolve("STS-B"));
        List<String> sts = new ArrayList<>(Files.readAllLines(dir.resolve("STS-B/dev.tsv")));
        sts.set(2, sts.get(2).replace("\t4.600", "\tfour"));
        Files.write(dir.resolve("STS-B/dev.tsv"), sts);
        e = assertThrows(IllegalArgumentException.class, () -> GlueTasks.read(dir, "stsb"));
        assertEquals(dir.resolve("STS-B/dev.tsv") + ":3: expected a finite number as the score, got 'four'",
                e.getMessage());
        for (String score : List.of("7.5", "-2", "500")) {
            sts.set(2, sts.get(2).replaceAll("\t[^\t]*$", "\t" + score));
            Files.write(dir.resolve("STS-B/dev.tsv"), sts);
            e = assertThrows(IllegalArgumentException.class, () -> GlueTasks.read(dir, "stsb"));
            assertEquals(dir.resolve("STS-B/dev.tsv") + ":3: score " + Double.parseDouble(score) + " is outside the "
                    + "range [0, 5] that GLUE's STS-B declares; correct the score or the range", e.getMessage());
        }
        e = assertThrows(IllegalArgumentException.class, () -> GlueTasks.read(dir, "mnli"));
        assertTrue(e.getMessage().contains("[cola, sst2, mrpc, stsb, qqp, mnli-m, mnli-mm, qnli, rte, wnli]"),
                e.getMessage());
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (var s = Files.list(from)) {
            for (Path f : s.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }

    private static BertTokenizer tokenizer() {
        List<String> tokens = new ArrayList<>(SpecialTokens.ALL);
        tokens.addAll(List.of("a", "b", "c", "d", "e", "f", "g", "h"));
        return new TokenizerSpec(Vocabulary.of(tokens), NormalizerOptions.bertUncased()).build();
    }

    @Test
    void pairsArePackedWithSegmentsAndTruncatedLongestFirst() {
        BertTokenizer t = tokenizer();
        // ids: [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, [MASK] 4, a 5 … h 12
        assertArrayEquals(new int[] {2, 5, 6, 3, 7, 3}, EncodedTask.encodePair(t, "a b", "c", 16));
        // 5 + 3 pieces into 9 − 3 = 6: the longer loses its last pieces first, then they alternate (ties cut b)
        assertArrayEquals(new int[] {2, 5, 6, 7, 3, 10, 11, 12, 3}, EncodedTask.encodePair(t, "a b c d e", "f g h", 9));
        assertArrayEquals(new int[] {2, 5, 6, 3, 10, 11, 3}, EncodedTask.encodePair(t, "a b c", "f g h", 7));
        EncodedTask task = new EncodedTask("x", Task.Kind.PAIR_CLASSIFICATION, Task.Metric.F1, 2, List.of(), List.of(),
                null, 3);
        assertArrayEquals(new int[] {0, 0, 0, 0, 1, 1}, task.segments(new int[] {2, 5, 6, 3, 7, 3}));
        assertArrayEquals(new int[] {0, 0, 0}, task.segments(new int[] {2, 5, 3}), "one sentence: all segment 0");
    }

    @Test
    void ownTaskFormatTakesPairs() throws IOException {
        Task t = new Task("para", Task.Kind.PAIR_CLASSIFICATION, Task.Metric.F1, List.of("0", "1"), "test",
                java.util.Map.of(Task.Split.TRAIN, List.of(new Task.Example(1, "a b", "c d")),
                        Task.Split.DEV, List.of(new Task.Example(0, "e", "f")),
                        Task.Split.TEST, List.of(new Task.Example(0, "g", "h"))));
        t.write(tmp.resolve("para"));
        assertEquals("label\ttext_a\ttext_b", Files.readAllLines(tmp.resolve("para/train.tsv")).get(0));
        assertTrue(Files.readString(tmp.resolve("para/task.json")).contains("\"pair-classification\""));
        Task back = Task.read(tmp.resolve("para"));
        assertEquals(t.split(Task.Split.TRAIN), back.split(Task.Split.TRAIN));
        assertEquals(Task.Kind.PAIR_CLASSIFICATION, back.kind());
        assertEquals(Task.Metric.F1, back.metric());
    }

    /** A regression task of our own format, scores 3.8 (train), 0 (dev) and 5 (test). */
    private static Task similar() {
        return new Task("similar", Task.Kind.REGRESSION, Task.Metric.SPEARMAN, List.of(), "test",
                java.util.Map.of(Task.Split.TRAIN, List.of(new Task.Example(-1, "a b", "c d", 3.8)),
                        Task.Split.DEV, List.of(new Task.Example(-1, "e", "f", 0.0)),
                        Task.Split.TEST, List.of(new Task.Example(-1, "g", "h", 5.0))));
    }

    @Test
    void ownTaskFormatTakesRegression() throws IOException {
        Task t = similar();
        t.write(tmp.resolve("similar"));
        assertEquals(List.of("label\ttext_a\ttext_b", "3.8\ta b\tc d"),
                Files.readAllLines(tmp.resolve("similar/train.tsv")));
        assertTrue(Files.readString(tmp.resolve("similar/task.json")).contains("\"regression\""));
        Task back = Task.read(tmp.resolve("similar"));
        assertEquals(t.split(Task.Split.TEST), back.split(Task.Split.TEST));
        assertEquals(Task.Kind.REGRESSION, back.kind());

        Files.writeString(tmp.resolve("similar/dev.tsv"), "label\ttext_a\ttext_b\n2.5\ta\tb\nhigh\tc\td\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Task.read(tmp.resolve("similar")));
        assertEquals(tmp.resolve("similar/dev.tsv") + ":3: expected a finite number as the score, got 'high'",
                e.getMessage());
        Files.writeString(tmp.resolve("similar/task.json"), "{\"name\": \"similar\", \"kind\": \"regression\", "
                + "\"metric\": \"accuracy\", \"labels\": []}");
        e = assertThrows(IllegalArgumentException.class, () -> Task.read(tmp.resolve("similar")));
        assertTrue(e.getMessage().contains("metric \"accuracy\" does not fit kind \"regression\""), e.getMessage());
    }

    @Test
    void aRegressionTaskMayDeclareTheRangeOfItsScores() throws IOException {
        Path similar = tmp.resolve("ranged");
        similar().write(similar);
        String descriptor = "{\"name\": \"similar\", \"kind\": \"regression\", \"metric\": \"spearman\", "
                + "\"labels\": [], \"range\": %s}";
        Files.writeString(similar.resolve("task.json"), String.format(descriptor, "[0, 5]"));
        assertEquals(3.8, Task.read(similar).split(Task.Split.TRAIN).get(0).value(), "0–5 holds every score");
        Files.writeString(similar.resolve("task.json"), String.format(descriptor, "[0, 1]"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Task.read(similar));
        assertEquals(similar.resolve("train.tsv") + ":2: score 3.8 is outside the range [0, 1] that "
                + similar.resolve("task.json") + " declares; correct the score or the range", e.getMessage());
        for (String bad : List.of("[5, 0]", "[1]", "\"0-5\"")) {
            Files.writeString(similar.resolve("task.json"), String.format(descriptor, bad));
            e = assertThrows(IllegalArgumentException.class, () -> Task.read(similar));
            assertTrue(e.getMessage().startsWith(similar.resolve("task.json").toString()) && e.getMessage()
                    .contains("range"), e.getMessage());
        }
    }
}
