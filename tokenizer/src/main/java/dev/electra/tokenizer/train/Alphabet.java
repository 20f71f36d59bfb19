package dev.electra.tokenizer.train;

import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Chooses which characters may appear in tokens. */
final class Alphabet {

    private Alphabet() {
    }

    /**
     * The {@code limit} code points with the highest weighted count (each occurrence weighs its word's count);
     * among equal counts the smaller code point is kept, so the choice never depends on hash order.
     */
    static Set<Integer> mostFrequent(List<int[]> wordCodePoints, long[] wordCount, int limit) {
        Map<Integer, Long> charCount = new HashMap<>();
        for (int w = 0; w < wordCount.length; w++) {
            for (int cp : wordCodePoints.get(w)) {
                charCount.merge(cp, wordCount[w], Long::sum);
            }
        }
        Set<Integer> kept = new HashSet<>();
        charCount.entrySet().stream()
                .sorted(Map.Entry.<Integer, Long>comparingByValue(Comparator.reverseOrder())
                        .thenComparing(Map.Entry.comparingByKey()))
                .limit(limit)
                .forEach(e -> kept.add(e.getKey()));
        return kept;
    }
}
