package dev.electra.pipeline.eval;

import dev.electra.tokenizer.BertTokenizer;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A task's texts as {@code [CLS] tokens [SEP]} id sequences (truncated to a maximum length), with their labels:
 * what fine-tuning and the zero-shot test consume, small enough to ship to Spark tasks.
 *
 * @param ids    per split ({@link Task.Split} order), per example: the ids
 * @param labels per split, per example: the label index (for pairs: −1, and {@code otherIds} holds the incorrect)
 */
public record EncodedTask(String name, Task.Kind kind, Task.Metric metric, int labelCount, List<int[][]> ids,
                          List<int[]> labels, int[][] otherIds) implements Serializable {

    public int[][] ids(Task.Split split) {
        return ids.get(split.ordinal());
    }

    public int[] labels(Task.Split split) {
        return labels.get(split.ordinal());
    }

    /**
     * Encodes every split, keeping at most {@code maxTrain} training and {@code maxEval} dev and test examples (a
     * seeded sample when there are more, the same for every model evaluated).
     */
    public static EncodedTask of(Task task, BertTokenizer tokenizer, int maxSeqLength, int maxTrain, int maxEval,
                                 long seed) {
        List<int[][]> ids = new ArrayList<>();
        List<int[]> labels = new ArrayList<>();
        int[][] other = null;
        for (Task.Split split : Task.Split.values()) {
            int max = split == Task.Split.TRAIN ? maxTrain : maxEval;
            List<Task.Example> examples = sample(task.split(split), max, seed + split.ordinal());
            int[][] x = new int[examples.size()][];
            int[] y = new int[examples.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = encode(tokenizer, examples.get(i).text(), maxSeqLength);
                y[i] = examples.get(i).label();
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
        return new EncodedTask(task.name(), task.kind(), task.metric(), task.labels().size(), ids, labels, other);
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
