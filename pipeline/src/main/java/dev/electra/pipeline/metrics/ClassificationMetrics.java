package dev.electra.pipeline.metrics;

/**
 * Metrics of a classifier's predictions: accuracy, F1 of the positive class as MRPC and QQP report it, and Matthews
 * correlation as CoLA reports it (for K classes,
 * Gorodkin's R_K from the confusion matrix; for two classes the usual (TP·TN − FP·FN) / √(…)). Plain arithmetic:
 * Commons Math has no MCC.
 */
public final class ClassificationMetrics {
    private ClassificationMetrics() {}

    public static double accuracy(int[] gold, int[] predicted) {
        check(gold, predicted);
        int right = 0;
        for (int i = 0; i < gold.length; i++) {
            right += gold[i] == predicted[i] ? 1 : 0;
        }
        return (double) right / gold.length;
    }

    /**
     * F1 of class {@code positive}: 2·TP / (2·TP + FP + FN); 0 when there is no true or predicted positive, as
     * scikit-learn's {@code f1_score} with {@code zero_division=0}.
     */
    public static double f1(int[] gold, int[] predicted, int positive) {
        check(gold, predicted);
        long tp = 0;
        long fp = 0;
        long fn = 0;
        for (int i = 0; i < gold.length; i++) {
            boolean g = gold[i] == positive;
            boolean p = predicted[i] == positive;
            tp += g && p ? 1 : 0;
            fp += !g && p ? 1 : 0;
            fn += g && !p ? 1 : 0;
        }
        return tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
    }

    /**
     * Matthews correlation over {@code classes} classes; 0 when it is undefined (all predictions or all gold
     * labels in one class), as scikit-learn does.
     */
    public static double matthews(int[] gold, int[] predicted, int classes) {
        check(gold, predicted);
        long[][] confusion = new long[classes][classes];
        for (int i = 0; i < gold.length; i++) {
            if (gold[i] < 0 || gold[i] >= classes || predicted[i] < 0 || predicted[i] >= classes) {
                throw new IllegalArgumentException("label outside [0, " + classes + ") at " + i);
            }
            confusion[gold[i]][predicted[i]]++;
        }
        double n = gold.length;
        double correct = 0;
        double[] t = new double[classes];
        double[] p = new double[classes];
        for (int k = 0; k < classes; k++) {
            correct += confusion[k][k];
            for (int j = 0; j < classes; j++) {
                t[k] += confusion[k][j];
                p[k] += confusion[j][k];
            }
        }
        double tp = 0;
        double tt = 0;
        double pp = 0;
        for (int k = 0; k < classes; k++) {
            tp += t[k] * p[k];
            tt += t[k] * t[k];
            pp += p[k] * p[k];
        }
        double denominator = Math.sqrt(n * n - pp) * Math.sqrt(n * n - tt);
        return denominator == 0 ? 0.0 : (correct * n - tp) / denominator;
    }

    private static void check(int[] gold, int[] predicted) {
        if (gold.length != predicted.length || gold.length == 0) {
            throw new IllegalArgumentException("need equally many gold labels and predictions, got " + gold.length
                    + " and " + predicted.length);
        }
    }

    /**
     * The median of per-seed scores (the mean of the middle two for an even count): ELECTRA reports medians over
     * fine-tuning runs, which one diverged seed does not move.
     */
    public static double median(double... values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("no values");
        }
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /** Mean and sample standard deviation (n − 1) of per-seed scores; std 0 for one score. */
    public record Spread(double mean, double std, int n) {
        public static Spread of(double... values) {
            if (values.length == 0) {
                throw new IllegalArgumentException("no values");
            }
            double sum = 0;
            for (double v : values) {
                sum += v;
            }
            double mean = sum / values.length;
            double squares = 0;
            for (double v : values) {
                squares += (v - mean) * (v - mean);
            }
            double std = values.length > 1 ? Math.sqrt(squares / (values.length - 1)) : 0.0;
            return new Spread(mean, std, values.length);
        }

        @Override
        public String toString() {
            return String.format("%.3f ± %.3f", mean, std);
        }
    }
}
