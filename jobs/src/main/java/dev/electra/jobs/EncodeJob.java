package dev.electra.jobs;

import dev.electra.jobs.io.CorpusInput;
import dev.electra.jobs.io.Failures;
import dev.electra.jobs.io.OutputDir;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.tokenizer.BertTokenizer;
import dev.electra.tokenizer.NormalizerOptions;
import dev.electra.tokenizer.Vocabulary;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.lib.input.TextInputFormat;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code encode}: for each input line, the ids of {@code [CLS] … [SEP]} separated by single spaces, exactly what
 * HuggingFace {@code encode(line)} with special tokens returns (no truncation, no padding), so anyone can diff our
 * tokenizer against another one.
 */
@Command(name = "encode", mixinStandardHelpOptions = true,
        description = {"Tokenize each line of a text file: one output line of space-separated ids per input line, "
                + "[CLS] … [SEP] included; an empty line gives the ids of [CLS] [SEP].",
                "Bytes that are not UTF-8 are read as U+FFFD (counted in the log), so line numbers stay aligned."})
public final class EncodeJob implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(EncodeJob.class);

    @Mixin
    CommonOptions common;

    @Mixin
    OverwriteOption replace;

    @Option(names = "--vocab", required = true, paramLabel = "FILE", description = "vocab.txt (or its directory).")
    String vocab;

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "Text file, one input per line.")
    String input;

    @Option(names = "--output", required = true, paramLabel = "FILE", description = "Output file.")
    String output;

    @Override
    public Integer call() {
        ElectraConfig config = common.config();
        SparkSession spark = Sparks.session(config, "encode");
        long lines = run(spark, config, vocab, input, output, replace.overwrite);
        System.out.println("encoded " + lines + " lines: " + output);
        return 0;
    }

    public static long run(SparkSession spark, ElectraConfig config, String vocabPath, String input, String output,
                           boolean overwrite) {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        var hadoop = sc.hadoopConfiguration();
        Vocabulary vocab = Tokenizers.readVocabulary(vocabPath, hadoop);
        checkInput("encode", input, hadoop);
        Broadcast<Vocabulary> vocabB = sc.broadcast(vocab);
        NormalizerOptions options = Tokenizers.normalizerOptions(config);
        int maxChars = config.tokenizer().maxInputCharsPerWord();
        LongAccumulator replaced = sc.sc().longAccumulator("lines with invalid UTF-8");
        try (OutputDir out = OutputDir.beginIdFile("encode", output, overwrite, hadoop,
                List.of(new OutputDir.Input("--input", input), new OutputDir.Input("--vocab", vocabPath)))) {
            String parts = new Path(out.temporary(), "parts").toString();
            long count;
            try {
                encode(lines(sc, input), input, vocabB, options, maxChars, replaced, parts);
                count = concatenate(out.fs(), new Path(parts), new Path(out.temporary(), "encoded.txt"));
            } catch (Exception e) {
                throw out.failure(e);
            }
            if (replaced.value() > 0) {
                LOG.warn("encode: {} lines held bytes that are not UTF-8; they were read as U+FFFD", replaced.value());
            }
            out.commitFile("encoded.txt");
            return count;
        }
    }

    private static void encode(org.apache.spark.api.java.JavaPairRDD<LongWritable, Text> input, String path,
                               Broadcast<Vocabulary> vocabB, NormalizerOptions options, int maxChars,
                               LongAccumulator replaced, String parts) {
        input.mapPartitions(lines -> {
            var it = new CorpusInput.Guarded<>(lines, path);
            BertTokenizer tokenizer = Tokenizers.of(vocabB.value(), options, maxChars);
            List<String> result = new ArrayList<>();
            while (it.hasNext()) {
                result.add(join(tokenizer.encode(text(it.next()._2, replaced)).ids()));
            }
            return result.iterator();
        }).saveAsTextFile(parts);
    }

    /**
     * The lines of a text file, in order. Only \n ends a line (and \r\n, whose \r {@link #text} drops): Hadoop's
     * default reader also splits at a bare \r, which would give more output lines than input lines.
     */
    static org.apache.spark.api.java.JavaPairRDD<LongWritable, Text> lines(JavaSparkContext sc, String input) {
        org.apache.hadoop.conf.Configuration lines = new org.apache.hadoop.conf.Configuration(sc.hadoopConfiguration());
        lines.set("textinputformat.record.delimiter", "\n");
        return sc.newAPIHadoopFile(input, TextInputFormat.class, LongWritable.class, Text.class, lines);
    }

    /** A line's text without a trailing \r; bytes that are not UTF-8 become U+FFFD and are counted. */
    static String text(Text line, LongAccumulator replaced) {
        int length = line.getLength();
        if (length > 0 && line.getBytes()[length - 1] == '\r') {
            length--;
        }
        String text = new String(line.getBytes(), 0, length, StandardCharsets.UTF_8);
        if (text.indexOf('\uFFFD') >= 0 && CorpusInput.strictUtf8(line) == null) {
            replaced.add(1);
        }
        return text;
    }

    /**
     * Refuses a missing or directory input of {@code command} (encode, score): one text file is read. Binary input
     * is encode's to take (it matches HuggingFace's encode on any bytes, control characters included); score
     * refuses it.
     */
    static void checkInput(String command, String input, org.apache.hadoop.conf.Configuration hadoop) {
        try {
            Path p = new Path(input);
            FileSystem fs = p.getFileSystem(hadoop);
            if (!fs.exists(p)) {
                throw new IllegalArgumentException("input " + input + " does not exist");
            }
            if (fs.getFileStatus(p).isDirectory()) {
                throw new IllegalArgumentException("input " + input + " is a directory; " + command + " reads one "
                        + "text file");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read input " + input + ": " + e.getMessage(), e);
        }
    }

    static String join(int[] ids) {
        StringBuilder sb = new StringBuilder(ids.length * 5);
        for (int i = 0; i < ids.length; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(ids[i]);
        }
        return sb.toString();
    }

    /** Concatenates Spark's part files in partition order into one file; returns the number of lines. */
    static long concatenate(FileSystem fs, Path parts, Path target) {
        try {
            FileStatus[] files = fs.listStatus(parts, p -> p.getName().startsWith("part-"));
            Arrays.sort(files, (a, b) -> a.getPath().getName().compareTo(b.getPath().getName()));
            long lines = 0;
            try (OutputStream out = fs.create(target, true)) {
                byte[] buf = new byte[1 << 16];
                for (FileStatus f : files) {
                    try (InputStream in = fs.open(f.getPath())) {
                        int n;
                        while ((n = in.read(buf)) > 0) {
                            out.write(buf, 0, n);
                            for (int i = 0; i < n; i++) {
                                if (buf[i] == '\n') {
                                    lines++;
                                }
                            }
                        }
                    }
                }
            }
            fs.delete(parts, true);
            return lines;
        } catch (IOException | org.apache.hadoop.fs.FSError e) {
            // The local file system reports a full disk as FSError, an Error that no catch of Exception sees.
            throw Failures.writing(e, target.toString(), "nothing was written to the output");
        }
    }
}
