package dev.electra.jobs.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.electra.pipeline.config.ElectraConfig.InputConfig;
import dev.electra.pipeline.config.ElectraConfig.InputFormat;
import dev.electra.pipeline.errors.JobError;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.hadoop.mapreduce.lib.input.TextInputFormat;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Reads a corpus (a file, a directory or a glob on any Hadoop file system) as an ordered RDD of
 * {@link Record}s. Text files (.txt and anything else, .gz/.bz2 decompressed) hold one paragraph per line and a
 * blank line between documents; JSON lines and Parquet hold one document per record in a text field.
 * Files are read in path order, so record order (and document numbering) never depends on partitioning.
 */
public final class CorpusInput {
    /** Bytes sniffed at the start of each text file to recognise binary input. */
    private static final int SNIFF_BYTES = 8192;

    private CorpusInput() {}

    /** One input file; {@code index} is its position in path order. */
    public record InputFile(int index, String path, InputFormat format, long bytes) implements Serializable {}

    /** Why a record is not usable text. */
    public enum Status { OK, BLANK, MALFORMED_UTF8, TOO_LONG, BAD_JSON }

    /**
     * One line (text, JSON lines) or row (Parquet). {@code startsDocument} marks the first line of a text file
     * and every JSON line / Parquet row; a BLANK line ends the current document.
     */
    public record Record(int file, long position, String text, Status status, boolean startsDocument)
            implements Serializable {}

    /** Lists the input files in path order and checks that they look like what their format promises. */
    public static List<InputFile> list(String input, InputConfig config, Configuration hadoop) {
        try {
            Path path = new Path(input);
            FileSystem fs = path.getFileSystem(hadoop);
            FileStatus[] matches = fs.globStatus(path);
            if (matches == null || matches.length == 0) {
                throw new IllegalArgumentException("input path " + input + " does not exist");
            }
            List<FileStatus> files = new ArrayList<>();
            for (FileStatus match : matches) {
                if (match.isDirectory()) {
                    RemoteIterator<LocatedFileStatus> it = fs.listFiles(match.getPath(), true);
                    while (it.hasNext()) {
                        LocatedFileStatus f = it.next();
                        if (!hidden(f.getPath(), match.getPath())) {
                            files.add(f);
                        }
                    }
                } else {
                    files.add(match);
                }
            }
            files.sort((a, b) -> a.getPath().toString().compareTo(b.getPath().toString()));
            if (files.isEmpty()) {
                throw new IllegalArgumentException("input " + input + " contains no files (hidden files starting "
                        + "with '.' or '_' are ignored)");
            }
            CompressionCodecFactory codecs = new CompressionCodecFactory(hadoop);
            List<InputFile> result = new ArrayList<>();
            for (FileStatus f : files) {
                InputFormat format = formatOf(f.getPath(), config.format(), codecs);
                if (format != InputFormat.PARQUET) {
                    sniffText(fs, f.getPath(), codecs);
                }
                result.add(new InputFile(result.size(), f.getPath().toString(), format, f.getLen()));
            }
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list input " + input + ": " + e.getMessage(), e);
        }
    }

    private static boolean hidden(Path file, Path root) {
        for (Path p = file; p != null && !p.equals(root); p = p.getParent()) {
            String name = p.getName();
            if (name.startsWith(".") || name.startsWith("_")) {
                return true;
            }
        }
        return false;
    }

    static InputFormat formatOf(Path path, InputFormat configured, CompressionCodecFactory codecs) {
        if (configured != InputFormat.AUTO) {
            return configured;
        }
        String name = path.getName().toLowerCase(Locale.ROOT);
        CompressionCodec codec = codecs.getCodec(path);
        if (codec != null) {
            name = CompressionCodecFactory.removeSuffix(name, codec.getDefaultExtension());
        }
        if (name.endsWith(".parquet")) {
            return InputFormat.PARQUET;
        }
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json")) {
            return InputFormat.JSONL;
        }
        return InputFormat.TEXT;
    }

    private static void sniffText(FileSystem fs, Path path, CompressionCodecFactory codecs) throws IOException {
        sniffText(fs, path, codecs, "UTF-8 text (.txt, .gz, .bz2), JSON lines with a text field, or Parquet with a "
                + "text column");
    }

    /**
     * Refuses a text input ({@code encode}'s, {@code score}'s) that looks binary, as the corpus commands do.
     *
     * @param expected what the command reads, for the message
     */
    public static void requireText(FileSystem fs, Path path, Configuration hadoop, String expected)
            throws IOException {
        sniffText(fs, path, new CompressionCodecFactory(hadoop), expected);
    }

    /** Refuses a file whose first bytes contain NUL: text in UTF-8 never does, binary formats nearly always. */
    private static void sniffText(FileSystem fs, Path path, CompressionCodecFactory codecs, String expected)
            throws IOException {
        CompressionCodec codec = codecs.getCodec(path);
        try (InputStream raw = fs.open(path);
             InputStream in = codec == null ? raw : codec.createInputStream(raw)) {
            byte[] head = in.readNBytes(SNIFF_BYTES);
            for (int i = 0; i < head.length; i++) {
                if (head[i] == 0) {
                    throw new IllegalArgumentException("input file " + path + " looks binary (a NUL byte at offset "
                            + i + "); expected " + expected);
                }
            }
        } catch (IOException e) {
            throw new JobError("cannot read input file " + path + " (" + e.getMessage() + "): it is truncated or "
                    + "corrupt, or it is compressed and its extension does not name the codec (.gz, .bz2)", e);
        }
    }

    /**
     * The error for an input that gave nothing to work with ({@code purpose}: what was missing, e.g. "no words to
     * learn a vocabulary from"): what was skipped, and for JSON lines without the text field, which fields the
     * first line has and how to choose one.
     */
    public static JobError nothingUsable(String input, String purpose, List<InputFile> files,
                                         java.util.Map<String, Long> skipped, InputConfig config,
                                         Configuration hadoop) {
        StringBuilder m = new StringBuilder("input " + input + " has " + purpose + " (" + files.size()
                + " files, all lines blank or skipped: " + skipped + ")");
        long badJson = skipped.getOrDefault("skipped_bad_json", 0L);
        if (badJson > 0) {
            m.append("; ").append(badJson).append(" JSON lines have no string field '").append(config.textField())
                    .append("' (input.text-field)");
            for (InputFile f : files) {
                if (f.format() == InputFormat.JSONL) {
                    firstJsonFields(f, hadoop).ifPresent(fields -> m.append(": the first line of ").append(f.path())
                            .append(" has the fields ").append(fields));
                    break;
                }
            }
            m.append("; choose the text field with --set input.text-field=NAME");
        }
        return new JobError(m.toString());
    }

    /** The field names of the first JSON object in a JSON-lines file. */
    private static java.util.Optional<List<String>> firstJsonFields(InputFile file, Configuration hadoop) {
        Path path = new Path(file.path());
        try {
            FileSystem fs = path.getFileSystem(hadoop);
            CompressionCodec codec = new CompressionCodecFactory(hadoop).getCodec(path);
            try (InputStream raw = fs.open(path);
                 InputStream in = codec == null ? raw : codec.createInputStream(raw);
                 java.io.BufferedReader reader = new java.io.BufferedReader(
                         new java.io.InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    try {
                        JsonNode node = Json.MAPPER.readTree(line);
                        if (node != null && node.isObject()) {
                            List<String> names = new ArrayList<>();
                            node.fieldNames().forEachRemaining(names::add);
                            return java.util.Optional.of(names);
                        }
                    } catch (IOException e) {
                        // not JSON: look at the next line
                    }
                }
            }
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.empty();
    }

    /** All records of all files, in file order then position order. */
    public static JavaRDD<Record> read(SparkSession spark, List<InputFile> files, InputConfig config) {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<JavaRDD<Record>> parts = new ArrayList<>();
        int maxChars = config.maxLineChars();
        String field = config.textField();
        for (InputFile file : files) {
            int index = file.index();
            String path = file.path();
            JavaRDD<Record> records = switch (file.format()) {
                case PARQUET -> parquet(spark, file, field);
                case JSONL -> lines(sc, file).map(kv -> jsonRecord(index, kv._1.get(), kv._2, field, maxChars));
                default -> lines(sc, file).map(kv -> textRecord(index, kv._1.get(), kv._2, maxChars));
            };
            parts.add(records.mapPartitions(it -> new Guarded<>(it, path), true));
        }
        if (parts.size() == 1) {
            return parts.get(0);
        }
        @SuppressWarnings("unchecked")
        JavaRDD<Record>[] all = parts.toArray(new JavaRDD[0]);
        return sc.union(all);
    }

    private static org.apache.spark.api.java.JavaPairRDD<LongWritable, Text> lines(JavaSparkContext sc, InputFile file) {
        return sc.newAPIHadoopFile(file.path(), TextInputFormat.class, LongWritable.class, Text.class,
                sc.hadoopConfiguration());
    }

    /**
     * An iterator over one file's records that names the file when reading it fails (a truncated gzip stream
     * otherwise surfaces as "Unexpected end of input stream" with no file).
     */
    public static final class Guarded<T> implements java.util.Iterator<T> {
        private final java.util.Iterator<T> in;
        private final String file;

        public Guarded(java.util.Iterator<T> in, String file) {
            this.in = in;
            this.file = file;
        }

        @Override
        public boolean hasNext() {
            try {
                return in.hasNext();
            } catch (Exception e) {
                // Hadoop's readers throw IOException through Scala's iterators, undeclared.
                throw Failures.reading(e, file);
            }
        }

        @Override
        public T next() {
            try {
                return in.next();
            } catch (java.util.NoSuchElementException e) {
                throw e;
            } catch (Exception e) {
                throw Failures.reading(e, file);
            }
        }
    }

    private static JavaRDD<Record> parquet(SparkSession spark, InputFile file, String field) {
        Dataset<Row> rows;
        try {
            rows = spark.read().parquet(file.path());
        } catch (RuntimeException e) {
            throw Failures.reading(e, file.path());
        }
        if (!Arrays.asList(rows.columns()).contains(field)) {
            throw new IllegalArgumentException("Parquet input " + file.path() + " has no column '" + field
                    + "' (columns: " + String.join(", ", rows.columns()) + "); set input.text-field");
        }
        int index = file.index();
        return rows.select(field).javaRDD().map(row -> {
            String text = row.isNullAt(0) ? "" : String.valueOf(row.get(0));
            return new Record(index, 0, text, text.isBlank() ? Status.BLANK : Status.OK, true);
        });
    }

    static Record textRecord(int file, long position, Text line, int maxChars) {
        Record r = decode(file, position, line, maxChars, position == 0);
        if (r.status() == Status.OK && r.text().isBlank()) {
            return new Record(file, position, "", Status.BLANK, r.startsDocument());
        }
        return r;
    }

    static Record jsonRecord(int file, long position, Text line, String field, int maxChars) {
        Record r = decode(file, position, line, maxChars, true);
        if (r.status() != Status.OK) {
            return r;
        }
        if (r.text().isBlank()) {
            return new Record(file, position, "", Status.BLANK, false);
        }
        try {
            JsonNode node = Json.MAPPER.readTree(r.text());
            JsonNode text = node == null ? null : node.get(field);
            if (text == null || !text.isTextual()) {
                return new Record(file, position, "", Status.BAD_JSON, true);
            }
            return new Record(file, position, text.asText(), Status.OK, true);
        } catch (IOException e) {
            return new Record(file, position, "", Status.BAD_JSON, true);
        }
    }

    private static Record decode(int file, long position, Text line, int maxChars, boolean startsDocument) {
        if (line.getLength() > 4L * maxChars) {
            return new Record(file, position, "", Status.TOO_LONG, startsDocument);
        }
        String text = strictUtf8(line);
        if (text == null) {
            return new Record(file, position, "", Status.MALFORMED_UTF8, startsDocument);
        }
        if (text.length() > maxChars) {
            return new Record(file, position, "", Status.TOO_LONG, startsDocument);
        }
        return new Record(file, position, text, Status.OK, startsDocument);
    }

    /** One strict decoder per task thread: decoders are not thread-safe, and one per line is waste. */
    private static final ThreadLocal<CharsetDecoder> UTF8 = ThreadLocal.withInitial(() -> StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT));

    /** The line as text, or null when its bytes are not valid UTF-8. */
    public static String strictUtf8(Text line) {
        try {
            return UTF8.get().reset().decode(ByteBuffer.wrap(line.getBytes(), 0, line.getLength())).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** One shared mapper per JVM: building one per record would dominate the cost of parsing. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }
}
