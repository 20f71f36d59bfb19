package dev.electra.tokenizer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WordCountsTest {

    private static WordCounts copy(WordCounts counts) {
        return new WordCounts().merge(counts);
    }

    private static List<WordCounts> randomTriple(long seed) {
        Random random = new Random(seed);
        return List.of(
                Corpora.randomSmall(random, 1 + random.nextInt(20), "abc", 4, 9),
                Corpora.randomSmall(random, 1 + random.nextInt(20), "abc", 4, 9),
                Corpora.randomSmall(random, 1 + random.nextInt(20), "abc", 4, 9));
    }

    @Test
    void countsWordsAndOccurrences() {
        WordCounts counts = new WordCounts().add("hello", 3).add("world").add("hello", 2).add("unseen", 0);

        assertEquals(5, counts.count("hello"));
        assertEquals(1, counts.count("world"));
        assertEquals(0, counts.count("unseen"));
        assertEquals(2, counts.distinctWords());
        assertEquals(6, counts.totalWords());
    }

    @Test
    void iteratesSortedByWord() {
        WordCounts counts = Corpora.of("pear", 1, "apple", 2, "fig", 3);

        assertEquals(List.of("apple", "fig", "pear"), List.copyOf(counts.sortedByWord().keySet()));
        assertThrows(UnsupportedOperationException.class, () -> counts.sortedByWord().put("kiwi", 1L));
    }

    @Test
    void mergeIsCommutative() {
        for (long seed = 0; seed < 20; seed++) {
            List<WordCounts> t = randomTriple(seed);
            assertEquals(copy(t.get(0)).merge(t.get(1)), copy(t.get(1)).merge(t.get(0)));
        }
    }

    @Test
    void mergeIsAssociative() {
        for (long seed = 0; seed < 20; seed++) {
            List<WordCounts> t = randomTriple(seed);
            WordCounts leftFirst = copy(t.get(0)).merge(t.get(1)).merge(t.get(2));
            WordCounts rightFirst = copy(t.get(0)).merge(copy(t.get(1)).merge(t.get(2)));

            assertEquals(leftFirst, rightFirst);
            assertEquals(leftFirst.totalWords(), rightFirst.totalWords());
        }
    }

    @Test
    void emptyCountsAreTheIdentity() {
        WordCounts counts = Corpora.of("a", 1, "b", 2);

        assertEquals(counts, copy(counts).merge(new WordCounts()));
        assertEquals(counts, new WordCounts().merge(counts));
    }

    @Test
    void mergeAddsIntoThisAndLeavesTheOtherUnchanged() {
        WordCounts left = Corpora.of("a", 1, "b", 2);
        WordCounts right = Corpora.of("b", 3, "c", 4);

        assertSame(left, left.merge(right));
        assertEquals(Corpora.of("a", 1, "b", 5, "c", 4), left);
        assertEquals(10, left.totalWords());
        assertEquals(Corpora.of("b", 3, "c", 4), right);
    }

    @Test
    void mergingWithItselfDoubles() {
        WordCounts counts = Corpora.of("a", 1, "b", 2);
        counts.merge(counts);

        assertEquals(Corpora.of("a", 2, "b", 4), counts);
        assertEquals(6, counts.totalWords());
    }

    @Test
    void rejectsBadInput() {
        WordCounts counts = new WordCounts();

        assertEquals("count for word 'x' must be >= 0, got -1",
                assertThrows(IllegalArgumentException.class, () -> counts.add("x", -1)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> counts.add("", 1));
        assertThrows(NullPointerException.class, () -> counts.add(null, 1));
        counts.add("x", Long.MAX_VALUE);
        assertThrows(ArithmeticException.class, () -> counts.add("x", 1));
    }

    @Test
    void survivesJavaSerializationAsSparkShipsIt() throws Exception {
        WordCounts counts = Corpora.of("hug", 10, "pug", 5);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(counts);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            WordCounts back = (WordCounts) in.readObject();
            assertEquals(counts, back);
            assertEquals(15, back.totalWords());
        }
    }
}
