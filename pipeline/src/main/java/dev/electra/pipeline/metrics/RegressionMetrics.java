package dev.electra.pipeline.metrics;

import org.apache.commons.math3.stat.correlation.PearsonsCorrelation;
import org.apache.commons.math3.stat.correlation.SpearmansCorrelation;

/**
 * Metrics of a regressor's predictions as GLUE reports STS-B: Pearson's r and Spearman's ρ (Pearson's r of the
 * ranks, tied values sharing their average rank, as SciPy's {@code spearmanr}), by Commons Math. Both are 0 when
 * undefined (a constant prediction or gold column), as the report treats a regressor that learned only the mean.
 */
public final class RegressionMetrics {
    private RegressionMetrics() {}

    public static double pearson(double[] gold, double[] predicted) {
        return defined(gold, predicted) ? new PearsonsCorrelation().correlation(gold, predicted) : 0;
    }

    public static double spearman(double[] gold, double[] predicted) {
        return defined(gold, predicted) ? new SpearmansCorrelation().correlation(gold, predicted) : 0;
    }

    private static boolean defined(double[] gold, double[] predicted) {
        if (gold.length != predicted.length || gold.length == 0) {
            throw new IllegalArgumentException("gold and predicted must have the same, non-zero length: "
                    + gold.length + " and " + predicted.length);
        }
        return gold.length > 1 && !constant(gold) && !constant(predicted);
    }

    private static boolean constant(double[] x) {
        for (double v : x) {
            if (v != x[0]) {
                return false;
            }
        }
        return true;
    }
}
