package dev.electra.jobs;

import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.tokenizer.BertTokenizer;
import dev.electra.tokenizer.NormalizerOptions;
import dev.electra.tokenizer.SpecialTokens;
import dev.electra.tokenizer.TokenizerSpec;
import dev.electra.tokenizer.Vocabulary;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** Builds tokenizers from the configuration and reads vocabularies from any Hadoop path. */
final class Tokenizers {
    private Tokenizers() {}

    static NormalizerOptions normalizerOptions(ElectraConfig config) {
        return config.tokenizer().normalizerOptions();
    }

    static BertTokenizer of(Vocabulary vocab, NormalizerOptions options, int maxInputCharsPerWord) {
        return new TokenizerSpec(vocab, options, maxInputCharsPerWord).build();
    }

    /** The tokenizer of a run's configuration over {@code vocab}. */
    static BertTokenizer tokenizer(Vocabulary vocab, ElectraConfig config) {
        return of(vocab, normalizerOptions(config), config.tokenizer().maxInputCharsPerWord());
    }

    /** A tokenizer used only for {@link BertTokenizer#words}: normalization and pre-tokenization need no pieces. */
    static BertTokenizer wordSplitter(NormalizerOptions options, int maxInputCharsPerWord) {
        return of(Vocabulary.of(SpecialTokens.ALL), options, maxInputCharsPerWord);
    }

    /** vocab.txt at {@code path}, or inside it when it is the directory the vocab command wrote. */
    static Vocabulary readVocabulary(String path, Configuration hadoop) {
        try {
            Path p = new Path(path);
            FileSystem fs = p.getFileSystem(hadoop);
            if (!fs.exists(p)) {
                throw new IllegalArgumentException("vocabulary " + path + " does not exist");
            }
            if (fs.getFileStatus(p).isDirectory()) {
                p = new Path(p, VocabJob.VOCAB_FILE);
                if (!fs.exists(p)) {
                    throw new IllegalArgumentException("directory " + path + " has no " + VocabJob.VOCAB_FILE);
                }
            }
            try (InputStream in = fs.open(p)) {
                return Vocabulary.read(in, p.toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read vocabulary " + path + ": " + e.getMessage(), e);
        }
    }
}
