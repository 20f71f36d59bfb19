package dev.electra.tokenizer.train;

import java.util.Arrays;

/**
 * An indexed binary heap of pair ids whose top is the pair to merge next. Being indexed (each id knows its
 * slot) lets a count change move the pair in O(log n) instead of leaving stale entries behind, so the heap
 * never holds more than one entry per live pair.
 *
 * <p>The order lives outside the heap, in {@link Order}; the caller must {@link #update} a pair right after
 * changing anything that order reads, and before changing another pair.
 */
final class PairHeap {

    /** A strict total order on pair ids. */
    @FunctionalInterface
    interface Order {
        /** Whether pair {@code p} should be merged before pair {@code q}. */
        boolean before(int p, int q);
    }

    private static final int NOT_IN_HEAP = -1;

    private final Order order;
    private int[] heap = new int[16];
    private int[] slotOf = new int[16];
    private int size;

    PairHeap(Order order) {
        this.order = order;
        Arrays.fill(slotOf, NOT_IN_HEAP);
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** The pair that comes first in the order; the heap must not be empty. */
    int peek() {
        return heap[0];
    }

    /** Puts the pair where its current key belongs: inserts it, moves it, or removes it if {@code present} is false. */
    void update(int pair, boolean present) {
        ensureId(pair);
        int slot = slotOf[pair];
        if (!present) {
            if (slot != NOT_IN_HEAP) {
                removeAt(slot);
            }
            return;
        }
        if (slot == NOT_IN_HEAP) {
            if (size == heap.length) {
                heap = Arrays.copyOf(heap, size * 2);
            }
            heap[size] = pair;
            slotOf[pair] = size;
            siftUp(size++);
        } else {
            siftDown(siftUp(slot));
        }
    }

    private void removeAt(int slot) {
        int removed = heap[slot];
        slotOf[removed] = NOT_IN_HEAP;
        size--;
        if (slot == size) {
            return;
        }
        int last = heap[size];
        heap[slot] = last;
        slotOf[last] = slot;
        siftDown(siftUp(slot));
    }

    private int siftUp(int slot) {
        int pair = heap[slot];
        while (slot > 0) {
            int parent = (slot - 1) >>> 1;
            if (!order.before(pair, heap[parent])) {
                break;
            }
            place(heap[parent], slot);
            slot = parent;
        }
        place(pair, slot);
        return slot;
    }

    private void siftDown(int slot) {
        int pair = heap[slot];
        while (true) {
            int child = 2 * slot + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && order.before(heap[child + 1], heap[child])) {
                child++;
            }
            if (!order.before(heap[child], pair)) {
                break;
            }
            place(heap[child], slot);
            slot = child;
        }
        place(pair, slot);
    }

    private void place(int pair, int slot) {
        heap[slot] = pair;
        slotOf[pair] = slot;
    }

    private void ensureId(int pair) {
        if (pair >= slotOf.length) {
            int old = slotOf.length;
            slotOf = Arrays.copyOf(slotOf, Math.max(pair + 1, old * 2));
            Arrays.fill(slotOf, old, slotOf.length, NOT_IN_HEAP);
        }
    }
}
