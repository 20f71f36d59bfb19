package dev.electra.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class BertNormalizerTest {
    private final BertNormalizer uncased = new BertNormalizer(NormalizerOptions.bertUncased());
    private final BertNormalizer cased = new BertNormalizer(NormalizerOptions.bertCased());

    private String norm(BertNormalizer n, String s) {
        return n.normalize(s).normalized();
    }

    @Test
    void asciiIsLowercasedAndControlsCleaned() {
        assertEquals("hello, world!", norm(uncased, "Hello, World!"));
        assertEquals("a b c d", norm(uncased, "a\tb\nc\rd"));
        assertEquals("abcd", norm(uncased, "a\u0000b\u0007c\u001bd"));
        assertEquals("ab", norm(uncased, "a\u000bb"), "VT and FF are controls first, so removed, not spaced");
        assertEquals("Hello", norm(cased, "Hello"));
    }

    @Test
    void unicodeSpacesBecomeSpacesAndFormatCharactersVanish() {
        assertEquals("a b c d", norm(uncased, "a\u00a0b\u202fc\u3000d"));
        assertEquals("ab", norm(uncased, "a\u200bb"));
        assertEquals("ab", norm(uncased, "a\u200db"));
        assertEquals("ab", norm(uncased, "\ufeffa\u00adb"));
        assertEquals("ab", norm(uncased, "a\ufffdb"));
        assertEquals("ab", norm(uncased, "a\u0085b"), "NEL is a control before it is white space");
    }

    @Test
    void accentsAreStrippedOnlyWhenAsked() {
        assertEquals("cafe naive angstrom ecole", norm(uncased, "café naïve Ångström ÉCOLE"));
        assertEquals("café", norm(cased, "café"));
        assertEquals("i", norm(uncased, "İ"));
        NormalizerOptions lowerOnly = new NormalizerOptions(true, true, false, true);
        assertEquals("i\u0307", norm(new BertNormalizer(lowerOnly), "İ"), "full lowercase of U+0130");
    }

    @Test
    void lowercaseIsPerCharacterWithoutFinalSigma() {
        assertEquals("οδοσ", norm(uncased, "ΟΔΟΣ"));
        assertEquals("straße", norm(uncased, "STRAßE"));
        assertEquals("ﬁ", norm(uncased, "ﬁ"), "no compatibility decomposition");
        assertEquals("ｆｕｌｌ", norm(uncased, "ＦＵＬＬ"));
    }

    @Test
    void cjkIdeographsAreSpacedOut() {
        assertEquals(" 中  文 ab", norm(uncased, "中文ab"));
        assertEquals("日本語のテキスト".length() + 6, norm(uncased, "日本語のテキスト").length());
        assertEquals("\u1112\u1161\u11ab\u1100\u116e\u11a8\u110b\u1165", norm(uncased, "한국어"),
                "Hangul is decomposed into jamo, not spaced");
    }

    @Test
    void offsetsPointIntoTheOriginal() {
        NormalizedText n = uncased.normalize("Xé\u0000😀Y");
        assertEquals("xe😀y", n.normalized());
        assertEquals(0, n.originalStart(0));
        assertEquals(1, n.originalStart(1));
        assertEquals(2, n.originalEnd(1));
        assertEquals(3, n.originalStart(2), "U+0000 removed; the emoji starts at 3");
        assertEquals(5, n.originalEnd(3));
        assertEquals(5, n.originalStart(4));
        assertEquals("é\u0000😀", n.originalText(1, 4));
    }

    @Test
    void decomposedCharactersShareTheirOriginalSpan() {
        NormalizedText n = new BertNormalizer(new NormalizerOptions(true, true, false, true)).normalize("aİb");
        assertEquals("ai\u0307b", n.normalized());
        assertEquals(1, n.originalStart(1));
        assertEquals(1, n.originalStart(2));
        assertEquals(2, n.originalEnd(2));
        assertEquals(2, n.originalStart(3));
    }

    @Test
    void segmentsKeepOffsetsOfTheWholeString() {
        NormalizedText n = uncased.normalize("xx[MASK]Ab", 8, 10);
        assertEquals("ab", n.normalized());
        assertEquals(8, n.originalStart(0));
        assertEquals(10, n.originalEnd(1));
    }

    @Test
    void loneSurrogateIsAReplacementCharacter() {
        assertEquals("ab", norm(uncased, "a\ud800b"));
        NormalizerOptions noClean = new NormalizerOptions(false, true, true, true);
        assertEquals("a\ufffdb", norm(new BertNormalizer(noClean), "a\udc00b"));
    }
}
