package dev.electra.pipeline.config;

import java.io.Serializable;
import java.util.Map;

/**
 * The effective configuration of a run: every value of {@code conf/reference.conf} after overlays and
 * {@code --set}, validated. Immutable; {@link #rendered()} is the HOCON text written next to outputs.
 */
public record ElectraConfig(
        long seed,
        SparkConfig spark,
        DataConfig data,
        TokenizerConfig tokenizer,
        VocabConfig vocab,
        InputConfig input,
        PrepareConfig prepare,
        String rendered) implements Serializable {

    /** Where and how Spark runs. */
    public record SparkConfig(String master, String logLevel, Map<String, String> properties) implements Serializable {
        public SparkConfig {
            properties = Map.copyOf(properties);
        }
    }

    /** Where fetched sample data lives. */
    public record DataConfig(String dir) implements Serializable {}

    /** BERT normalization switches and the WordPiece word-length limit. */
    public record TokenizerConfig(boolean cleanText, boolean handleChineseChars, boolean stripAccents,
                                  boolean lowercase, int maxInputCharsPerWord) implements Serializable {
        public TokenizerConfig {
            Validate.atLeast("tokenizer.max-input-chars-per-word", maxInputCharsPerWord, 1);
        }
    }

    /** Vocabulary training. */
    public record VocabConfig(int size, long minFrequency, int limitAlphabet) implements Serializable {
        public VocabConfig {
            Validate.atLeast("vocab.size", size, 6);
            Validate.atLeast("vocab.min-frequency", minFrequency, 1);
            Validate.atLeast("vocab.limit-alphabet", limitAlphabet, 1);
        }
    }

    /** How corpus files are read. */
    public record InputConfig(InputFormat format, String textField, int maxLineChars) implements Serializable {
        public InputConfig {
            Validate.atLeast("input.max-line-chars", maxLineChars, 1);
            if (textField.isBlank()) {
                throw new ConfigException("input.text-field must name a field, got an empty string");
            }
        }
    }

    /** Example packing, as ELECTRA's build_pretraining_dataset.py. */
    public record PrepareConfig(int maxSeqLength, int numShards, double singleSegmentProb,
                                double randomLengthProb) implements Serializable {
        public PrepareConfig {
            Validate.atLeast("prepare.max-seq-length", maxSeqLength, 8);
            Validate.atLeast("prepare.num-shards", numShards, 1);
            Validate.probability("prepare.single-segment-prob", singleSegmentProb);
            Validate.probability("prepare.random-length-prob", randomLengthProb);
        }
    }

    /** Corpus formats. */
    public enum InputFormat { AUTO, TEXT, JSONL, PARQUET }

    static final class Validate {
        private Validate() {}

        static void atLeast(String key, long value, long min) {
            if (value < min) {
                throw new ConfigException(key + " must be at least " + min + ", got " + value);
            }
        }

        static void probability(String key, double value) {
            if (!(value >= 0.0 && value <= 1.0)) {
                throw new ConfigException(key + " must be a probability in [0, 1], got " + value);
            }
        }
    }
}
