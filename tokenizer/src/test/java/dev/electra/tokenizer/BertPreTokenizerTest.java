package dev.electra.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BertPreTokenizerTest {
    private final BertPreTokenizer pre = new BertPreTokenizer();

    private List<String> words(String s) {
        int[] spans = pre.split(s);
        List<String> w = new ArrayList<>();
        for (int i = 0; i < spans.length; i += 2) {
            w.add(s.substring(spans[i], spans[i + 1]));
        }
        return w;
    }

    @Test
    void splitsOnWhiteSpaceAndIsolatesPunctuation() {
        assertEquals(List.of("hello", ",", "world", "!"), words("hello, world!"));
        assertEquals(List.of("a", ".", ".", ".", "b"), words("a...b"));
        assertEquals(List.of("don", "'", "t"), words("don't"));
        assertEquals(List.of("$", "5", "+", "3", "=", "8"), words("$5+3=8"), "ASCII symbols are punctuation");
        assertEquals(List.of("a", "b"), words("a\u00a0b"));
        assertEquals(List.of("a\u200bb"), words("a\u200bb"), "ZWSP is not white space");
        assertEquals(List.of("a\u001cb"), words("a\u001cb"), "Rust does not count U+001C as white space");
        assertEquals(List.of("«", "x", "»", "—", "y", "。"), words("«x»—y。"));
        assertEquals(List.of("€5"), words("€5"), "currency symbols outside ASCII are not punctuation");
        assertEquals(List.of(), words("   "));
        assertEquals(List.of(), words(""));
    }

    @Test
    void spansAreIndicesIntoTheNormalizedText() {
        assertArrayEquals(new int[] {1, 3, 3, 4, 5, 7}, pre.split(" ab, 😀"));
    }

    @Test
    void preTokensCarryOriginalOffsets() {
        NormalizedText n = new BertNormalizer(NormalizerOptions.bertUncased()).normalize("Café, OK");
        List<BertPreTokenizer.PreToken> tokens = pre.preTokenize(n);
        assertEquals(List.of(new BertPreTokenizer.PreToken("cafe", 0, 4), new BertPreTokenizer.PreToken(",", 4, 5),
                new BertPreTokenizer.PreToken("ok", 6, 8)), tokens);
    }
}
