package dev.electra.tokenizer;

import java.io.Serializable;

/**
 * Switches of the BERT normalizer, named as HuggingFace's {@code BertNormalizer}.
 *
 * <p>HuggingFace also allows {@code strip_accents: null}, meaning "strip when lowercasing"; here
 * the choice is always explicit ({@link #followingLowercase} resolves the null form).
 *
 * @param cleanText drop control and format characters, U+0000 and U+FFFD; map white space to ' '
 * @param handleChineseChars put spaces around CJK ideographs so each becomes its own word
 * @param stripAccents decompose (NFD) and drop non-spacing marks
 * @param lowercase map each character to its full lowercase form
 */
public record NormalizerOptions(boolean cleanText, boolean handleChineseChars, boolean stripAccents,
                                boolean lowercase) implements Serializable {

    /** bert-base-uncased: everything on. */
    public static NormalizerOptions bertUncased() {
        return new NormalizerOptions(true, true, true, true);
    }

    /** bert-base-cased: no lowercasing and, following it, no accent stripping. */
    public static NormalizerOptions bertCased() {
        return new NormalizerOptions(true, true, false, false);
    }

    /** HuggingFace's reading of {@code strip_accents: null}: strip accents exactly when lowercasing. */
    public static NormalizerOptions followingLowercase(boolean cleanText, boolean handleChineseChars,
                                                       boolean lowercase) {
        return new NormalizerOptions(cleanText, handleChineseChars, lowercase, lowercase);
    }
}
