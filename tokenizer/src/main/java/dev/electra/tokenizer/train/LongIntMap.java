package dev.electra.tokenizer.train;

import java.util.Arrays;

/**
 * An open-addressing map from non-negative {@code long} keys to {@code int} values. The trainer looks up a
 * pair id for every adjacent symbol pair it touches, millions of times per fit; boxing each key into a
 * {@code HashMap<Long, Integer>} would dominate the run time.
 */
final class LongIntMap {

    /** Returned by {@link #get} for an absent key; valid values are never negative. */
    static final int ABSENT = -1;

    private static final long EMPTY = -1L;

    private long[] keys;
    private int[] values;
    private int size;
    private int mask;

    LongIntMap(int expectedSize) {
        int capacity = Integer.highestOneBit(Math.max(16, expectedSize * 2 - 1)) << 1;
        allocate(capacity);
    }

    int get(long key) {
        int i = slot(key);
        while (keys[i] != EMPTY) {
            if (keys[i] == key) {
                return values[i];
            }
            i = (i + 1) & mask;
        }
        return ABSENT;
    }

    /** Maps {@code key} to {@code value}; the key must be absent and both must be non-negative. */
    void putNew(long key, int value) {
        if (2 * (size + 1) > keys.length) {
            rehash();
        }
        int i = slot(key);
        while (keys[i] != EMPTY) {
            i = (i + 1) & mask;
        }
        keys[i] = key;
        values[i] = value;
        size++;
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }

    private void allocate(int capacity) {
        keys = new long[capacity];
        Arrays.fill(keys, EMPTY);
        values = new int[capacity];
        mask = capacity - 1;
    }

    private void rehash() {
        long[] oldKeys = keys;
        int[] oldValues = values;
        allocate(oldKeys.length * 2);
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY) {
                putNew(oldKeys[i], oldValues[i]);
            }
        }
    }
}
