package dev.electra.tokenizer.train;

import java.io.Serializable;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Settings of {@link BpeWordPieceTrainer}. Defaults live in {@code conf/reference.conf} under {@code vocab};
 * error messages name those keys so a bad value can be found where it was set.
 *
 * @param vocabSize               {@code vocab.size}: the number of tokens in the vocabulary, special tokens
 *                                included; training stops adding merged tokens when it is reached
 * @param minFrequency            {@code vocab.min-frequency}: words counted fewer times are ignored, and a
 *                                pair is only merged if it occurs at least this often; at least 1
 * @param limitAlphabet           {@code vocab.limit-alphabet}: at most this many distinct characters (the
 *                                most frequent) may appear in tokens; rarer ones become [UNK] when encoding
 * @param specialTokens           tokens placed first in the vocabulary, in this order, so the first one
 *                                gets id 0 (by convention {@code [PAD]})
 * @param continuingSubwordPrefix marks a piece that continues a word, {@code "##"} for BERT and ELECTRA
 */
public record VocabTrainerConfig(
        int vocabSize,
        long minFrequency,
        int limitAlphabet,
        List<String> specialTokens,
        String continuingSubwordPrefix) implements Serializable {

    /** BERT's special tokens in BERT's id order: [PAD] is 0, which padding masks rely on. */
    public static final List<String> BERT_SPECIAL_TOKENS = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");

    /** BERT's marker for a piece that continues a word. */
    public static final String BERT_CONTINUING_SUBWORD_PREFIX = "##";

    public VocabTrainerConfig {
        Objects.requireNonNull(specialTokens, "special-tokens");
        Objects.requireNonNull(continuingSubwordPrefix, "continuing-subword-prefix");
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < specialTokens.size(); i++) {
            String token = specialTokens.get(i);
            if (token == null || token.isBlank()) {
                throw new IllegalArgumentException(
                        "special-tokens[" + i + "] must be a non-blank token, got " + quoted(token));
            }
            if (!seen.add(token)) {
                throw new IllegalArgumentException(
                        "special-tokens must be distinct, got " + quoted(token) + " twice in " + specialTokens);
            }
        }
        specialTokens = List.copyOf(specialTokens);
        if (vocabSize <= specialTokens.size()) {
            throw new IllegalArgumentException("vocab.size must be > number of special tokens ("
                    + specialTokens.size() + "), got " + vocabSize);
        }
        if (minFrequency < 1) {
            throw new IllegalArgumentException(
                    "vocab.min-frequency must be >= 1 (1 keeps every word), got " + minFrequency);
        }
        if (limitAlphabet < 1) {
            throw new IllegalArgumentException(
                    "vocab.limit-alphabet must be >= 1 (a number of distinct characters), got " + limitAlphabet);
        }
        if (continuingSubwordPrefix.isEmpty()) {
            throw new IllegalArgumentException(
                    "continuing-subword-prefix must be non-empty (BERT uses \"##\"), got \"\"");
        }
    }

    /** The BERT/ELECTRA layout: {@link #BERT_SPECIAL_TOKENS} and the {@code ##} prefix. */
    public static VocabTrainerConfig bert(int vocabSize, long minFrequency, int limitAlphabet) {
        return new VocabTrainerConfig(
                vocabSize, minFrequency, limitAlphabet, BERT_SPECIAL_TOKENS, BERT_CONTINUING_SUBWORD_PREFIX);
    }

    private static String quoted(String s) {
        return s == null ? "null" : "\"" + s + "\"";
    }
}
