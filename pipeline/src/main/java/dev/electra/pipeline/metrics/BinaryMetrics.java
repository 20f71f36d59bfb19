package dev.electra.pipeline.metrics;

import java.util.Arrays;

/**
 * Replaced-token detection metrics from scores and 0/1 labels: accuracy, precision and recall at a threshold,
 * and the area under the ROC curve (the Mann-Whitney statistic, ties counted half), which needs no threshold.
 */
public record BinaryMetrics(long count, long positives, double accuracy, double precision, double recall,
                            double auc) {

    /**
     * @param scores    probability of the positive class ("replaced") per example
     * @param labels    1 for positive, 0 for negative
     * @param threshold scores at or above it predict positive
     */
    public static BinaryMetrics of(float[] scores, byte[] labels, double threshold) {
        if (scores.length != labels.length) {
            throw new IllegalArgumentException(scores.length + " scores for " + labels.length + " labels");
        }
        long tp = 0;
        long fp = 0;
        long tn = 0;
        long fn = 0;
        for (int i = 0; i < scores.length; i++) {
            boolean predicted = scores[i] >= threshold;
            boolean actual = labels[i] == 1;
            if (predicted && actual) {
                tp++;
            } else if (predicted) {
                fp++;
            } else if (actual) {
                fn++;
            } else {
                tn++;
            }
        }
        long n = scores.length;
        return new BinaryMetrics(n, tp + fn, n == 0 ? Double.NaN : (double) (tp + tn) / n,
                tp + fp == 0 ? Double.NaN : (double) tp / (tp + fp),
                tp + fn == 0 ? Double.NaN : (double) tp / (tp + fn),
                auc(scores, labels));
    }

    /** ROC AUC by ranking: (sum of positive ranks − P(P+1)/2) / (P·N), average ranks for ties; NaN without both classes. */
    public static double auc(float[] scores, byte[] labels) {
        int n = scores.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(scores[a], scores[b]));
        double positiveRankSum = 0;
        long positives = 0;
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) {
                j++;
            }
            double averageRank = (i + j) / 2.0 + 1;  // ranks are 1-based
            for (int k = i; k <= j; k++) {
                if (labels[order[k]] == 1) {
                    positiveRankSum += averageRank;
                    positives++;
                }
            }
            i = j + 1;
        }
        long negatives = n - positives;
        if (positives == 0 || negatives == 0) {
            return Double.NaN;
        }
        return (positiveRankSum - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
    }
}
