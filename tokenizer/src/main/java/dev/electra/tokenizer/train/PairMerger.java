package dev.electra.tokenizer.train;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The merge loop's state: every word as a sequence of symbol ids, and the weighted count of every adjacent
 * symbol pair, kept up to date incrementally.
 *
 * <p>Recounting all pairs after each merge costs O(corpus) per merge, far too slow for 30k merges over 100k
 * words. Instead each pair remembers the words it was ever seen in; a merge revisits only those words and
 * replaces their old pairs with their new ones. A word's pairs are recounted whole (words are short, at most
 * a few dozen symbols), which is simpler to get right than patching the neighbours of each merge site, and
 * the per-merge deltas are summed before the {@link PairHeap} is touched, so a pair that a merge leaves
 * unchanged costs no heap work.
 *
 * <p>A word list may name words that no longer hold the pair (the list is never pruned); visiting such a
 * word finds nothing to merge and changes nothing.
 */
final class PairMerger {

    /** Stands where a character outside the alphabet was: no pair spans it, so no token contains it. */
    static final int BARRIER = -1;

    private final List<String> symbolText;
    private final Map<String, Integer> symbolIds;
    private final String continuingSubwordPrefix;

    private final int[][] wordSymbols;
    private final int[] wordLength;
    private final long[] wordCount;
    private final int[] wordVisitedInMerge;
    private int mergeNumber;

    private final LongIntMap pairIds;
    private int pairTotal;
    private int[] pairLeft;
    private int[] pairRight;
    private long[] pairCount;
    private int[][] pairWords;
    private int[] pairWordTotal;

    private long[] pendingDelta;
    private boolean[] pending;
    private int[] pendingPairs;
    private int pendingTotal;

    private final PairHeap heap;

    /**
     * @param symbolText      text of each symbol id; merged symbols are appended to it
     * @param symbolIds       inverse of {@code symbolText}
     * @param wordSymbols     each word as symbol ids, {@link #BARRIER} for characters outside the alphabet;
     *                        the arrays are merged in place
     * @param wordCount       how often each word occurs, the weight of each of its pairs
     */
    PairMerger(List<String> symbolText, Map<String, Integer> symbolIds, String continuingSubwordPrefix,
               int[][] wordSymbols, long[] wordCount) {
        this.symbolText = symbolText;
        this.symbolIds = symbolIds;
        this.continuingSubwordPrefix = continuingSubwordPrefix;
        this.wordSymbols = wordSymbols;
        this.wordCount = wordCount;
        this.wordLength = new int[wordSymbols.length];
        this.wordVisitedInMerge = new int[wordSymbols.length];

        long symbolsInCorpus = 0;
        for (int w = 0; w < wordSymbols.length; w++) {
            wordLength[w] = wordSymbols[w].length;
            symbolsInCorpus += wordLength[w];
        }
        int expectedPairs = (int) Math.min(1 << 24, Math.max(16, symbolsInCorpus));
        pairIds = new LongIntMap(expectedPairs);
        int initialCapacity = Math.max(16, expectedPairs / 4);
        pairLeft = new int[initialCapacity];
        pairRight = new int[initialCapacity];
        pairCount = new long[initialCapacity];
        pairWords = new int[initialCapacity][];
        pairWordTotal = new int[initialCapacity];
        pendingDelta = new long[initialCapacity];
        pending = new boolean[initialCapacity];
        pendingPairs = new int[initialCapacity];
        heap = new PairHeap(this::before);

        for (int w = 0; w < wordSymbols.length; w++) {
            int[] s = wordSymbols[w];
            for (int i = 0; i + 1 < wordLength[w]; i++) {
                if (s[i] != BARRIER && s[i + 1] != BARRIER) {
                    int pair = pairId(s[i], s[i + 1]);
                    pairCount[pair] += wordCount[w];
                    rememberWord(pair, w);
                }
            }
        }
        for (int pair = 0; pair < pairTotal; pair++) {
            heap.update(pair, true);
        }
    }

    /** The weighted count of the pair {@link #mergeBest} would merge; 0 if no word has two adjacent symbols. */
    long bestPairCount() {
        return heap.isEmpty() ? 0 : pairCount[heap.peek()];
    }

    /**
     * Merges every occurrence of the best pair (scanning each word left to right, so in {@code x x x} the pair
     * {@code (x, x)} merges once) and returns the merged token's text. The heap must not be empty.
     */
    String mergeBest() {
        int best = heap.peek();
        int left = pairLeft[best];
        int right = pairRight[best];
        String merged = symbolText.get(left) + withoutPrefix(symbolText.get(right));
        int mergedSymbol = symbolIds.computeIfAbsent(merged, text -> {
            symbolText.add(text);
            return symbolText.size() - 1;
        });

        mergeNumber++;
        int[] words = pairWords[best];
        int wordTotal = pairWordTotal[best];
        boolean mergedAnywhere = false;
        for (int i = 0; i < wordTotal; i++) {
            int w = words[i];
            if (wordVisitedInMerge[w] != mergeNumber) {
                wordVisitedInMerge[w] = mergeNumber;
                mergedAnywhere |= mergeInWord(w, left, right, mergedSymbol);
            }
        }
        if (!mergedAnywhere) {
            // A lost word list would otherwise make the trainer pick this pair forever.
            throw new IllegalStateException("pair (" + symbolText.get(left) + ", " + symbolText.get(right)
                    + ") counts " + pairCount[best] + " but none of its " + wordTotal + " listed words holds it");
        }
        applyPendingDeltas();
        if (pairCount[best] == 0) {
            pairWords[best] = null;
            pairWordTotal[best] = 0;
        }
        return merged;
    }

    /** Merges the pair in word {@code w}; false if the word no longer holds it. */
    private boolean mergeInWord(int w, int left, int right, int merged) {
        int[] s = wordSymbols[w];
        int length = wordLength[w];
        if (!containsPair(s, length, left, right)) {
            return false;
        }
        long count = wordCount[w];
        addPairsOf(s, length, -count);
        int out = 0;
        for (int i = 0; i < length; ) {
            if (i + 1 < length && s[i] == left && s[i + 1] == right) {
                s[out++] = merged;
                i += 2;
            } else {
                s[out++] = s[i++];
            }
        }
        wordLength[w] = out;
        addPairsOf(s, out, count);
        for (int i = 0; i + 1 < out; i++) {
            if ((s[i] == merged || s[i + 1] == merged) && s[i] != BARRIER && s[i + 1] != BARRIER) {
                rememberWord(pairId(s[i], s[i + 1]), w);
            }
        }
        return true;
    }

    private static boolean containsPair(int[] s, int length, int left, int right) {
        for (int i = 0; i + 1 < length; i++) {
            if (s[i] == left && s[i + 1] == right) {
                return true;
            }
        }
        return false;
    }

    private void addPairsOf(int[] s, int length, long delta) {
        for (int i = 0; i + 1 < length; i++) {
            if (s[i] != BARRIER && s[i + 1] != BARRIER) {
                int pair = pairId(s[i], s[i + 1]);
                pendingDelta[pair] += delta;
                if (!pending[pair]) {
                    pending[pair] = true;
                    pendingPairs[pendingTotal++] = pair;
                }
            }
        }
    }

    private void applyPendingDeltas() {
        for (int i = 0; i < pendingTotal; i++) {
            int pair = pendingPairs[i];
            long delta = pendingDelta[pair];
            pending[pair] = false;
            pendingDelta[pair] = 0;
            if (delta != 0) {
                pairCount[pair] += delta;
                heap.update(pair, pairCount[pair] > 0);
            }
        }
        pendingTotal = 0;
    }

    /** Whether {@code p} is merged before {@code q}: higher count first, then the smaller (left, right) text. */
    private boolean before(int p, int q) {
        if (pairCount[p] != pairCount[q]) {
            return pairCount[p] > pairCount[q];
        }
        int byLeft = symbolText.get(pairLeft[p]).compareTo(symbolText.get(pairLeft[q]));
        if (byLeft != 0) {
            return byLeft < 0;
        }
        return symbolText.get(pairRight[p]).compareTo(symbolText.get(pairRight[q])) < 0;
    }

    private String withoutPrefix(String symbol) {
        return symbol.startsWith(continuingSubwordPrefix)
                ? symbol.substring(continuingSubwordPrefix.length())
                : symbol;
    }

    private int pairId(int left, int right) {
        long key = ((long) left << 32) | right;
        int id = pairIds.get(key);
        if (id != LongIntMap.ABSENT) {
            return id;
        }
        id = pairTotal++;
        if (id == pairLeft.length) {
            growPairArrays();
        }
        pairIds.putNew(key, id);
        pairLeft[id] = left;
        pairRight[id] = right;
        return id;
    }

    private void rememberWord(int pair, int w) {
        int[] words = pairWords[pair];
        int total = pairWordTotal[pair];
        if (words == null) {
            words = new int[2];
            pairWords[pair] = words;
        } else if (words[total - 1] == w) {
            return;
        } else if (total == words.length) {
            words = Arrays.copyOf(words, total * 2);
            pairWords[pair] = words;
        }
        words[total] = w;
        pairWordTotal[pair] = total + 1;
    }

    private void growPairArrays() {
        int capacity = pairLeft.length * 2;
        pairLeft = Arrays.copyOf(pairLeft, capacity);
        pairRight = Arrays.copyOf(pairRight, capacity);
        pairCount = Arrays.copyOf(pairCount, capacity);
        pairWords = Arrays.copyOf(pairWords, capacity);
        pairWordTotal = Arrays.copyOf(pairWordTotal, capacity);
        pendingDelta = Arrays.copyOf(pendingDelta, capacity);
        pending = Arrays.copyOf(pending, capacity);
        pendingPairs = Arrays.copyOf(pendingPairs, capacity);
    }
}
