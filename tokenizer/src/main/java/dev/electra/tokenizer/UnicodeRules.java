package dev.electra.tokenizer;

import java.text.Normalizer;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The character classes of HuggingFace tokenizers' BERT normalizer and pre-tokenizer, as built into
 * the reference binary (tokenizers 0.21.4 in DJL 0.38.0).
 *
 * <p>HuggingFace takes them from three sources with three Unicode versions: the
 * {@code unicode_categories} 0.1.1 crate (control/format/private-use, punctuation and non-spacing
 * mark tables, older than Unicode 13), {@code unicode-normalization-alignments} 0.1.12 (NFD) and the
 * Rust standard library (white space, lowercase; Unicode 17). Java 17 implements Unicode 13. Each
 * class below is Java's category with the exceptions found by comparing every code point with the
 * reference ({@code UnicodeRulesTest} repeats that comparison). Code points unassigned in every
 * version involved behave the same everywhere: kept, not punctuation, not marks.
 */
final class UnicodeRules {
    private static final byte OTHER = 1;
    private static final byte WHITESPACE = 2;
    private static final byte PUNCTUATION = 4;
    private static final byte NONSPACING_MARK = 8;
    private static final byte CJK = 16;
    private static final byte NFD_BARRIER = 32;

    /** Format characters (Cf) in Unicode 13 that the crate's older table does not list. */
    private static final int[] FORMAT_NOT_IN_CRATE = {0x08E2, 0x08E2, 0x110CD, 0x110CD, 0x13430, 0x13438};

    /** Punctuation in Unicode 13 that the crate does not list (added in Unicode 10 to 13). */
    private static final int[] PUNCTUATION_NOT_IN_CRATE = {
        0x09FD, 0x09FD, 0x0A76, 0x0A76, 0x0C77, 0x0C77, 0x0C84, 0x0C84, 0x2E43, 0x2E4F, 0x2E52, 0x2E52,
        0x10EAD, 0x10EAD, 0x10F55, 0x10F59, 0x1144B, 0x1144F, 0x1145A, 0x1145B, 0x1145D, 0x1145D,
        0x11660, 0x1166C, 0x1183B, 0x1183B, 0x11944, 0x11946, 0x119E2, 0x119E2, 0x11A3F, 0x11A46,
        0x11A9A, 0x11A9C, 0x11A9E, 0x11AA2, 0x11C41, 0x11C45, 0x11C70, 0x11C71, 0x11EF7, 0x11EF8,
        0x11FFF, 0x11FFF, 0x16E97, 0x16E9A, 0x16FE2, 0x16FE2, 0x1E95E, 0x1E95F};

    /** Punctuation (Po) in the crate that Unicode 13 recategorized (to So and Mn). */
    private static final int[] PUNCTUATION_ONLY_IN_CRATE = {0x166D, 0x166D, 0x111C9, 0x111C9};

    /** Non-spacing marks in Unicode 13 that the crate does not list, so HuggingFace keeps them. */
    private static final int[] MARKS_NOT_IN_CRATE = {
        0x07FD, 0x07FD, 0x08D3, 0x08E1, 0x09FE, 0x09FE, 0x0AFA, 0x0AFF, 0x0B55, 0x0B55, 0x0C04, 0x0C04,
        0x0D00, 0x0D00, 0x0D3B, 0x0D3C, 0x0D81, 0x0D81, 0x0EBA, 0x0EBA, 0x1885, 0x1886, 0x1ABF, 0x1AC0,
        0x1DF6, 0x1DF9, 0x1DFB, 0x1DFB, 0xA82C, 0xA82C, 0xA8C5, 0xA8C5, 0xA8FF, 0xA8FF, 0xA9BD, 0xA9BD,
        0x10D24, 0x10D27, 0x10EAB, 0x10EAC, 0x10F46, 0x10F50, 0x111C9, 0x111C9, 0x111CF, 0x111CF,
        0x1123E, 0x1123E, 0x1133B, 0x1133B, 0x11438, 0x1143F, 0x11442, 0x11444, 0x11446, 0x11446,
        0x1145E, 0x1145E, 0x1182F, 0x11837, 0x11839, 0x1183A, 0x1193B, 0x1193C, 0x1193E, 0x1193E,
        0x11943, 0x11943, 0x119D4, 0x119D7, 0x119DA, 0x119DB, 0x119E0, 0x119E0, 0x11A01, 0x11A0A,
        0x11A33, 0x11A38, 0x11A3B, 0x11A3E, 0x11A47, 0x11A47, 0x11A51, 0x11A56, 0x11A59, 0x11A5B,
        0x11A8A, 0x11A96, 0x11A98, 0x11A99, 0x11C30, 0x11C36, 0x11C38, 0x11C3D, 0x11C3F, 0x11C3F,
        0x11C92, 0x11CA7, 0x11CAA, 0x11CB0, 0x11CB2, 0x11CB3, 0x11CB5, 0x11CB6, 0x11D31, 0x11D36,
        0x11D3A, 0x11D3A, 0x11D3C, 0x11D3D, 0x11D3F, 0x11D45, 0x11D47, 0x11D47, 0x11D90, 0x11D91,
        0x11D95, 0x11D95, 0x11D97, 0x11D97, 0x11EF3, 0x11EF4, 0x16F4F, 0x16F4F, 0x16FE4, 0x16FE4,
        0x1E000, 0x1E006, 0x1E008, 0x1E018, 0x1E01B, 0x1E021, 0x1E023, 0x1E024, 0x1E026, 0x1E02A,
        0x1E130, 0x1E136, 0x1E2EC, 0x1E2EF, 0x1E944, 0x1E94A};

    /**
     * Lowercase pairs from Unicode 14 to 17 that Rust knows and Java 17 does not:
     * (first, last, delta) ranges where lower = upper + delta.
     */
    private static final int[] LOWERCASE_AFTER_UNICODE_13 = {
        0x1C89, 0x1C89, 1, 0x2C2F, 0x2C2F, 48, 0xA7C0, 0xA7C0, 1, 0xA7CB, 0xA7CB, -42343,
        0xA7CC, 0xA7CC, 1, 0xA7CE, 0xA7CE, 1, 0xA7D0, 0xA7D0, 1, 0xA7D2, 0xA7D2, 1, 0xA7D4, 0xA7D4, 1,
        0xA7D6, 0xA7D6, 1, 0xA7D8, 0xA7D8, 1, 0xA7DA, 0xA7DA, 1, 0xA7DC, 0xA7DC, -42561,
        0x10570, 0x1057A, 39, 0x1057C, 0x1058A, 39, 0x1058C, 0x10592, 39, 0x10594, 0x10595, 39,
        0x10D50, 0x10D65, 32, 0x16EA0, 0x16EB8, 27};

    /** DIVES AKURU VOWEL SIGN O: canonically decomposable since Unicode 13, unknown to the NFD crate. */
    static final int NOT_DECOMPOSED = 0x11938;

    /**
     * Combining marks (canonical combining class ≠ 0 in Unicode 13) that the NFD crate does not know
     * and so treats as starters: they are never reordered, and marks are never reordered across them.
     */
    private static final int[] STARTERS_IN_NFD_CRATE = {
        0x07FD, 0x07FD, 0x08D3, 0x08D3, 0x09FE, 0x09FE, 0x0D3B, 0x0D3C, 0x0EBA, 0x0EBA, 0x1ABF, 0x1AC0,
        0x1DF6, 0x1DF9, 0xA82C, 0xA82C, 0x10D24, 0x10D27, 0x10EAB, 0x10EAC, 0x10F46, 0x10F50, 0x1133B, 0x1133B,
        0x1145E, 0x1145E, 0x11839, 0x1183A, 0x1193D, 0x1193E, 0x11943, 0x11943, 0x119E0, 0x119E0,
        0x11A34, 0x11A34, 0x11A47, 0x11A47, 0x11A99, 0x11A99, 0x11D42, 0x11D42, 0x11D44, 0x11D45,
        0x11D97, 0x11D97, 0x16FF0, 0x16FF1, 0x1E130, 0x1E136, 0x1E2EC, 0x1E2EF};

    /** CJK ideograph blocks, exactly as HuggingFace's {@code is_chinese_char}. */
    private static final int[] CJK_BLOCKS = {
        0x4E00, 0x9FFF, 0x3400, 0x4DBF, 0x20000, 0x2A6DF, 0x2A700, 0x2B73F, 0x2B740, 0x2B81F,
        0x2B920, 0x2CEAF, 0xF900, 0xFAFF, 0x2F800, 0x2FA1F};

    private static final byte[] FLAGS = buildFlags();

    private static final int HANGUL_BASE = 0xAC00;
    private static final int HANGUL_COUNT = 11172;
    private static final String[] BMP_DECOMPOSITION = buildBmpDecompositions();
    private static final ConcurrentHashMap<Integer, String> SUPPLEMENTARY_DECOMPOSITION =
            new ConcurrentHashMap<>();

    private UnicodeRules() {
    }

    /** Rust's {@code char::is_whitespace}: the Unicode White_Space property (not Java's isWhitespace). */
    static boolean isWhitespace(int cp) {
        return (FLAGS[cp] & WHITESPACE) != 0;
    }

    /** The crate's {@code is_other}: Cc, Cf or Co (not Cn, so unassigned code points survive). */
    static boolean isOther(int cp) {
        return (FLAGS[cp] & OTHER) != 0;
    }

    /** HuggingFace's {@code is_bert_punc}: ASCII punctuation or the crate's P* categories. */
    static boolean isPunctuation(int cp) {
        return (FLAGS[cp] & PUNCTUATION) != 0;
    }

    /** The crate's {@code is_mark_nonspacing} (Mn), which accent stripping removes. */
    static boolean isNonspacingMark(int cp) {
        return (FLAGS[cp] & NONSPACING_MARK) != 0;
    }

    /**
     * Whether canonical reordering must not move this code point nor move marks across it: a mark
     * the NFD crate does not know, or the character it does not decompose.
     */
    static boolean isReorderBarrier(int cp) {
        return (FLAGS[cp] & NFD_BARRIER) != 0;
    }

    static boolean isChineseChar(int cp) {
        return (FLAGS[cp] & CJK) != 0;
    }

    /**
     * Rust's {@code char::to_lowercase} when it yields one character; U+0130, its only two-character
     * lowercase ("i" + U+0307), is left to the caller.
     */
    static int lowercase(int cp) {
        if (cp < 0x80) {
            return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
        }
        int[] t = LOWERCASE_AFTER_UNICODE_13;
        if (cp >= t[0] && cp <= t[t.length - 2]) {
            for (int i = 0; i < t.length; i += 3) {
                if (cp >= t[i] && cp <= t[i + 1]) {
                    return cp + t[i + 2];
                }
            }
        }
        return Character.toLowerCase(cp);
    }

    /** The canonical decomposition of one code point as the NFD crate gives it, or null if none. */
    static String decomposition(int cp) {
        if (cp < 0xC0) {
            return null;
        }
        if (cp <= 0xFFFF) {
            return BMP_DECOMPOSITION[cp];
        }
        if (cp == NOT_DECOMPOSED) {
            return null;
        }
        String d = SUPPLEMENTARY_DECOMPOSITION.computeIfAbsent(cp, c -> {
            String s = new String(Character.toChars(c));
            String n = Normalizer.normalize(s, Normalizer.Form.NFD);
            return n.equals(s) ? "" : n;
        });
        return d.isEmpty() ? null : d;
    }

    private static byte[] buildFlags() {
        byte[] flags = new byte[Character.MAX_CODE_POINT + 1];
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            int type = Character.getType(cp);
            byte f = 0;
            if (type == Character.CONTROL || type == Character.FORMAT || type == Character.PRIVATE_USE) {
                f |= OTHER;
            }
            if (isAsciiPunctuation(cp) || isPunctuationType(type)) {
                f |= PUNCTUATION;
            }
            if (type == Character.NON_SPACING_MARK) {
                f |= NONSPACING_MARK;
            }
            flags[cp] = f;
        }
        int[] ws = {0x09, 0x0D, 0x20, 0x20, 0x85, 0x85, 0xA0, 0xA0, 0x1680, 0x1680, 0x2000, 0x200A,
            0x2028, 0x2029, 0x202F, 0x202F, 0x205F, 0x205F, 0x3000, 0x3000};
        set(flags, ws, WHITESPACE, true);
        set(flags, FORMAT_NOT_IN_CRATE, OTHER, false);
        set(flags, PUNCTUATION_NOT_IN_CRATE, PUNCTUATION, false);
        set(flags, PUNCTUATION_ONLY_IN_CRATE, PUNCTUATION, true);
        set(flags, MARKS_NOT_IN_CRATE, NONSPACING_MARK, false);
        set(flags, CJK_BLOCKS, CJK, true);
        set(flags, STARTERS_IN_NFD_CRATE, NFD_BARRIER, true);
        set(flags, new int[] {NOT_DECOMPOSED, NOT_DECOMPOSED}, NFD_BARRIER, true);
        return flags;
    }

    private static void set(byte[] flags, int[] ranges, byte flag, boolean on) {
        for (int i = 0; i < ranges.length; i += 2) {
            for (int cp = ranges[i]; cp <= ranges[i + 1]; cp++) {
                flags[cp] = (byte) (on ? flags[cp] | flag : flags[cp] & ~flag);
            }
        }
    }

    private static boolean isAsciiPunctuation(int cp) {
        return (cp >= 0x21 && cp <= 0x2F) || (cp >= 0x3A && cp <= 0x40) || (cp >= 0x5B && cp <= 0x60)
                || (cp >= 0x7B && cp <= 0x7E);
    }

    private static boolean isPunctuationType(int type) {
        return type == Character.CONNECTOR_PUNCTUATION || type == Character.DASH_PUNCTUATION
                || type == Character.START_PUNCTUATION || type == Character.END_PUNCTUATION
                || type == Character.INITIAL_QUOTE_PUNCTUATION || type == Character.FINAL_QUOTE_PUNCTUATION
                || type == Character.OTHER_PUNCTUATION;
    }

    private static String[] buildBmpDecompositions() {
        String[] table = new String[0x10000];
        for (int c = 0xC0; c <= 0xFFFF; c++) {
            if (Character.isSurrogate((char) c)) {
                continue;
            }
            if (c >= HANGUL_BASE && c < HANGUL_BASE + HANGUL_COUNT) {
                table[c] = decomposeHangul(c);
                continue;
            }
            String s = String.valueOf((char) c);
            if (!Normalizer.isNormalized(s, Normalizer.Form.NFD)) {
                table[c] = Normalizer.normalize(s, Normalizer.Form.NFD);
            }
        }
        return table;
    }

    /** The Unicode algorithmic decomposition of a Hangul syllable into two or three jamo. */
    private static String decomposeHangul(int c) {
        int s = c - HANGUL_BASE;
        char l = (char) (0x1100 + s / 588);
        char v = (char) (0x1161 + (s % 588) / 28);
        int t = s % 28;
        return t == 0 ? new String(new char[] {l, v}) : new String(new char[] {l, v, (char) (0x11A7 + t)});
    }
}
