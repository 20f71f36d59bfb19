package dev.electra.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.huggingface.tokenizers.jni.CharSpan;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Ids, type ids and offsets equal HuggingFace tokenizers' (through DJL) with the BERT uncased vocabulary. */
class DjlParityTest {

    @Test
    void hardCasesSingle() {
        BertTokenizer ours = Fixtures.bert();
        for (String text : Fixtures.hardCases()) {
            assertParity(ours.encode(text), Fixtures.djlBert().encode(text), text, null);
        }
    }

    @Test
    void hardCasesPairs() {
        BertTokenizer ours = Fixtures.bert();
        List<String> cases = Fixtures.hardCases();
        for (int i = 0; i < cases.size(); i++) {
            String a = cases.get(i);
            String b = cases.get((i * 7 + 3) % cases.size());
            assertParity(ours.encode(a, b), Fixtures.djlBert().encode(a, b), a, b);
        }
    }

    @Test
    void tokenIdsAreEncodeWithoutTemplate() {
        BertTokenizer ours = Fixtures.bert();
        for (String text : Fixtures.hardCases()) {
            int[] all = ours.encode(text).ids();
            assertArrayEquals(Arrays.copyOfRange(all, 1, all.length - 1), ours.tokenIds(text), text);
        }
    }

    /**
     * DJL hands a Java string to Rust through modified UTF-8; with a lone surrogate that decoding
     * fails and DJL falls back to a lossy one, turning the surrogate into three U+FFFD (and every
     * supplementary character and U+0000 of the same string into U+FFFD too). We read a lone
     * surrogate as one U+FFFD. Both drop U+FFFD when cleaning, so ids agree on strings without
     * supplementary characters and NUL; offsets after the surrogate differ by DJL's two extra chars.
     */
    @Test
    void loneSurrogatesAreDroppedLikeReplacementCharacters() {
        BertTokenizer ours = Fixtures.bert();
        for (String text : List.of("a\ud800b", "\udc00", "x \udfff y", "caf\u00e9\ud83d naïve", "[MASK]\ud800[SEP]",
                "\ud800\ud800 two highs", "low first \udc00\ud800 end")) {
            DjlReference.Ref ref = Fixtures.djlBert().encode(text);
            assertArrayEquals(ref.intIds(), ours.encode(text).ids(), describe(text));
        }
    }

    @Test
    void randomStrings() {
        BertTokenizer ours = Fixtures.bert();
        Random random = new Random(20240601L);
        RandomText gen = new RandomText(random);
        int n = 4000;
        List<String> texts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            texts.add(gen.next());
        }
        DjlReference.Ref[] refs = Fixtures.djlBert().batchEncode(texts);
        for (int i = 0; i < n; i++) {
            assertParity(ours.encode(texts.get(i)), refs[i], texts.get(i), null);
        }
        for (int i = 0; i + 1 < 1000; i += 2) {
            String a = texts.get(i);
            String b = texts.get(i + 1);
            assertParity(ours.encode(a, b), Fixtures.djlBert().encode(a, b), a, b);
        }
    }

    static void assertParity(Encoding ours, DjlReference.Ref ref, String a, String b) {
        String where = b == null ? describe(a) : describe(a) + " | pair B " + describe(b);
        if (!Arrays.equals(ref.intIds(), ours.ids())) {
            fail("ids differ for " + where + "\n  ours: " + ours + "\n  hf:   " + Arrays.toString(ref.tokens())
                    + " " + Arrays.toString(ref.ids()));
        }
        assertArrayEquals(ref.intTypeIds(), ours.typeIds(), "type ids for " + where);
        for (int i = 0; i < ours.length(); i++) {
            CharSpan span = ref.spans()[i];
            if (span == null) {
                assertEquals(0, ours.starts()[i], "start of template token " + i + ", " + where);
                assertEquals(0, ours.ends()[i], "end of template token " + i + ", " + where);
                continue;
            }
            String text = ours.typeIds()[i] == 0 ? a : b;
            int start = text.codePointCount(0, ours.starts()[i]);
            int end = text.codePointCount(0, ours.ends()[i]);
            if (span.getStart() != start || span.getEnd() != end) {
                fail("offsets of token " + i + " (" + ours.tokens().get(i) + ") differ for " + where + ": ours ["
                        + start + ", " + end + ") in code points, hf [" + span.getStart() + ", " + span.getEnd() + ")");
            }
        }
    }

    static String describe(String s) {
        String shown = s.length() > 120 ? s.substring(0, 120) + "…(" + s.length() + " chars)" : s;
        String cps = s.codePoints().limit(60).mapToObj(c -> String.format("U+%04X", c))
                .collect(Collectors.joining(" "));
        return "\"" + shown + "\" [" + cps + (s.codePointCount(0, s.length()) > 60 ? " …" : "") + "]";
    }
}
