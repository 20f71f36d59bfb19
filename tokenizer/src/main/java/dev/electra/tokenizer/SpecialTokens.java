package dev.electra.tokenizer;

import java.util.List;

/** The BERT special tokens and the WordPiece continuation prefix, written once. */
public final class SpecialTokens {
    /** Padding; id 0 so that zero-filled batches are padding. */
    public static final String PAD = "[PAD]";
    /** Stands for a whole word that WordPiece cannot spell with the vocabulary. */
    public static final String UNK = "[UNK]";
    /** Starts every example; its final hidden state is the sequence summary. */
    public static final String CLS = "[CLS]";
    /** Ends each segment. */
    public static final String SEP = "[SEP]";
    /** Replaces a token chosen for masked language modelling. */
    public static final String MASK = "[MASK]";
    /** Marks a WordPiece that continues a word rather than starting one. */
    public static final String CONTINUATION_PREFIX = "##";

    /** Every special token, in the order a new vocabulary lists them (so [PAD] gets id 0). */
    public static final List<String> ALL = List.of(PAD, UNK, CLS, SEP, MASK);

    /** Default WordPiece limit: a longer word becomes [UNK] (as BERT and HuggingFace). */
    public static final int DEFAULT_MAX_INPUT_CHARS_PER_WORD = 100;

    private SpecialTokens() {
    }

    public static boolean isSpecial(String token) {
        return ALL.contains(token);
    }
}
