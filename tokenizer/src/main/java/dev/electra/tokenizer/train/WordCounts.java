package dev.electra.tokenizer.train;

import java.io.Serializable;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;

/**
 * How often each word (a normalized pre-token such as {@code "hello"}) occurs in a corpus.
 *
 * <p>This is the value Spark aggregates: each partition counts its own words and the partial counts are
 * combined with {@link #merge}. Addition of counts is associative and commutative, so the merged result,
 * and therefore the trained vocabulary, is the same however the corpus was partitioned or in whichever
 * order the partials arrive.
 *
 * <p>Not thread-safe; each Spark task owns its instance.
 */
public final class WordCounts implements Serializable {

    private static final long serialVersionUID = 1L;

    private final HashMap<String, Long> counts = new HashMap<>();
    private long totalWords;

    /** An empty count, the identity of {@link #merge}. */
    public WordCounts() {
    }

    /**
     * Counts {@code n} more occurrences of {@code word}. Adding zero is allowed and leaves no trace, so a
     * word never appears with count 0.
     *
     * @throws IllegalArgumentException if the word is empty or {@code n} is negative
     * @throws ArithmeticException if a count overflows a {@code long}
     */
    public WordCounts add(String word, long n) {
        Objects.requireNonNull(word, "word");
        if (word.isEmpty()) {
            throw new IllegalArgumentException("word must be non-empty (pre-tokenizers never emit empty words)");
        }
        if (n < 0) {
            throw new IllegalArgumentException("count for word '" + word + "' must be >= 0, got " + n);
        }
        if (n == 0) {
            return this;
        }
        counts.merge(word, n, Math::addExact);
        totalWords = Math.addExact(totalWords, n);
        return this;
    }

    /** Counts one more occurrence of {@code word}. */
    public WordCounts add(String word) {
        return add(word, 1);
    }

    /**
     * Adds every count of {@code other} into this instance and returns {@code this}; {@code other} is left
     * unchanged. Mutating the left operand is what Spark's {@code aggregate}/{@code reduce} combiners allow
     * and avoids copying the larger map at every step. Merging an instance with itself doubles its counts.
     */
    public WordCounts merge(WordCounts other) {
        Objects.requireNonNull(other, "other");
        if (other == this) {
            counts.replaceAll((word, n) -> Math.multiplyExact(n, 2L));
            totalWords = Math.multiplyExact(totalWords, 2L);
            return this;
        }
        for (Map.Entry<String, Long> e : other.counts.entrySet()) {
            counts.merge(e.getKey(), e.getValue(), Math::addExact);
        }
        totalWords = Math.addExact(totalWords, other.totalWords);
        return this;
    }

    /** How often {@code word} was counted; 0 if never. */
    public long count(String word) {
        Long n = counts.get(word);
        return n == null ? 0 : n;
    }

    /** The number of different words counted. */
    public int distinctWords() {
        return counts.size();
    }

    /** The number of word occurrences counted, the sum of all counts. */
    public long totalWords() {
        return totalWords;
    }

    /**
     * A read-only snapshot of the counts ordered by {@link String#compareTo} of the words. Trainers iterate
     * this rather than the hash map so that their result cannot depend on hash iteration order.
     */
    public NavigableMap<String, Long> sortedByWord() {
        return Collections.unmodifiableNavigableMap(new TreeMap<>(counts));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WordCounts other && counts.equals(other.counts);
    }

    @Override
    public int hashCode() {
        return counts.hashCode();
    }

    @Override
    public String toString() {
        return "WordCounts[distinctWords=" + distinctWords() + ", totalWords=" + totalWords + "]";
    }
}
