package dev.electra.tokenizer.train;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/** Small, seeded word-count generators shared by the trainer tests. */
final class Corpora {

    private Corpora() {
    }

    /** Builds counts from alternating word and count arguments: {@code of("hug", 10, "pug", 5)}. */
    static WordCounts of(Object... wordThenCount) {
        WordCounts counts = new WordCounts();
        for (int i = 0; i < wordThenCount.length; i += 2) {
            counts.add((String) wordThenCount[i], ((Number) wordThenCount[i + 1]).longValue());
        }
        return counts;
    }

    /**
     * {@code draws} random words (repeats add up) over a tiny alphabet, so that ties and repeated symbols
     * ({@code aaa}) are common.
     */
    static WordCounts randomSmall(Random random, int draws, String letters, int maxLength, int maxCount) {
        WordCounts counts = new WordCounts();
        for (int draw = 0; draw < draws; draw++) {
            int length = 1 + random.nextInt(maxLength);
            StringBuilder word = new StringBuilder();
            for (int i = 0; i < length; i++) {
                word.appendCodePoint(letters.codePointAt(letters.offsetByCodePoints(0, random.nextInt(
                        letters.codePointCount(0, letters.length())))));
            }
            counts.add(word.toString(), 1 + random.nextInt(maxCount));
        }
        return counts;
    }

    /**
     * About {@code distinctWords} distinct words built from syllables, the word of rank r counted about
     * {@code totalScale / r} times (Zipf's law), like the pre-tokens of a natural-language corpus.
     */
    static WordCounts zipfian(long seed, int distinctWords, long totalScale) {
        Random random = new Random(seed);
        String[] onsets = {"", "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "qu", "r", "s", "t",
                "v", "w", "x", "z", "st", "tr", "pl", "ch", "sh", "th", "br", "gr", "sp"};
        String[] vowels = {"a", "e", "i", "o", "u", "y", "ai", "ea", "ou", "io", "é", "ü"};
        String[] codas = {"", "", "", "n", "r", "s", "t", "l", "m", "ng", "st", "ck", "x"};
        Set<String> seen = new LinkedHashSet<>();
        while (seen.size() < distinctWords) {
            int syllables = 1 + random.nextInt(4);
            StringBuilder word = new StringBuilder();
            for (int s = 0; s < syllables; s++) {
                word.append(onsets[random.nextInt(onsets.length)])
                        .append(vowels[random.nextInt(vowels.length)])
                        .append(codas[random.nextInt(codas.length)]);
            }
            seen.add(word.toString());
        }
        WordCounts counts = new WordCounts();
        int rank = 1;
        for (String word : seen) {
            counts.add(word, Math.max(1, totalScale / rank++));
        }
        return counts;
    }

    /** Splits the counts into {@code parts} random partitions, as Spark tasks would see them. */
    static List<WordCounts> partition(WordCounts counts, int parts, Random random) {
        List<WordCounts> partitions = new ArrayList<>();
        for (int i = 0; i < parts; i++) {
            partitions.add(new WordCounts());
        }
        counts.sortedByWord().forEach((word, n) -> {
            long left = n;
            while (left > 0) {
                long piece = 1 + (long) (random.nextDouble() * left);
                partitions.get(random.nextInt(parts)).add(word, piece);
                left -= piece;
            }
        });
        return partitions;
    }
}
