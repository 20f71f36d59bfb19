package dev.electra.tokenizer.train;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The trainer's rules written as plainly as possible, with no shared code: words are lists of strings and
 * every pair is recounted from scratch before each merge. Quadratic, for small corpora only; it is the
 * oracle the incremental {@link BpeWordPieceTrainer} is checked against.
 */
final class ReferenceBpeTrainer {

    private ReferenceBpeTrainer() {
    }

    static List<String> fit(WordCounts counts, VocabTrainerConfig config) {
        String prefix = config.continuingSubwordPrefix();
        Map<String, Long> words = new HashMap<>();
        counts.sortedByWord().forEach((word, n) -> {
            if (n >= config.minFrequency()) {
                words.put(word, n);
            }
        });

        Map<Integer, Long> charCount = new HashMap<>();
        words.forEach((word, n) -> word.codePoints().forEach(cp -> charCount.merge(cp, n, Long::sum)));
        Set<Integer> alphabet = charCount.keySet().stream()
                .sorted(Comparator.comparing((Integer cp) -> -charCount.get(cp)).thenComparing(cp -> cp))
                .limit(config.limitAlphabet())
                .collect(Collectors.toSet());

        // A null symbol marks a character outside the alphabet.
        Map<List<String>, Long> split = new HashMap<>();
        TreeSet<Integer> initial = new TreeSet<>();
        TreeSet<Integer> continuing = new TreeSet<>();
        words.forEach((word, n) -> {
            int[] cps = word.codePoints().toArray();
            List<String> symbols = new ArrayList<>();
            for (int i = 0; i < cps.length; i++) {
                if (!alphabet.contains(cps[i])) {
                    symbols.add(null);
                } else if (i == 0) {
                    initial.add(cps[i]);
                    symbols.add(Character.toString(cps[i]));
                } else {
                    continuing.add(cps[i]);
                    symbols.add(prefix + Character.toString(cps[i]));
                }
            }
            split.merge(symbols, n, Long::sum);
        });

        LinkedHashSet<String> vocab = new LinkedHashSet<>(config.specialTokens());
        initial.forEach(cp -> vocab.add(Character.toString(cp)));
        continuing.forEach(cp -> vocab.add(prefix + Character.toString(cp)));
        if (vocab.size() > config.vocabSize()) {
            throw new IllegalArgumentException("alphabet does not fit");
        }

        List<List<String>> symbolsOfWord = new ArrayList<>();
        List<Long> countOfWord = new ArrayList<>();
        split.forEach((symbols, n) -> {
            symbolsOfWord.add(new ArrayList<>(symbols));
            countOfWord.add(n);
        });

        while (vocab.size() < config.vocabSize()) {
            Map<List<String>, Long> pairCount = new HashMap<>();
            for (int w = 0; w < symbolsOfWord.size(); w++) {
                List<String> s = symbolsOfWord.get(w);
                for (int i = 0; i + 1 < s.size(); i++) {
                    if (s.get(i) != null && s.get(i + 1) != null) {
                        pairCount.merge(List.of(s.get(i), s.get(i + 1)), countOfWord.get(w), Long::sum);
                    }
                }
            }
            List<String> best = null;
            long bestCount = 0;
            for (Map.Entry<List<String>, Long> e : pairCount.entrySet()) {
                List<String> pair = e.getKey();
                long n = e.getValue();
                if (best == null || n > bestCount || (n == bestCount && comparePairs(pair, best) < 0)) {
                    best = pair;
                    bestCount = n;
                }
            }
            if (best == null || bestCount < config.minFrequency()) {
                break;
            }
            String left = best.get(0);
            String right = best.get(1);
            String merged = left + (right.startsWith(prefix) ? right.substring(prefix.length()) : right);
            vocab.add(merged);
            for (List<String> s : symbolsOfWord) {
                List<String> out = new ArrayList<>();
                for (int i = 0; i < s.size(); i++) {
                    if (i + 1 < s.size() && left.equals(s.get(i)) && right.equals(s.get(i + 1))) {
                        out.add(merged);
                        i++;
                    } else {
                        out.add(s.get(i));
                    }
                }
                s.clear();
                s.addAll(out);
            }
        }
        return List.copyOf(vocab);
    }

    private static int comparePairs(List<String> a, List<String> b) {
        int byLeft = a.get(0).compareTo(b.get(0));
        return byLeft != 0 ? byLeft : a.get(1).compareTo(b.get(1));
    }
}
