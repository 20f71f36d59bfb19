package dev.electra.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class BertTokenizerTest {
    private final BertTokenizer tok = BertTokenizer.of(Fixtures.smallVocabulary(), NormalizerOptions.bertUncased());
    private final Vocabulary v = tok.vocabulary();

    @Test
    void encodeAddsClsAndSep() {
        Encoding e = tok.encode("The quick fox!");
        assertEquals(List.of("[CLS]", "the", "quick", "fox", "!", "[SEP]"), e.tokens());
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 0}, e.typeIds());
        assertArrayEquals(new int[] {0, 0, 4, 10, 13, 0}, e.starts());
        assertArrayEquals(new int[] {0, 3, 9, 13, 14, 0}, e.ends());
    }

    @Test
    void pairsGetSegmentIdsAndOffsetsIntoEachText() {
        Encoding e = tok.encode("Fox.", "Dog");
        assertEquals(List.of("[CLS]", "fox", ".", "[SEP]", "dog", "[SEP]"), e.tokens());
        assertArrayEquals(new int[] {0, 0, 0, 0, 1, 1}, e.typeIds());
        assertArrayEquals(new int[] {0, 0, 3, 0, 0, 0}, e.starts());
        assertArrayEquals(new int[] {0, 3, 4, 0, 3, 0}, e.ends());
    }

    @Test
    void piecesMapBackToTheOriginal() {
        String text = "Unaffable CAFÉ";
        Encoding e = tok.encode(text);
        assertEquals(List.of("[CLS]", "un", "##aff", "##able", "cafe", "[SEP]"), e.tokens());
        assertEquals("Un", text.substring(e.starts()[1], e.ends()[1]));
        assertEquals("aff", text.substring(e.starts()[2], e.ends()[2]));
        assertEquals("CAFÉ", text.substring(e.starts()[4], e.ends()[4]));
    }

    @Test
    void literalSpecialTokensMatchBeforeNormalization() {
        Encoding e = tok.encode("x[MASK]y [cls]");
        assertEquals(List.of("[CLS]", "x", "[MASK]", "y", "[", "c", "##l", "##s", "]", "[SEP]"), e.tokens());
        assertEquals(1, e.starts()[2]);
        assertEquals(7, e.ends()[2]);
        assertArrayEquals(new int[] {v.maskId()}, tok.tokenIds("[MASK]"));
    }

    @Test
    void unknownWordIsOneUnkSpanningTheWord() {
        Encoding e = tok.encode("fox xyzzy🙃 dog");
        assertEquals(List.of("[CLS]", "fox", "[UNK]", "dog", "[SEP]"), e.tokens());
        assertEquals(4, e.starts()[2]);
        assertEquals(11, e.ends()[2]);
    }

    @Test
    void emptyAndBlankTexts() {
        assertEquals(List.of("[CLS]", "[SEP]"), tok.encode("").tokens());
        assertEquals(List.of("[CLS]", "[SEP]", "[SEP]"), tok.encode(" \t", "").tokens());
        assertArrayEquals(new int[0], tok.tokenIds("\u00a0\u3000"));
    }

    @Test
    void wordsAreNormalizedPreTokensWithoutSpecials() {
        assertEquals(List.of("hello", ",", "cafe", "中", "文", "!"), tok.words("Hello, CAFÉ中文[MASK]!"));
    }

    @Test
    void cjkAndAccentsThroughTheWholePipeline() {
        assertEquals(List.of("中", "文", "字", "符"), tok.encode("中文字符").tokens().subList(1, 5));
        assertEquals(List.of("nai", "##ve"), tok.encode("naïve").tokens().subList(1, 3));
        assertEquals(List.of("ο", "##δ", "##ο", "##σ"), tok.encode("ΟΔΟΣ").tokens().subList(1, 5));
    }

    @Test
    void casedOptionsKeepCaseAndAccents() {
        BertTokenizer cased = BertTokenizer.of(Fixtures.smallVocabulary(), NormalizerOptions.bertCased());
        assertEquals(List.of("[CLS]", "café", "[UNK]", "[SEP]"), cased.encode("café Fox").tokens());
    }

    @Test
    void serializationRebuildsAnEqualTokenizer() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(tok);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            BertTokenizer back = (BertTokenizer) in.readObject();
            assertEquals(tok.spec(), back.spec());
            assertEquals(tok.encode("the lazy dog, jumping"), back.encode("the lazy dog, jumping"));
        }
    }
}
