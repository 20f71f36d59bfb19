package dev.electra.pipeline.eval;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * GLUE's tasks read from the files as GLUE distributes them (the layout of its download script: {@code DIR/CoLA},
 * {@code DIR/SST-2}, {@code DIR/MRPC}, {@code DIR/QQP}, {@code DIR/MNLI}, {@code DIR/QNLI}, {@code DIR/RTE},
 * {@code DIR/WNLI}, {@code DIR/STS-B}), each with its own columns and header; STS-B is regression (its 0–5 score). Fine-tuning uses {@code train.tsv};
 * scores are reported on the dev set, as the ELECTRA paper's GLUE dev results (GLUE's test labels are not public),
 * so the task's dev and test splits are both the dev file. Matched and mismatched MNLI are two tasks sharing MNLI's
 * training set. A malformed line is reported with its file and line number.
 */
public final class GlueTasks {
    private GlueTasks() {}

    /**
     * One task's layout: its directory, dev file, whether the files have a header, the column of the label (negative:
     * from the end), the columns of the text(s), the labels in GLUE's order and the metric the paper reports.
     */
    record Layout(String name, String directory, String devFile, boolean header, int expectedColumns, int label,
                  int textA, int textB, List<String> labels, Task.Metric metric) {
        /** The scores GLUE's regression task allows: STS-B's similarity is 0 to 5. */
        Task.Range range() {
            return metric.ofRegression() ? new Task.Range(0, 5, "GLUE's " + directory) : null;
        }
    }

    private static final List<String> BINARY = List.of("0", "1");
    private static final List<String> ENTAILMENT = List.of("entailment", "not_entailment");
    private static final List<String> NLI = List.of("contradiction", "entailment", "neutral");

    /** The layouts, by the names {@code evaluate --tasks} takes. */
    static final Map<String, Layout> LAYOUTS = layouts();

    private static Map<String, Layout> layouts() {
        Map<String, Layout> m = new LinkedHashMap<>();
        // CoLA: no header; source, label, the original annotation, sentence
        m.put("cola", new Layout("cola", "CoLA", "dev.tsv", false, 4, 1, 3, -1, BINARY, Task.Metric.MCC));
        m.put("sst2", new Layout("sst2", "SST-2", "dev.tsv", true, 2, 1, 0, -1, BINARY, Task.Metric.ACCURACY));
        // MRPC: Quality, #1 ID, #2 ID, #1 String, #2 String
        m.put("mrpc", new Layout("mrpc", "MRPC", "dev.tsv", true, 5, 0, 3, 4, BINARY, Task.Metric.F1));
        // QQP: id, qid1, qid2, question1, question2, is_duplicate
        m.put("qqp", new Layout("qqp", "QQP", "dev.tsv", true, 6, 5, 3, 4, BINARY, Task.Metric.F1));
        // MNLI: index … sentence1 (8), sentence2 (9), label1 [label2 … label5], gold_label (last); train has 12
        // columns, the dev files 16: the column count is not fixed, the gold label is the last column
        m.put("mnli-m", new Layout("mnli-m", "MNLI", "dev_matched.tsv", true, -1, -1, 8, 9, NLI,
                Task.Metric.ACCURACY));
        m.put("mnli-mm", new Layout("mnli-mm", "MNLI", "dev_mismatched.tsv", true, -1, -1, 8, 9, NLI,
                Task.Metric.ACCURACY));
        m.put("qnli", new Layout("qnli", "QNLI", "dev.tsv", true, 4, 3, 1, 2, ENTAILMENT, Task.Metric.ACCURACY));
        m.put("rte", new Layout("rte", "RTE", "dev.tsv", true, 4, 3, 1, 2, ENTAILMENT, Task.Metric.ACCURACY));
        m.put("wnli", new Layout("wnli", "WNLI", "dev.tsv", true, 4, 3, 1, 2, BINARY, Task.Metric.ACCURACY));
        // STS-B: index, genre, filename, year, old_index, source1, source2, sentence1, sentence2, score (0–5);
        // Spearman as the ELECTRA paper reports it, Pearson beside
        m.put("stsb", new Layout("stsb", "STS-B", "dev.tsv", true, 10, 9, 7, 8, List.of(), Task.Metric.SPEARMAN));
        return Map.copyOf(m);
    }

    /** The task names {@code evaluate --glue-dir} accepts, in GLUE's order. */
    public static List<String> names() {
        return List.of("cola", "sst2", "mrpc", "stsb", "qqp", "mnli-m", "mnli-mm", "qnli", "rte", "wnli");
    }

    /** Reads one GLUE task from {@code glueDir}. */
    public static Task read(Path glueDir, String name) {
        Layout layout = LAYOUTS.get(name);
        if (layout == null) {
            throw new IllegalArgumentException("unknown GLUE task '" + name + "'; expected one of " + names());
        }
        Path dir = glueDir.resolve(layout.directory());
        List<Task.Example> train = readFile(dir.resolve("train.tsv"), layout);
        List<Task.Example> dev = readFile(dir.resolve(layout.devFile()), layout);
        Task.Kind kind = layout.metric().ofRegression() ? Task.Kind.REGRESSION
                : layout.textB() >= 0 ? Task.Kind.PAIR_CLASSIFICATION : Task.Kind.CLASSIFICATION;
        return new Task(name, kind, layout.metric(), layout.labels(), "GLUE " + layout.directory() + " ("
                + dir + "; dev reported)", Map.of(Task.Split.TRAIN, train, Task.Split.DEV, dev, Task.Split.TEST, dev));
    }

    static List<Task.Example> readFile(Path file, Layout layout) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("GLUE task " + layout.name() + " needs " + file + " (GLUE's "
                    + layout.directory() + " directory as its download script lays it out)");
        }
        List<Task.Example> out = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = in.readLine()) != null) {
                number++;
                if (number == 1 && layout.header()) {
                    continue;
                }
                if (line.isEmpty()) {
                    continue;
                }
                String[] cols = line.split("\t", -1);
                String where = file + ":" + number;
                if (layout.expectedColumns() > 0 && cols.length != layout.expectedColumns()
                        || layout.expectedColumns() < 0 && cols.length < layout.textB() + 2) {
                    throw new IllegalArgumentException(where + ": expected " + (layout.expectedColumns() > 0
                            ? layout.expectedColumns() : "at least " + (layout.textB() + 2)) + " tab-separated columns "
                            + "(GLUE's " + layout.directory() + " layout), got " + cols.length);
                }
                String labelText = cols[layout.label() >= 0 ? layout.label() : cols.length + layout.label()].strip();
                boolean regression = layout.metric().ofRegression();
                double value = regression ? Task.score(labelText, where, layout.range()) : Double.NaN;
                int label = regression ? -1 : layout.labels().indexOf(labelText);
                if (label < 0 && !regression) {
                    throw new IllegalArgumentException(where + ": unknown label '" + labelText + "'; GLUE's "
                            + layout.directory() + " labels are " + layout.labels());
                }
                String a = cols[layout.textA()].strip();
                String b = layout.textB() >= 0 ? cols[layout.textB()].strip() : null;
                if (a.isEmpty() || b != null && b.isEmpty()) {
                    throw new IllegalArgumentException(where + ": empty text");
                }
                out.add(new Task.Example(label, a, b, value));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + " has no examples");
        }
        return out;
    }
}
