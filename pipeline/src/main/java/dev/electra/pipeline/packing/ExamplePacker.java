package dev.electra.pipeline.packing;

import dev.electra.pipeline.seeds.Seeds;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Packs the sentences of one document into pretraining examples, rule for rule as ELECTRA's
 * {@code build_pretraining_dataset.py} ({@code ExampleBuilder}): sentences are added until the target length is
 * reached; the end of the document flushes; with probability {@code single-segment-prob} an example is one
 * segment, otherwise segment A targets {@code (target - 3) / 2} tokens; after each example the next target is
 * uniform in [5, max] with probability {@code random-length-prob}, else the maximum.
 *
 * <p>One deliberate difference: the reference carries its random state and target length from one document to
 * the next, which makes the output depend on the order the documents are seen in. Here each document starts at
 * the maximum target length with its own random stream (seeded from the run seed and the document's index), so
 * the examples are the same whatever the number of Spark partitions.
 */
public final class ExamplePacker {
    private final PackingSpec spec;

    public ExamplePacker(PackingSpec spec) {
        this.spec = spec;
    }

    /** The random stream of one document: a function of the run seed and the document's index only. */
    public static SplittableRandom documentRandom(long seed, long documentIndex) {
        return new SplittableRandom(Seeds.mix(seed) ^ Seeds.mix(documentIndex + Seeds.GOLDEN_GAMMA));
    }

    /**
     * @param sentences the WordPiece ids of each sentence of the document, in order (no special tokens)
     * @return the document's examples in order
     */
    public List<PackedExample> pack(List<int[]> sentences, SplittableRandom random) {
        List<PackedExample> examples = new ArrayList<>();
        List<int[]> current = new ArrayList<>();
        int currentLength = 0;
        int targetLength = spec.maxSeqLength();
        for (int[] sentence : sentences) {
            current.add(sentence);
            currentLength += sentence.length;
            if (currentLength >= targetLength) {
                examples.add(createExample(current, targetLength, random));
                current.clear();
                currentLength = 0;
                targetLength = nextTargetLength(random);
            }
        }
        if (currentLength != 0) {
            examples.add(createExample(current, targetLength, random));
        }
        return examples;
    }

    private int nextTargetLength(SplittableRandom random) {
        if (random.nextDouble() < spec.randomLengthProb()) {
            return random.nextInt(PackingSpec.MIN_RANDOM_TARGET_LENGTH, spec.maxSeqLength() + 1);
        }
        return spec.maxSeqLength();
    }

    private PackedExample createExample(List<int[]> sentences, int targetLength, SplittableRandom random) {
        int firstTarget = random.nextDouble() < spec.singleSegmentProb()
                ? Integer.MAX_VALUE
                : (targetLength - 3) / 2;  // -3: [CLS] and two [SEP] are not in the sentences yet
        IntList first = new IntList();
        IntList second = new IntList();
        for (int[] sentence : sentences) {
            // A sentence goes to A if A is empty, if it fits A's target, or (half the time) if B is still empty
            // and A is short of its target; otherwise to B.
            if (first.size() == 0
                    || first.size() + sentence.length < firstTarget
                    || (second.size() == 0 && first.size() < firstTarget && random.nextDouble() < 0.5)) {
                first.addAll(sentence);
            } else {
                second.addAll(sentence);
            }
        }
        int max = spec.maxSeqLength();
        int aLength = Math.min(first.size(), max - 2);
        int bLength = Math.min(second.size(), Math.max(0, max - aLength - 3));
        return layout(first.data(), aLength, second.data(), bLength);
    }

    private PackedExample layout(int[] a, int aLength, int[] b, int bLength) {
        int length = 2 + aLength + (bLength > 0 ? bLength + 1 : 0);
        int[] ids = new int[length];
        byte[] segments = new byte[length];
        int pos = 0;
        ids[pos++] = spec.clsId();
        System.arraycopy(a, 0, ids, pos, aLength);
        pos += aLength;
        ids[pos++] = spec.sepId();
        if (bLength > 0) {
            int bStart = pos;
            System.arraycopy(b, 0, ids, pos, bLength);
            pos += bLength;
            ids[pos++] = spec.sepId();
            java.util.Arrays.fill(segments, bStart, pos, (byte) 1);
        }
        return new PackedExample(ids, segments);
    }

    /** A growable int array, so packing does not box every token. */
    private static final class IntList {
        private int[] data = new int[64];
        private int size;

        void addAll(int[] values) {
            if (size + values.length > data.length) {
                data = java.util.Arrays.copyOf(data, Math.max(data.length * 2, size + values.length));
            }
            System.arraycopy(values, 0, data, size, values.length);
            size += values.length;
        }

        int size() {
            return size;
        }

        int[] data() {
            return data;
        }
    }
}
