package dev.electra.tokenizer;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * HuggingFace's {@code BertPreTokenizer}: split on white space (dropping it), then make every
 * punctuation character a word of its own.
 *
 * <p>White space is Unicode White_Space, as Rust's {@code char::is_whitespace} (so U+00A0 and
 * U+3000 split but U+001C..U+001F and U+200B do not; Java's {@code Character.isWhitespace} differs
 * on both counts). Punctuation is ASCII punctuation (which includes symbols such as {@code $ + < = >
 * ^ ` | ~}) or a Unicode punctuation category (Pc Pd Pe Pf Pi Po Ps), see {@code UnicodeRules}.
 */
public final class BertPreTokenizer implements Serializable {
    private static final long serialVersionUID = 1L;

    /** A word of normalized text: its text and its span in the original. */
    public record PreToken(String text, int start, int end) {
    }

    /**
     * The words of {@code normalized} as [start, end) pairs of indices into it, packed as
     * {@code {start0, end0, start1, end1, ...}}.
     */
    public int[] split(CharSequence normalized) {
        IntList out = new IntList(16);
        split(normalized, out);
        return out.toArray();
    }

    void split(CharSequence s, IntList out) {
        int n = s.length();
        int wordStart = -1;
        for (int i = 0; i < n; ) {
            int cp = Character.codePointAt(s, i);
            int next = i + Character.charCount(cp);
            if (UnicodeRules.isWhitespace(cp)) {
                if (wordStart >= 0) {
                    out.add(wordStart);
                    out.add(i);
                    wordStart = -1;
                }
            } else if (UnicodeRules.isPunctuation(cp)) {
                if (wordStart >= 0) {
                    out.add(wordStart);
                    out.add(i);
                    wordStart = -1;
                }
                out.add(i);
                out.add(next);
            } else if (wordStart < 0) {
                wordStart = i;
            }
            i = next;
        }
        if (wordStart >= 0) {
            out.add(wordStart);
            out.add(n);
        }
    }

    /** The words of a normalized text with their spans in the original text. */
    public List<PreToken> preTokenize(NormalizedText text) {
        int[] spans = split(text.normalized());
        List<PreToken> words = new ArrayList<>(spans.length / 2);
        for (int i = 0; i < spans.length; i += 2) {
            words.add(new PreToken(text.normalized().substring(spans[i], spans[i + 1]),
                    text.originalStart(spans[i]), text.originalEnd(spans[i + 1] - 1)));
        }
        return words;
    }
}
