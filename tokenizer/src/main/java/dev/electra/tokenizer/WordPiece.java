package dev.electra.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * The WordPiece model: greedy longest-match-first over a vocabulary, as HuggingFace's
 * {@code WordPiece}. A word longer than {@code maxInputCharsPerWord} code points, or one with any
 * position where no vocabulary piece matches, becomes a single [UNK].
 *
 * <p>Candidate pieces end on code point boundaries only (HuggingFace steps back one Rust char at a
 * time). Lookups hash character ranges of the word directly, so no substring is built per probe,
 * and a probe never starts longer than the longest token in the vocabulary.
 */
public final class WordPiece {
    private final Vocabulary vocabulary;
    private final int maxInputCharsPerWord;
    private final int unkId;
    /** Every token, keyed by itself: pieces that start a word. */
    private final RangeMap initial;
    /** Tokens starting with "##", keyed without it: pieces that continue a word. */
    private final RangeMap continuation;

    private WordPiece(Vocabulary vocabulary, int maxInputCharsPerWord) {
        if (maxInputCharsPerWord < 1) {
            throw new TokenizerException("maxInputCharsPerWord is " + maxInputCharsPerWord + ", expected at least 1");
        }
        this.vocabulary = vocabulary;
        this.maxInputCharsPerWord = maxInputCharsPerWord;
        this.unkId = vocabulary.unkId();
        List<String> tokens = vocabulary.tokens();
        List<String> contKeys = new ArrayList<>();
        List<Integer> contIds = new ArrayList<>();
        String prefix = SpecialTokens.CONTINUATION_PREFIX;
        for (int id = 0; id < tokens.size(); id++) {
            String t = tokens.get(id);
            if (t.startsWith(prefix) && t.length() > prefix.length()) {
                contKeys.add(t.substring(prefix.length()));
                contIds.add(id);
            }
        }
        List<Integer> allIds = new ArrayList<>(tokens.size());
        for (int id = 0; id < tokens.size(); id++) {
            allIds.add(id);
        }
        this.initial = new RangeMap(tokens, allIds);
        this.continuation = new RangeMap(contKeys, contIds);
    }

    public static WordPiece of(Vocabulary vocabulary) {
        return of(vocabulary, SpecialTokens.DEFAULT_MAX_INPUT_CHARS_PER_WORD);
    }

    public static WordPiece of(Vocabulary vocabulary, int maxInputCharsPerWord) {
        return new WordPiece(vocabulary, maxInputCharsPerWord);
    }

    public Vocabulary vocabulary() {
        return vocabulary;
    }

    public int maxInputCharsPerWord() {
        return maxInputCharsPerWord;
    }

    /** The ids of the pieces of one word (a pre-token). */
    public int[] ids(String word) {
        IntList out = new IntList(8);
        tokenize(word, 0, word.length(), out);
        int[] ids = new int[out.size() / 3];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = out.get(3 * i);
        }
        return ids;
    }

    /** The pieces of one word (a pre-token), e.g. "unaffable" → [un, ##aff, ##able]. */
    public List<String> tokenize(String word) {
        int[] ids = ids(word);
        List<String> pieces = new ArrayList<>(ids.length);
        for (int id : ids) {
            pieces.add(vocabulary.token(id));
        }
        return pieces;
    }

    /**
     * Appends (id, start, end) for each piece of the word {@code text[start, end)}; piece spans are
     * indices into {@code text}. [UNK] spans the whole word.
     */
    void tokenize(String text, int start, int end, IntList out) {
        if (start >= end) {
            return;
        }
        if (exceedsMaxChars(text, start, end)) {
            out.add(unkId, start, end);
            return;
        }
        int mark = out.size();
        int[] hashes = new int[end - start + 1];
        int pos = start;
        while (pos < end) {
            RangeMap map = pos == start ? initial : continuation;
            int limit = Math.min(end, pos + map.maxKeyLength);
            if (limit < end && limit > pos && Character.isHighSurrogate(text.charAt(limit - 1))
                    && Character.isLowSurrogate(text.charAt(limit))) {
                limit--;
            }
            int h = 0;
            for (int k = pos; k < limit; k++) {
                h = 31 * h + text.charAt(k);
                hashes[k - pos + 1] = h;
            }
            int found = -1;
            int k = limit;
            while (k > pos) {
                found = map.get(text, pos, k, hashes[k - pos]);
                if (found >= 0) {
                    break;
                }
                k -= k - 2 >= pos && Character.isLowSurrogate(text.charAt(k - 1))
                        && Character.isHighSurrogate(text.charAt(k - 2)) ? 2 : 1;
            }
            if (found < 0) {
                out.truncate(mark);
                out.add(unkId, start, end);
                return;
            }
            out.add(found, pos, k);
            pos = k;
        }
    }

    private boolean exceedsMaxChars(String text, int start, int end) {
        if (end - start <= maxInputCharsPerWord) {
            return false;
        }
        return Character.codePointCount(text, start, end) > maxInputCharsPerWord;
    }

    /**
     * Open-addressing hash map from strings to ids, probed with a character range of another string
     * and that range's {@link String#hashCode()}-compatible hash.
     */
    private static final class RangeMap {
        private final String[] keys;
        private final int[] keyHashes;
        private final int[] ids;
        private final int[] slots;
        private final int mask;
        private final int shift;
        final int maxKeyLength;

        RangeMap(List<String> keyList, List<Integer> idList) {
            int n = keyList.size();
            keys = keyList.toArray(new String[0]);
            keyHashes = new int[n];
            ids = new int[n];
            int capacity = Integer.highestOneBit(Math.max(4, n * 2 + 1)) << 1;
            slots = new int[capacity];
            mask = capacity - 1;
            shift = Integer.numberOfLeadingZeros(capacity) + 1;
            java.util.Arrays.fill(slots, -1);
            int longest = 0;
            for (int i = 0; i < n; i++) {
                keyHashes[i] = keys[i].hashCode();
                ids[i] = idList.get(i);
                longest = Math.max(longest, keys[i].length());
                int s = slot(keyHashes[i]);
                while (slots[s] >= 0) {
                    s = (s + 1) & mask;
                }
                slots[s] = i;
            }
            maxKeyLength = longest;
        }

        int get(String text, int from, int to, int hash) {
            int len = to - from;
            for (int s = slot(hash); ; s = (s + 1) & mask) {
                int i = slots[s];
                if (i < 0) {
                    return -1;
                }
                if (keyHashes[i] == hash && keys[i].length() == len && keys[i].regionMatches(0, text, from, len)) {
                    return ids[i];
                }
            }
        }

        /**
         * Fibonacci hashing: String hashes of short keys are small, consecutive and, for surrogate
         * pairs, heavily overlapping; multiplying scatters them so linear probing stays short.
         */
        private int slot(int h) {
            return (h * 0x9E3779B9) >>> shift;
        }
    }
}
