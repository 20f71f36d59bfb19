package dev.electra.tokenizer;

import java.io.Serializable;

/**
 * Everything that defines a {@link BertTokenizer}; what a tokenizer.json holds and what Spark ships.
 *
 * @param vocabulary the WordPiece vocabulary
 * @param normalizer the BERT normalizer switches
 * @param maxInputCharsPerWord longer words (in code points) become [UNK]
 */
public record TokenizerSpec(Vocabulary vocabulary, NormalizerOptions normalizer, int maxInputCharsPerWord)
        implements Serializable {

    public TokenizerSpec {
        if (vocabulary == null || normalizer == null) {
            throw new TokenizerException("a tokenizer needs a vocabulary and normalizer options");
        }
        if (maxInputCharsPerWord < 1) {
            throw new TokenizerException("maxInputCharsPerWord is " + maxInputCharsPerWord + ", expected at least 1");
        }
    }

    public TokenizerSpec(Vocabulary vocabulary, NormalizerOptions normalizer) {
        this(vocabulary, normalizer, SpecialTokens.DEFAULT_MAX_INPUT_CHARS_PER_WORD);
    }

    public BertTokenizer build() {
        return BertTokenizer.of(this);
    }
}
