package dev.electra.pipeline.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Values by hand (the formulas in the comments) and from NumPy's {@code corrcoef}. */
class RegressionMetricsTest {
    @Test
    void pearsonAndSpearmanWithoutTies() {
        double[] gold = {1, 2, 3, 4, 5};
        double[] predicted = {2, 1, 4, 3, 5};
        // 1 − 6·Σd² / (n(n² − 1)) = 1 − 6·4 / 120
        assertEquals(0.8, RegressionMetrics.spearman(gold, predicted), 1e-12);
        assertEquals(0.8, RegressionMetrics.pearson(gold, predicted), 1e-12);
        // ranks are unchanged by a monotone map; Pearson's r is not
        double[] cubed = {8, 1, 64, 27, 125};
        assertEquals(0.8, RegressionMetrics.spearman(gold, cubed), 1e-12);
        assertEquals(0.806613663125007, RegressionMetrics.pearson(gold, cubed), 1e-12);
    }

    @Test
    void tiesShareTheirAverageRank() {
        // ranks [1, 2.5, 2.5, 4] against [1, 2, 3, 4]: 4.5 / √(4.5 · 5) = 0.9486832980505138
        assertEquals(0.9486832980505138, RegressionMetrics.spearman(new double[] {1, 2, 2, 3},
                new double[] {1, 2, 3, 4}), 1e-12);
    }

    @Test
    void aConstantPredictionScoresZero() {
        assertEquals(0, RegressionMetrics.pearson(new double[] {1, 2, 3}, new double[] {2, 2, 2}));
        assertEquals(0, RegressionMetrics.spearman(new double[] {1, 2, 3}, new double[] {2, 2, 2}));
        assertThrows(IllegalArgumentException.class, () -> RegressionMetrics.pearson(new double[] {1},
                new double[] {1, 2}));
    }
}
