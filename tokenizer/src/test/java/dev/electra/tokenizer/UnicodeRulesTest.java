package dev.electra.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every code point, against HuggingFace. The vocabulary holds every character alone and with "##",
 * so the ids spell out exactly what normalization and pre-tokenization made of each code point
 * (nothing falls into [UNK] and hides a difference). Each code point X is tested as the word "aXb".
 */
@Tag("integration") // about a minute: run by CI (mvn test -Pall), not by a plain mvn test
class UnicodeRulesTest {
    private static final int PER_STRING = 32;
    private static final int BATCH = 2000;
    private static final Vocabulary EVERY_CHARACTER = everyCharacterVocabulary();

    @ParameterizedTest(name = "clean={0} cjk={1} strip={2} lower={3}")
    @CsvSource({"true,true,true,true", "true,true,false,false", "false,false,false,true", "false,false,true,false"})
    void everyCodePointMatchesHuggingFace(boolean clean, boolean cjk, boolean strip, boolean lower) {
        TokenizerSpec spec = new TokenizerSpec(EVERY_CHARACTER,
                new NormalizerOptions(clean, cjk, strip, lower), 1000);
        BertTokenizer ours = spec.build();
        List<String> texts = new ArrayList<>();
        StringBuilder sb = new StringBuilder();
        int inString = 0;
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            if (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE) {
                continue;
            }
            sb.append(inString == 0 ? "a" : " a").appendCodePoint(cp).append('b');
            if (++inString == PER_STRING) {
                texts.add(sb.toString());
                sb.setLength(0);
                inString = 0;
            }
        }
        texts.add(sb.toString());
        List<String> mismatches = new ArrayList<>();
        try (DjlReference hf = DjlReference.load(DjlReference.toJson(spec))) {
            for (int from = 0; from < texts.size(); from += BATCH) {
                List<String> batch = texts.subList(from, Math.min(texts.size(), from + BATCH));
                DjlReference.Ref[] refs = hf.batchEncode(batch);
                for (int i = 0; i < batch.size(); i++) {
                    String text = batch.get(i);
                    if (!Arrays.equals(refs[i].intIds(), ours.encode(text).ids())) {
                        mismatches.add(firstDifference(ours, hf, text));
                    }
                }
            }
        }
        if (!mismatches.isEmpty()) {
            fail(mismatches.size() + " strings differ, first ones:\n" + String.join("\n", mismatches.subList(0,
                    Math.min(20, mismatches.size()))));
        }
    }

    private static String firstDifference(BertTokenizer ours, DjlReference hf, String text) {
        for (String word : text.split(" ")) {
            int[] o = ours.encode(word).ids();
            DjlReference.Ref r = hf.encode(word);
            if (!Arrays.equals(r.intIds(), o)) {
                return DjlParityTest.describe(word) + ": ours " + ours.encode(word).tokens() + ", hf "
                        + Arrays.toString(r.tokens());
            }
        }
        return DjlParityTest.describe(text) + " differs as a whole";
    }

    /** Specials, then each character that can be a token (not white space), alone and continuing. */
    static Vocabulary everyCharacterVocabulary() {
        List<String> tokens = new ArrayList<>(SpecialTokens.ALL);
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            if ((cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE) || UnicodeRules.isWhitespace(cp)) {
                continue;
            }
            String s = Character.toString(cp);
            tokens.add(s);
            tokens.add(SpecialTokens.CONTINUATION_PREFIX + s);
        }
        tokens.remove("##");
        tokens.add("##");
        return Vocabulary.of(tokens.stream().distinct().toList(), "every-character vocabulary");
    }

    /**
     * Canonical reordering of combining marks: every mark Java 17 reorders, next to marks of low,
     * middle and high combining classes that survive accent stripping or not; ids and offsets.
     */
    @Test
    void combiningMarksAreReorderedAsHuggingFaceDoes() {
        List<Integer> nonStarters = new ArrayList<>();
        for (int cp = 0x300; cp <= Character.MAX_CODE_POINT; cp++) {
            if (!(cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE) && isJavaNonStarter(cp)) {
                nonStarters.add(cp);
            }
        }
        int[] references = {0x0334, 0x0301, 0x0323, 0x0345, 0x1D165, 0x1D16D, 0x1DF6, 0x0F71, 0x05B0, 0x302A};
        List<String> tokens = new ArrayList<>(SpecialTokens.ALL);
        tokens.add("a");
        for (int x : nonStarters) {
            tokens.add("##" + Character.toString(x));
        }
        List<String> texts = new ArrayList<>();
        for (int x : nonStarters) {
            for (int y : references) {
                texts.add("a" + Character.toString(x) + Character.toString(y));
                texts.add("a" + Character.toString(y) + Character.toString(x));
                texts.add("a" + Character.toString(0x1D16D) + Character.toString(x) + Character.toString(y));
            }
        }
        for (NormalizerOptions options : List.of(NormalizerOptions.bertUncased(),
                new NormalizerOptions(false, false, true, false))) {
            TokenizerSpec spec = new TokenizerSpec(Vocabulary.of(tokens.stream().distinct().toList()), options);
            BertTokenizer ours = spec.build();
            try (DjlReference hf = DjlReference.load(DjlReference.toJson(spec))) {
                DjlReference.Ref[] refs = hf.batchEncode(texts);
                for (int i = 0; i < texts.size(); i++) {
                    DjlParityTest.assertParity(ours.encode(texts.get(i)), refs[i], texts.get(i), null);
                }
            }
        }
    }

    /** Java exposes no combining class; a mark is a non-starter if NFD moves it past U+0345 or U+0334. */
    private static boolean isJavaNonStarter(int cp) {
        String x = Character.toString(cp);
        if (!java.text.Normalizer.isNormalized(x, java.text.Normalizer.Form.NFD)) {
            return false;
        }
        return cp == 0x0345
                || !java.text.Normalizer.normalize("\u0345" + x, java.text.Normalizer.Form.NFD).equals("\u0345" + x)
                || !java.text.Normalizer.normalize(x + "\u0334", java.text.Normalizer.Form.NFD).equals(x + "\u0334");
    }

    @Test
    void whitespaceIsUnicodeWhiteSpaceNotJavaWhitespace() {
        assertTrue(UnicodeRules.isWhitespace(0x00A0));
        assertTrue(UnicodeRules.isWhitespace(0x3000));
        assertTrue(UnicodeRules.isWhitespace(0x0085));
        assertFalse(UnicodeRules.isWhitespace(0x001C));
        assertFalse(UnicodeRules.isWhitespace(0x200B));
        assertFalse(UnicodeRules.isWhitespace(0x180E));
    }

    @Test
    void classesFollowTheRustCrateNotJava() {
        assertTrue(UnicodeRules.isPunctuation('$'), "ASCII symbols count as punctuation");
        assertTrue(UnicodeRules.isPunctuation(0x166D), "Po in the crate, So in Unicode 13");
        assertFalse(UnicodeRules.isPunctuation(0x2E52), "added in Unicode 13, unknown to the crate");
        assertFalse(UnicodeRules.isOther(0x08E2), "Cf since Unicode 9, unknown to the crate");
        assertTrue(UnicodeRules.isOther(0x200B));
        assertFalse(UnicodeRules.isOther(0x0378), "unassigned is not 'other' for the crate");
        assertFalse(UnicodeRules.isNonspacingMark(0x1DF6), "Mn since Unicode 10, unknown to the crate");
        assertEquals(0x2C5F, UnicodeRules.lowercase(0x2C2F), "Unicode 14 case pair, known to Rust");
        assertEquals(0x0264, UnicodeRules.lowercase(0xA7CB), "Unicode 16 case pair, known to Rust");
        assertEquals(null, UnicodeRules.decomposition(0x11938), "not decomposed by the NFD crate");
        assertEquals("e\u0301", UnicodeRules.decomposition('é'));
        assertEquals("\u1100\u1161\u11A8", UnicodeRules.decomposition('각'));
    }
}
