package dev.electra.jobs;

import dev.electra.jobs.io.CorpusInput;
import dev.electra.jobs.io.OutputDir;
import dev.electra.jobs.io.SkipCounter;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.config.RunInfo;
import dev.electra.tokenizer.BertTokenizer;
import dev.electra.tokenizer.NormalizerOptions;
import dev.electra.tokenizer.SpecialTokens;
import dev.electra.tokenizer.TokenizerJson;
import dev.electra.tokenizer.TokenizerSpec;
import dev.electra.tokenizer.Vocabulary;
import dev.electra.tokenizer.train.BpeWordPieceTrainer;
import dev.electra.tokenizer.train.VocabTrainerConfig;
import dev.electra.tokenizer.train.WordCounts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import scala.Tuple2;

/**
 * {@code vocab}: counts normalized words per partition, merges the counts with Spark, and fits a WordPiece
 * vocabulary on the driver by BPE-style merges. Writes vocab.txt and tokenizer.json.
 */
@Command(name = "vocab", mixinStandardHelpOptions = true,
        description = {"Train a WordPiece vocabulary (BPE-style merges, as HuggingFace's WordPieceTrainer) on a corpus.",
                "Writes OUTPUT/vocab.txt (one token per line, id = line number, [PAD]=0) and OUTPUT/tokenizer.json "
                        + "(loads in HuggingFace tokenizers), plus _run.json and _effective.conf.",
                "Keys: vocab.size, vocab.min-frequency, vocab.limit-alphabet, tokenizer.*, input.*."})
public final class VocabJob implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(VocabJob.class);
    public static final String VOCAB_FILE = "vocab.txt";
    public static final String TOKENIZER_FILE = "tokenizer.json";

    @Mixin
    CommonOptions common;

    @Mixin
    OverwriteOption replace;

    @Option(names = "--input", required = true, paramLabel = "PATH",
            description = "Corpus: file, directory or glob; file://, hdfs://, s3a://; text (.txt/.gz/.bz2), .jsonl, .parquet.")
    String input;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Output directory.")
    String output;

    @Override
    public Integer call() {
        ElectraConfig config = common.config();
        SparkSession spark = Sparks.session(config, "vocab");
        Vocabulary vocab = run(spark, config, input, output, replace.overwrite, List.of("vocab", "--input", input, "--output", output));
        System.out.println("wrote " + vocab.size() + " tokens: " + output + "/" + VOCAB_FILE + " and " + output + "/" + TOKENIZER_FILE);
        return 0;
    }

    private static void writeVocabulary(OutputDir out, TokenizerSpec spec) {
        try {
            ByteArrayOutputStream vocabBytes = new ByteArrayOutputStream();
            spec.vocabulary().write(vocabBytes);
            out.write(VOCAB_FILE, vocabBytes.toByteArray());
            ByteArrayOutputStream json = new ByteArrayOutputStream();
            TokenizerJson.write(spec, json);
            out.write(TOKENIZER_FILE, json.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the vocabulary: " + e.getMessage(), e);
        }
    }

    public static Vocabulary run(SparkSession spark, ElectraConfig config, String input, String output,
                                 boolean overwrite, List<String> arguments) {
        long start = System.nanoTime();
        RunInfo info = RunInfo.start("vocab", arguments, config);
        var hadoop = spark.sparkContext().hadoopConfiguration();
        try (OutputDir out = OutputDir.begin("vocab", output, overwrite, hadoop,
                List.of(new OutputDir.Input("--input", input)))) {
            try {
                return fit(spark, config, input, out, info, start);
            } catch (Exception e) {
                throw out.failure(e);
            }
        }
    }

    private static Vocabulary fit(SparkSession spark, ElectraConfig config, String input, OutputDir out,
                                  RunInfo info, long start) {
        var hadoop = spark.sparkContext().hadoopConfiguration();
        List<CorpusInput.InputFile> files = CorpusInput.list(input, config.input(), hadoop);
        LOG.info("vocab: {} input files from {}", files.size(), input);
        JavaRDD<CorpusInput.Record> records = CorpusInput.read(spark, files, config.input());
        SkipCounter skips = new SkipCounter(spark.sparkContext());
        LongAccumulator totalWords = spark.sparkContext().longAccumulator("words");
        NormalizerOptions options = Tokenizers.normalizerOptions(config);
        int maxChars = config.tokenizer().maxInputCharsPerWord();
        long minFrequency = config.vocab().minFrequency();
        spark.sparkContext().setJobDescription("vocab: count words");
        List<Tuple2<String, Long>> kept = records
                .mapPartitionsToPair((Iterator<CorpusInput.Record> it) -> {
                    BertTokenizer words = Tokenizers.wordSplitter(options, maxChars);
                    Map<String, Long> local = new HashMap<>();
                    long n = 0;
                    while (it.hasNext()) {
                        CorpusInput.Record r = it.next();
                        if (skips.usable(r)) {
                            for (String w : words.words(r.text())) {
                                local.merge(w, 1L, Long::sum);
                                n++;
                            }
                        }
                    }
                    totalWords.add(n);
                    List<Tuple2<String, Long>> pairs = new ArrayList<>(local.size());
                    local.forEach((w, c) -> pairs.add(new Tuple2<>(w, c)));
                    return pairs.iterator();
                })
                .reduceByKey(Long::sum)
                .filter(t -> t._2 >= minFrequency)
                .collect();
        spark.sparkContext().setJobDescription(null);
        Map<String, Long> skipped = skips.report(LOG, files);
        if (totalWords.value() == 0) {
            throw CorpusInput.nothingUsable(input, "no words to learn a vocabulary from", files, skipped,
                    config.input(), hadoop);
        }
        WordCounts counts = new WordCounts();
        kept.forEach(t -> counts.add(t._1, t._2));
        LOG.info("vocab: {} words, {} distinct words seen at least {} times; fitting {} tokens",
                totalWords.value(), counts.distinctWords(), minFrequency, config.vocab().size());
        VocabTrainerConfig trainer = new VocabTrainerConfig(config.vocab().size(), minFrequency,
                config.vocab().limitAlphabet(), SpecialTokens.ALL, "##");
        Vocabulary vocab = Vocabulary.of(new BpeWordPieceTrainer().fit(counts, trainer));
        if (vocab.size() < config.vocab().size()) {
            LOG.warn("vocab: the corpus supports only {} tokens, fewer than vocab.size = {}", vocab.size(),
                    config.vocab().size());
        }
        writeVocabulary(out, new TokenizerSpec(vocab, options, config.tokenizer().maxInputCharsPerWord()));
        Map<String, Object> results = new LinkedHashMap<>(skipped);
        results.put("input_files", files.size());
        results.put("words", totalWords.value());
        results.put("distinct_words_kept", counts.distinctWords());
        results.put("vocab_size", vocab.size());
        results.put("vocab_sha256", vocab.sha256());
        results.put("wall_seconds", (System.nanoTime() - start) / 1e9);
        out.writeRunInfo(info.withResults(results));
        out.commit();
        LOG.info("vocab: wrote {} tokens to {} in {} s", vocab.size(), out.target(),
                String.format("%.1f", (System.nanoTime() - start) / 1e9));
        return vocab;
    }
}
