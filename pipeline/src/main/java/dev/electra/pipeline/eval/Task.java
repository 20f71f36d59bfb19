package dev.electra.pipeline.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An evaluation task as files a user can write: a directory with {@code task.json} and tab-separated splits.
 *
 * <pre>
 * task.json   {"name": "sentiment", "kind": "classification", "metric": "accuracy",
 *              "labels": ["negative", "positive"], "source": "…"}
 * train.tsv   header "label&lt;TAB&gt;text", then one example per line (dev.tsv and test.tsv alike)
 *
 * task.json   {"name": "paraphrase", "kind": "pair-classification", "metric": "f1", "labels": ["0", "1"], …}
 * train.tsv   header "label&lt;TAB&gt;text_a&lt;TAB&gt;text_b": sentence pairs, packed [CLS] a [SEP] b [SEP]
 *
 * task.json   {"name": "similarity", "kind": "regression", "metric": "spearman", "labels": [], "range": [0, 5], …}
 * train.tsv   header "label&lt;TAB&gt;text_a&lt;TAB&gt;text_b": a score (a number, as STS-B's 0–5) and a sentence pair;
 *             with the optional "range", a score outside it is an error
 *
 * task.json   {"name": "pos", "kind": "tagging", "metric": "accuracy", "labels": ["NOUN", "VERB", …], …}
 * train.tsv   header "tags&lt;TAB&gt;text": a sentence's words separated by spaces and one tag per word (token-level
 *             probes only: each word's first sub-token carries its tag)
 *
 * task.json   {"name": "minimal-pairs", "kind": "pairs", "metric": "accuracy", "labels": [], "source": "…"}
 * test.tsv    header "correct&lt;TAB&gt;incorrect", then one pair of sentences per line (zero-shot: no training)
 * </pre>
 *
 * Texts hold no tabs or line breaks. {@code metric} is {@code accuracy}, {@code mcc} (Matthews correlation, as
 * CoLA reports) or {@code f1} (of label index 1, as MRPC and QQP report) for classification; {@code spearman} (as the
 * ELECTRA paper reports STS-B) or {@code pearson} for regression, each reported with the other beside it. Reading
 * checks everything and names the file and line of the first problem.
 */
public record Task(String name, Kind kind, Metric metric, List<String> labels, String source,
                   Map<Split, List<Example>> splits) implements Serializable {
    public static final String DESCRIPTOR = "task.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * Classification (label, text), classification of sentence pairs (label, text a, text b), regression on
     * sentence pairs (score, text a, text b), tagging (a tag per word, the words), or zero-shot pairs (correct,
     * incorrect).
     */
    public enum Kind {
        CLASSIFICATION("label\ttext"), PAIR_CLASSIFICATION("label\ttext_a\ttext_b"),
        REGRESSION("label\ttext_a\ttext_b"), TAGGING("tags\ttext"), PAIRS("correct\tincorrect");

        /** The header line of the kind's .tsv files. */
        final String header;

        Kind(String header) {
            this.header = header;
        }

        /** The name in task.json. */
        public String configName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** Each example has a second text. */
        public boolean paired() {
            return this == PAIR_CLASSIFICATION || this == REGRESSION;
        }
    }

    /** What a task reports: the first three of classification, the last two of regression. */
    public enum Metric {
        ACCURACY, MCC, F1, PEARSON, SPEARMAN;

        /** The name in task.json and evaluation.json. */
        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public boolean ofRegression() {
            return this == PEARSON || this == SPEARMAN;
        }
    }

    /** The splits, each a file {@code NAME.tsv}. */
    public enum Split {
        TRAIN, DEV, TEST;

        public String fileName() {
            return name().toLowerCase(Locale.ROOT) + ".tsv";
        }
    }

    /**
     * One line: a label index and a text for classification; for pair classification the second text in
     * {@code other}; for regression the score in {@code value} (label −1); for tagging the words in {@code text} and
     * their tags in {@code other}, both separated by single spaces (label −1); for zero-shot pairs, the correct
     * sentence in {@code text} and the incorrect one in {@code other} (label −1). {@code value} is NaN but for
     * regression.
     */
    public record Example(int label, String text, String other, double value) implements Serializable {
        public Example(int label, String text, String other) {
            this(label, text, other, Double.NaN);
        }
    }

    public Task {
        labels = List.copyOf(labels);
        splits = Map.copyOf(splits);
        if ((kind == Kind.REGRESSION) != metric.ofRegression() && kind != Kind.PAIRS) {
            throw new IllegalArgumentException("task " + name + ": metric " + metric.configName()
                    + " does not fit kind " + kind.configName() + " (regression takes spearman or pearson; "
                    + "classification accuracy, mcc or f1)");
        }
    }

    public List<Example> split(Split split) {
        return splits.getOrDefault(split, List.of());
    }

    /** Reads and validates a task directory. */
    public static Task read(Path dir) {
        Path descriptor = dir.resolve(DESCRIPTOR);
        if (!Files.isRegularFile(descriptor)) {
            throw new IllegalArgumentException(dir + " is not a task: it has no " + DESCRIPTOR
                    + " (see the README's task format)");
        }
        try {
            JsonNode json = JSON.readTree(descriptor.toFile());
            String name = text(json, "name", descriptor);
            Kind kind = choice(Kind.class, text(json, "kind", descriptor), descriptor, "kind");
            Metric metric = choice(Metric.class, text(json, "metric", descriptor), descriptor, "metric");
            List<String> labels = new ArrayList<>();
            json.path("labels").forEach(l -> labels.add(l.asText()));
            if (kind == Kind.REGRESSION != metric.ofRegression()) {
                throw new IllegalArgumentException(descriptor + ": metric \"" + metric.configName()
                        + "\" does not fit kind \"" + kind.configName() + "\" (regression takes spearman or "
                        + "pearson; classification accuracy, mcc or f1)");
            }
            if (kind == Kind.REGRESSION && !labels.isEmpty()) {
                throw new IllegalArgumentException(descriptor + ": a regression task has no labels (its label column "
                        + "is a number), got " + labels);
            }
            if (kind == Kind.TAGGING && metric != Metric.ACCURACY) {
                throw new IllegalArgumentException(descriptor + ": a tagging task reports accuracy (per word), got \""
                        + metric.configName() + "\"");
            }
            Range range = range(json, kind, descriptor);
            if (kind != Kind.PAIRS && kind != Kind.REGRESSION && labels.size() < 2) {
                throw new IllegalArgumentException(descriptor + ": a classification task needs at least two labels, "
                        + "got " + labels);
            }
            Map<Split, List<Example>> splits = new LinkedHashMap<>();
            List<Split> required = kind == Kind.PAIRS ? List.of(Split.TEST) : List.of(Split.values());
            for (Split split : required) {
                Path file = dir.resolve(split.fileName());
                if (!Files.isRegularFile(file)) {
                    throw new IllegalArgumentException("task " + name + " has no " + file);
                }
                List<Example> examples = readSplit(file, kind, labels, range);
                if (examples.isEmpty()) {
                    throw new IllegalArgumentException(file + " has no examples (task " + name + " is empty)");
                }
                splits.put(split, examples);
            }
            return new Task(name, kind, metric, labels, json.path("source").asText(""), splits);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read task " + dir + ": " + e.getMessage(), e);
        }
    }

    /** task.json's optional {@code "range": [low, high]} of a regression task's scores; null when absent. */
    private static Range range(JsonNode json, Kind kind, Path descriptor) {
        JsonNode r = json.get("range");
        if (r == null) {
            return null;
        }
        if (kind != Kind.REGRESSION) {
            throw new IllegalArgumentException(descriptor + ": \"range\" bounds the scores of a regression task; this "
                    + "task's kind is " + kind.configName());
        }
        if (!r.isArray() || r.size() != 2 || !r.get(0).isNumber() || !r.get(1).isNumber()) {
            throw new IllegalArgumentException(descriptor + ": \"range\" must be two numbers [low, high], got " + r);
        }
        return new Range(r.get(0).asDouble(), r.get(1).asDouble(), descriptor.toString());
    }

    private static List<Example> readSplit(Path file, Kind kind, List<String> labels, Range range)
            throws IOException {
        String header = kind.header;
        int columns = header.split("\t").length;
        List<Example> out = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String first = in.readLine();
            if (first != null && first.startsWith("\uFEFF")) {
                throw new IllegalArgumentException(file + ":1: the file starts with a byte order mark (BOM, bytes EF "
                        + "BB BF); save it as UTF-8 without a BOM. Expected the header '"
                        + header.replace("\t", "<TAB>") + "'");
            }
            if (first == null || !first.equals(header)) {
                throw new IllegalArgumentException(file + ":1: expected the header '" + header.replace("\t", "<TAB>")
                        + "', got '" + (first == null ? "" : first.replace("\t", "<TAB>")) + "'");
            }
            String line;
            int number = 1;
            while ((line = in.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                String[] cols = line.split("\t", -1);
                if (cols.length != columns || java.util.Arrays.stream(cols).anyMatch(String::isBlank)) {
                    throw new IllegalArgumentException(file + ":" + number + ": expected " + columns + " non-empty "
                            + "tab-separated columns (" + header.replace("\t", ", ") + "), got " + cols.length
                            + " column(s)");
                }
                if (kind == Kind.PAIRS) {
                    out.add(new Example(-1, cols[0], cols[1]));
                } else if (kind == Kind.REGRESSION) {
                    out.add(new Example(-1, cols[1], cols[2], score(cols[0], file + ":" + number, range)));
                } else if (kind == Kind.TAGGING) {
                    out.add(tagged(cols[0], cols[1], labels, file + ":" + number));
                } else {
                    int label = labels.indexOf(cols[0]);
                    if (label < 0) {
                        throw new IllegalArgumentException(file + ":" + number + ": unknown label '" + cols[0]
                                + "'; " + DESCRIPTOR + " declares " + labels);
                    }
                    out.add(new Example(label, cols[1], kind.paired() ? cols[2] : null));
                }
            }
        }
        return out;
    }

    /** A tagged sentence: as many known tags as words, or an error naming {@code where}. */
    static Example tagged(String tags, String text, List<String> labels, String where) {
        String[] t = tags.strip().split(" +");
        String[] w = text.strip().split(" +");
        if (t.length != w.length) {
            throw new IllegalArgumentException(where + ": " + t.length + " tags for " + w.length + " words (one tag "
                    + "per space-separated word)");
        }
        for (String tag : t) {
            if (!labels.contains(tag)) {
                throw new IllegalArgumentException(where + ": unknown tag '" + tag + "'; " + DESCRIPTOR + " declares "
                        + labels);
            }
        }
        return new Example(-1, String.join(" ", w), String.join(" ", t));
    }

    /**
     * The scores a regression task's data may hold, {@code low} to {@code high} inclusive, and who says so (for
     * messages): GLUE's STS-B is 0–5, and a task of our format may declare {@code "range": [low, high]} in task.json.
     */
    public record Range(double low, double high, String declaredBy) {
        public Range {
            if (!(Double.isFinite(low) && Double.isFinite(high) && low < high)) {
                throw new IllegalArgumentException(declaredBy + ": a score range needs two finite numbers, the "
                        + "lower first, got [" + low + ", " + high + "]");
            }
        }

        /** {@code value}, or an error naming {@code where} when it lies outside the range. */
        double check(double value, String where) {
            if (value < low || value > high) {
                throw new IllegalArgumentException(where + ": score " + value + " is outside the range ["
                        + format(low) + ", " + format(high) + "] that " + declaredBy + " declares; correct the score "
                        + "or the range");
            }
            return value;
        }

        private static String format(double v) {
            return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
        }
    }

    /** A regression score: a finite number within {@code range} (null: any), or an error naming {@code where}. */
    static double score(String text, String where, Range range) {
        double v = score(text, where);
        return range == null ? v : range.check(v, where);
    }

    /** A regression score: a finite number, or an error naming {@code where}. */
    static double score(String text, String where) {
        double v;
        try {
            v = Double.parseDouble(text.strip());
        } catch (NumberFormatException e) {
            v = Double.NaN;
        }
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException(where + ": expected a finite number as the score, got '" + text + "'");
        }
        return v;
    }

    /** Writes the task atomically (a temporary directory renamed into place). */
    public void write(Path dir) {
        try {
            Path parent = dir.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path tmp = Files.createTempDirectory(parent, "." + dir.getFileName() + ".tmp-");
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("name", name);
            json.put("kind", kind.configName());
            json.put("metric", metric.configName());
            json.put("labels", labels);
            json.put("source", source);
            Map<String, Integer> sizes = new LinkedHashMap<>();
            splits.forEach((s, e) -> sizes.put(s.name().toLowerCase(Locale.ROOT), e.size()));
            json.put("examples", sizes);
            JSON.writeValue(tmp.resolve(DESCRIPTOR).toFile(), json);
            for (Map.Entry<Split, List<Example>> e : splits.entrySet()) {
                try (BufferedWriter out = Files.newBufferedWriter(tmp.resolve(e.getKey().fileName()),
                        StandardCharsets.UTF_8)) {
                    out.write(kind.header + "\n");
                    for (Example x : e.getValue()) {
                        out.write(kind == Kind.PAIRS ? clean(x.text()) + "\t" + clean(x.other())
                                : kind == Kind.TAGGING ? clean(x.other()) + "\t" + clean(x.text())
                                : (kind == Kind.REGRESSION ? String.valueOf(x.value()) : labels.get(x.label()))
                                + "\t" + clean(x.text()) + (kind.paired() ? "\t" + clean(x.other()) : ""));
                        out.write('\n');
                    }
                }
            }
            if (Files.exists(dir)) {
                try (var files = Files.walk(dir)) {
                    for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write task " + dir + ": " + e.getMessage(), e);
        }
    }

    /** A text as one TSV field: tabs and line breaks become spaces, runs of spaces one. */
    public static String clean(String text) {
        return text.replaceAll("[\\t\\r\\n\\u000B\\f]+", " ").replaceAll(" {2,}", " ").strip();
    }

    private static String text(JsonNode json, String field, Path file) {
        JsonNode v = json.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw new IllegalArgumentException(file + ": missing \"" + field + "\"");
        }
        return v.asText();
    }

    private static <E extends Enum<E>> E choice(Class<E> type, String value, Path file, String field) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(value.replace('-', '_'))) {
                return e;
            }
        }
        throw new IllegalArgumentException(file + ": \"" + field + "\" must be one of "
                + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT).replace('_', '-')
                + ", got '" + value + "'");
    }
}
