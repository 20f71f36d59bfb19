package dev.electra.tokenizer;

import java.io.Serializable;
import java.text.Normalizer;

/**
 * HuggingFace's {@code BertNormalizer}: in this order, clean the text, space out CJK ideographs,
 * strip accents (NFD, then drop non-spacing marks), lowercase. Each step works on the output of the
 * previous one and every output character keeps the span of the original character it came from.
 *
 * <p>A lone surrogate (possible in a Java string, impossible in a Rust one) is read as U+FFFD, the
 * replacement a UTF-8 encoder would write; cleaning removes it like any U+FFFD.
 *
 * <p>Text whose characters are all below U+00C0 (ASCII and the Latin-1 controls, symbols and
 * spaces) takes a single pass: nothing there decomposes, is a mark, or lowercases outside ASCII.
 */
public final class BertNormalizer implements Serializable {
    private static final long serialVersionUID = 1L;
    /** The first code point that may decompose or lowercase outside ASCII. */
    private static final int FIRST_LATE = 0xC0;
    private static final char DOTTED_CAPITAL_I = '\u0130';
    private static final char COMBINING_DOT_ABOVE = '\u0307';

    private final NormalizerOptions options;

    public BertNormalizer(NormalizerOptions options) {
        this.options = options;
    }

    public NormalizerOptions options() {
        return options;
    }

    public NormalizedText normalize(String original) {
        return normalize(original, 0, original.length());
    }

    /** Normalizes {@code original[from, to)}; offsets stay indices into the whole {@code original}. */
    public NormalizedText normalize(String original, int from, int to) {
        boolean clean = options.cleanText();
        boolean lower = options.lowercase();
        boolean cjk = options.handleChineseChars();
        AlignedBuilder b = new AlignedBuilder(to - from + 8);
        boolean late = false;
        int i = from;
        while (i < to) {
            char c = original.charAt(i);
            if (c < 0x80) {
                if (clean) {
                    if (c == '\t' || c == '\n' || c == '\r') {
                        c = ' ';
                    } else if (c < 0x20 || c == 0x7F) {
                        i++;
                        continue;
                    }
                }
                if (lower && c >= 'A' && c <= 'Z') {
                    c = (char) (c + ('a' - 'A'));
                }
                b.append(c, i, i + 1);
                i++;
                continue;
            }
            int cp;
            int end;
            if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(original.charAt(i + 1))) {
                cp = Character.toCodePoint(c, original.charAt(i + 1));
                end = i + 2;
            } else {
                cp = Character.isSurrogate(c) ? 0xFFFD : c;
                end = i + 1;
            }
            if (clean) {
                if (cp == 0xFFFD || UnicodeRules.isOther(cp)) {
                    i = end;
                    continue;
                }
                if (UnicodeRules.isWhitespace(cp)) {
                    cp = ' ';
                }
            }
            if (cjk && UnicodeRules.isChineseChar(cp)) {
                b.append(' ', i, end);
                b.appendCodePoint(cp, i, end);
                b.append(' ', i, end);
            } else {
                b.appendCodePoint(cp, i, end);
            }
            late |= cp >= FIRST_LATE;
            i = end;
        }
        boolean strip = options.stripAccents();
        if (!late || !(strip || lower)) {
            return b.build(original);
        }
        if (strip) {
            b = stripAccents(b);
        }
        if (lower) {
            b = lowercase(b);
        }
        return b.build(original);
    }

    private static AlignedBuilder stripAccents(AlignedBuilder in) {
        AlignedBuilder d = new AlignedBuilder(in.length + 8);
        for (int i = 0; i < in.length; ) {
            int cp = Character.codePointAt(in.chars, i, in.length);
            int n = Character.charCount(cp);
            String dec = UnicodeRules.decomposition(cp);
            if (dec == null) {
                d.appendCodePoint(cp, in.starts[i], in.ends[i]);
            } else {
                for (int k = 0; k < dec.length(); k++) {
                    d.append(dec.charAt(k), in.starts[i], in.ends[i]);
                }
            }
            i += n;
        }
        d = canonicalOrder(d);
        AlignedBuilder out = new AlignedBuilder(d.length);
        for (int i = 0; i < d.length; ) {
            int cp = Character.codePointAt(d.chars, i, d.length);
            if (!UnicodeRules.isNonspacingMark(cp)) {
                out.appendCodePoint(cp, d.starts[i], d.ends[i]);
            }
            i += Character.charCount(cp);
        }
        return out;
    }

    /**
     * Puts runs of combining marks in canonical order, the last step of NFD. The text is already
     * decomposed, so Java's NFD only reorders; the k-th code point of the result keeps the span of
     * the k-th code point before reordering, as HuggingFace aligns by position.
     */
    private static AlignedBuilder canonicalOrder(AlignedBuilder d) {
        boolean marks = false;
        for (int i = 0; i < d.length && !marks; i++) {
            marks = d.chars[i] >= 0x300;
        }
        if (!marks) {
            return d;
        }
        String decomposed = new String(d.chars, 0, d.length);
        String ordered = reorder(decomposed);
        if (ordered.equals(decomposed)) {
            return d;
        }
        int count = decomposed.codePointCount(0, decomposed.length());
        int[] spanStart = new int[count];
        int[] spanEnd = new int[count];
        for (int i = 0, k = 0; i < d.length; k++) {
            spanStart[k] = d.starts[i];
            spanEnd[k] = d.ends[i];
            i += Character.charCount(Character.codePointAt(d.chars, i, d.length));
        }
        AlignedBuilder out = new AlignedBuilder(d.length);
        for (int i = 0, k = 0; i < ordered.length(); k++) {
            int cp = ordered.codePointAt(i);
            out.appendCodePoint(cp, spanStart[k], spanEnd[k]);
            i += Character.charCount(cp);
        }
        return out;
    }

    /**
     * Java's canonical reordering, except that the code points HuggingFace's NFD crate sees as
     * starters ({@link UnicodeRules#isReorderBarrier}) stay in place and split the runs around them.
     */
    private static String reorder(String decomposed) {
        StringBuilder sb = null;
        int from = 0;
        for (int i = 0; i < decomposed.length(); ) {
            int cp = decomposed.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (UnicodeRules.isReorderBarrier(cp)) {
                if (sb == null) {
                    sb = new StringBuilder(decomposed.length());
                }
                sb.append(Normalizer.normalize(decomposed.substring(from, i), Normalizer.Form.NFD));
                sb.append(decomposed, i, next);
                from = next;
            }
            i = next;
        }
        if (sb == null) {
            return Normalizer.normalize(decomposed, Normalizer.Form.NFD);
        }
        return sb.append(Normalizer.normalize(decomposed.substring(from), Normalizer.Form.NFD)).toString();
    }

    private static AlignedBuilder lowercase(AlignedBuilder in) {
        AlignedBuilder out = new AlignedBuilder(in.length + 4);
        for (int i = 0; i < in.length; ) {
            int cp = Character.codePointAt(in.chars, i, in.length);
            if (cp == DOTTED_CAPITAL_I) {
                out.append('i', in.starts[i], in.ends[i]);
                out.append(COMBINING_DOT_ABOVE, in.starts[i], in.ends[i]);
            } else {
                out.appendCodePoint(UnicodeRules.lowercase(cp), in.starts[i], in.ends[i]);
            }
            i += Character.charCount(cp);
        }
        return out;
    }
}
