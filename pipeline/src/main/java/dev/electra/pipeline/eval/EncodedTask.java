package dev.electra.pipeline.eval;

import dev.electra.tokenizer.BertTokenizer;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A task's texts as {@code [CLS] tokens [SEP]} id sequences, or {@code [CLS] a [SEP] b [SEP]} for sentence pairs
 * (truncated to a maximum length, the longer text first, as BERT's run_classifier), with their labels: what
 * fine-tuning and the zero-shot test consume, small enough to ship to Spark tasks. A pair's segment ids follow from
 * its ids: 0 up to and including the first [SEP] ({@code sepId}), 1 after it.
 *
 * @param ids        per split ({@link Task.Split} order), per example: the ids
 * @param labels     per split, per example: the label index (for pairs: −1, and {@code otherIds} holds the incorrect;
 *                   for regression −1)
 * @param labelCount the head's outputs: the labels, or 1 for regression
 * @param values     per split, per example: a regression task's score (empty for other kinds)
 * @param tags       per split, per example, per position of its ids: a tagging task's tag index at each word's first
 *                   sub-token, −1 elsewhere (empty for other kinds)
 */
public record EncodedTask(String name, Task.Kind kind, Task.Metric metric, int labelCount, List<int[][]> ids,
                          List<int[]> labels, int[][] otherIds, int sepId, List<float[]> values, List<int[][]> tags)
        implements Serializable {

    /** A task without regression scores or tags. */
    public EncodedTask(String name, Task.Kind kind, Task.Metric metric, int labelCount, List<int[][]> ids,
                       List<int[]> labels, int[][] otherIds, int sepId) {
        this(name, kind, metric, labelCount, ids, labels, otherIds, sepId, List.of(), List.of());
    }

    /** A tagging task's tags of one split (see {@code tags}). */
    public int[][] tags(Task.Split split) {
        return tags.get(split.ordinal());
    }

    public int[][] ids(Task.Split split) {
        return ids.get(split.ordinal());
    }

    public int[] labels(Task.Split split) {
        return labels.get(split.ordinal());
    }

    /** A regression task's scores of one split. */
    public float[] values(Task.Split split) {
        return values.get(split.ordinal());
    }

    public boolean regression() {
        return kind == Task.Kind.REGRESSION;
    }

    /** What a split's predictions are scored against: the scores of a regression task, else the label indices. */
    public double[] gold(Task.Split split) {
        double[] out = new double[ids(split).length];
        for (int i = 0; i < out.length; i++) {
            out[i] = regression() ? values(split)[i] : labels(split)[i];
        }
        return out;
    }

    /**
     * Encodes every split, keeping at most {@code maxTrain} training and {@code maxEval} dev and test examples (a
     * seeded sample when there are more, the same for every model evaluated).
     */
    public static EncodedTask of(Task task, BertTokenizer tokenizer, int maxSeqLength, int maxTrain, int maxEval,
                                 long seed) {
        List<int[][]> ids = new ArrayList<>();
        List<int[]> labels = new ArrayList<>();
        List<float[]> values = new ArrayList<>();
        List<int[][]> tags = new ArrayList<>();
        int[][] other = null;
        for (Task.Split split : Task.Split.values()) {
            int max = split == Task.Split.TRAIN ? maxTrain : maxEval;
            List<Task.Example> examples = sample(task.split(split), max, seed + split.ordinal());
            int[][] x = new int[examples.size()][];
            int[] y = new int[examples.size()];
            float[] v = new float[examples.size()];
            int[][] t = new int[examples.size()][];
            for (int i = 0; i < x.length; i++) {
                if (task.kind() == Task.Kind.TAGGING) {
                    int[][] tagged = encodeTagged(tokenizer, examples.get(i).text(), examples.get(i).other(),
                            task.labels(), maxSeqLength);
                    x[i] = tagged[0];
                    t[i] = tagged[1];
                    y[i] = -1;
                    continue;
                }
                x[i] = task.kind().paired()
                        ? encodePair(tokenizer, examples.get(i).text(), examples.get(i).other(), maxSeqLength)
                        : encode(tokenizer, examples.get(i).text(), maxSeqLength);
                y[i] = examples.get(i).label();
                v[i] = (float) examples.get(i).value();
            }
            if (task.kind() == Task.Kind.REGRESSION) {
                values.add(v);
            }
            if (task.kind() == Task.Kind.TAGGING) {
                tags.add(t);
            }
            if (task.kind() == Task.Kind.PAIRS && split == Task.Split.TEST) {
                // Pairs the tokenizer cannot tell apart (a case-only correction under an uncased vocabulary) say
                // nothing about the model: left out.
                List<int[]> kept = new ArrayList<>();
                List<int[]> keptOther = new ArrayList<>();
                for (int i = 0; i < x.length; i++) {
                    int[] o = encode(tokenizer, examples.get(i).other(), maxSeqLength);
                    if (!java.util.Arrays.equals(x[i], o)) {
                        kept.add(x[i]);
                        keptOther.add(o);
                    }
                }
                x = kept.toArray(new int[0][]);
                y = new int[x.length];
                java.util.Arrays.fill(y, -1);
                other = keptOther.toArray(new int[0][]);
            }
            ids.add(x);
            labels.add(y);
        }
        return new EncodedTask(task.name(), task.kind(), task.metric(),
                task.kind() == Task.Kind.REGRESSION ? 1 : task.labels().size(), ids, labels, other,
                tokenizer.vocabulary().sepId(), values, tags);
    }

    static int[] encode(BertTokenizer tokenizer, String text, int maxSeqLength) {
        int[] pieces = tokenizer.tokenIds(text);
        int n = Math.min(pieces.length, maxSeqLength - 2);
        int[] out = new int[n + 2];
        out[0] = tokenizer.vocabulary().clsId();
        System.arraycopy(pieces, 0, out, 1, n);
        out[n + 1] = tokenizer.vocabulary().sepId();
        return out;
    }

    /**
     * [CLS] pieces [SEP] of a tagged sentence and, per position, the tag of the word whose first piece it is (−1 for
     * the other pieces, [CLS] and [SEP]); words beyond the maximum length are cut off with their tags.
     */
    static int[][] encodeTagged(BertTokenizer tokenizer, String words, String tags, List<String> labels,
                                int maxSeqLength) {
        String[] w = words.split(" ");
        String[] t = tags.split(" ");
        List<Integer> ids = new ArrayList<>();
        List<Integer> tagAt = new ArrayList<>();
        ids.add(tokenizer.vocabulary().clsId());
        tagAt.add(-1);
        for (int k = 0; k < w.length; k++) {
            int[] pieces = tokenizer.tokenIds(w[k]);
            for (int p = 0; p < pieces.length && ids.size() < maxSeqLength - 1; p++) {
                ids.add(pieces[p]);
                tagAt.add(p == 0 ? labels.indexOf(t[k]) : -1);
            }
        }
        ids.add(tokenizer.vocabulary().sepId());
        tagAt.add(-1);
        return new int[][] {ids.stream().mapToInt(Integer::intValue).toArray(),
            tagAt.stream().mapToInt(Integer::intValue).toArray()};
    }

    /** [CLS] a [SEP] b [SEP], removing the last piece of the longer text until the pair fits (longest first). */
    static int[] encodePair(BertTokenizer tokenizer, String a, String b, int maxSeqLength) {
        int[] x = tokenizer.tokenIds(a);
        int[] y = tokenizer.tokenIds(b);
        int na = x.length;
        int nb = y.length;
        while (na + nb > maxSeqLength - 3) {
            if (na > nb) {
                na--;
            } else {
                nb--;
            }
        }
        int[] out = new int[na + nb + 3];
        out[0] = tokenizer.vocabulary().clsId();
        System.arraycopy(x, 0, out, 1, na);
        out[na + 1] = tokenizer.vocabulary().sepId();
        System.arraycopy(y, 0, out, na + 2, nb);
        out[na + nb + 2] = tokenizer.vocabulary().sepId();
        return out;
    }

    /** Segment ids of one encoded sequence: 0 up to and including the first [SEP], 1 after it. */
    public int[] segments(int[] sequence) {
        int[] s = new int[sequence.length];
        boolean second = false;
        for (int t = 0; t < sequence.length; t++) {
            s[t] = second ? 1 : 0;
            second |= sequence[t] == sepId;
        }
        return s;
    }

    private static List<Task.Example> sample(List<Task.Example> all, int max, long seed) {
        if (all.size() <= max) {
            return all;
        }
        List<Task.Example> copy = new ArrayList<>(all);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < max; i++) {
            int j = i + r.nextInt(copy.size() - i);
            Task.Example t = copy.get(i);
            copy.set(i, copy.get(j));
            copy.set(j, t);
        }
        return copy.subList(0, max);
    }
}
