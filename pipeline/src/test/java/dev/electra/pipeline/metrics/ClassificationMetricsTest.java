package dev.electra.pipeline.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Accuracy, MCC and the spread against values worked out by hand. */
class ClassificationMetricsTest {
    @Test
    void accuracyCountsMatches() {
        assertEquals(0.6, ClassificationMetrics.accuracy(new int[] {1, 0, 1, 1, 0}, new int[] {1, 1, 1, 0, 0}), 1e-15);
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(0.7, ClassificationMetrics.median(0.9, 0.1, 0.7), 1e-15);
        assertEquals(0.5, ClassificationMetrics.median(0.9, 0.1, 0.4, 0.6), 1e-15);
        assertEquals(0.3, ClassificationMetrics.median(0.3), 1e-15);
    }

    @Test
    void f1OfThePositiveClass() {
        // TP 2, FP 1, FN 1: 2·2 / (2·2 + 1 + 1); scikit-learn's f1_score gives 0.666…
        assertEquals(2.0 / 3, ClassificationMetrics.f1(new int[] {1, 1, 0, 0, 1}, new int[] {1, 0, 0, 1, 1}, 1), 1e-15);
        assertEquals(0.0, ClassificationMetrics.f1(new int[] {0, 0}, new int[] {0, 0}, 1), "no positive at all");
        assertEquals(0.0, ClassificationMetrics.f1(new int[] {1, 0}, new int[] {0, 1}, 1));
    }

    @Test
    void binaryMatthewsCorrelation() {
        // gold 1 1 1 0 0 0 0 0, predicted 1 1 0 1 0 0 0 0: TP 2, FN 1, FP 1, TN 4.
        // (2·4 − 1·1) / √((2+1)(2+1)(4+1)(4+1)) = 7 / √225 = 7/15.
        int[] gold = {1, 1, 1, 0, 0, 0, 0, 0};
        int[] predicted = {1, 1, 0, 1, 0, 0, 0, 0};
        assertEquals(7.0 / 15.0, ClassificationMetrics.matthews(gold, predicted, 2), 1e-12);
        assertEquals(1.0, ClassificationMetrics.matthews(gold, gold, 2), 1e-12);
        int[] inverted = {0, 0, 0, 1, 1, 1, 1, 1};
        assertEquals(-1.0, ClassificationMetrics.matthews(gold, inverted, 2), 1e-12);
        assertEquals(0.0, ClassificationMetrics.matthews(gold, new int[8], 2), "one predicted class: undefined → 0");
    }

    @Test
    void multiclassMatthewsIsGorodkinsRk() {
        // gold 0 0 1 1 2 2, predicted 0 1 1 1 2 0. Confusion rows gold, columns predicted:
        // [[1,1,0],[0,2,0],[1,0,1]]; c = 4, s = 6, t = (2,2,2), p = (2,3,1).
        // (c·s − Σ p·t) / √((s² − Σp²)(s² − Σt²)) = (24 − 12) / √((36 − 14)(36 − 12)) = 12 / √528.
        int[] gold = {0, 0, 1, 1, 2, 2};
        int[] predicted = {0, 1, 1, 1, 2, 0};
        assertEquals(12.0 / Math.sqrt(528.0), ClassificationMetrics.matthews(gold, predicted, 3), 1e-12);
    }

    @Test
    void spreadIsMeanAndSampleStandardDeviation() {
        ClassificationMetrics.Spread s = ClassificationMetrics.Spread.of(0.5, 0.7, 0.9);
        assertEquals(0.7, s.mean(), 1e-12);
        assertEquals(0.2, s.std(), 1e-12, "√((0.04 + 0 + 0.04) / 2)");
        assertEquals(0.0, ClassificationMetrics.Spread.of(0.4).std());
    }
}
