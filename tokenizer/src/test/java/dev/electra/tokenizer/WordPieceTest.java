package dev.electra.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WordPieceTest {
    private static Vocabulary vocab(String... extra) {
        List<String> t = new ArrayList<>(SpecialTokens.ALL);
        t.addAll(List.of(extra));
        return Vocabulary.of(t);
    }

    @Test
    void greedyLongestMatchFirst() {
        WordPiece wp = WordPiece.of(vocab("un", "una", "##aff", "##able", "##ffable", "##a", "##b"));
        assertEquals(List.of("una", "##ffable"), wp.tokenize("unaffable"), "longest first piece wins, then greedy");
        assertEquals(List.of("una", "##b"), wp.tokenize("unab"));
    }

    @Test
    void wholeWordIsUnknownWhenAnyPieceFails() {
        WordPiece wp = WordPiece.of(vocab("un", "##aff", "##able"));
        assertEquals(List.of("un", "##aff", "##able"), wp.tokenize("unaffable"));
        assertEquals(List.of("[UNK]"), wp.tokenize("unaffablex"));
        assertEquals(List.of("[UNK]"), wp.tokenize("xunaffable"));
    }

    @Test
    void continuationPiecesNeedThePrefix() {
        WordPiece wp = WordPiece.of(vocab("a", "b", "##b"));
        assertEquals(List.of("a", "##b"), wp.tokenize("ab"));
        assertEquals(List.of("[UNK]"), WordPiece.of(vocab("a", "b")).tokenize("ab"), "b cannot continue a word");
    }

    @Test
    void maxInputCharsCountsCodePoints() {
        WordPiece wp = WordPiece.of(vocab("😀", "##😀", "a", "##a"), 3);
        assertEquals(List.of("😀", "##😀", "##😀"), wp.tokenize("😀😀😀"), "6 UTF-16 units but 3 code points");
        assertEquals(List.of("[UNK]"), wp.tokenize("😀😀😀😀"));
        assertEquals(List.of("a", "##a", "##a"), wp.tokenize("aaa"));
        assertEquals(List.of("[UNK]"), wp.tokenize("aaaa"));
        assertThrows(TokenizerException.class, () -> WordPiece.of(vocab(), 0));
    }

    @Test
    void piecesNeverSplitASurrogatePair() {
        String grin = "😀";
        WordPiece wp = WordPiece.of(vocab("x" + grin.charAt(0), "##" + grin.charAt(1), "x", "##😀"));
        assertEquals(List.of("x", "##😀"), wp.tokenize("x😀"));
    }

    @Test
    void idsAreVocabularyPositions() {
        WordPiece wp = WordPiece.of(vocab("play", "##ing", "##ed"));
        assertArrayEquals(new int[] {5, 6}, wp.ids("playing"));
        assertArrayEquals(new int[] {1}, wp.ids("plays"));
        assertArrayEquals(new int[] {}, wp.ids(""));
    }
}
