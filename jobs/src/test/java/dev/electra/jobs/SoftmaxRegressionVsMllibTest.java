package dev.electra.jobs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.electra.pipeline.eval.SoftmaxRegression;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * The probes' classifier against the one it replaced, Spark MLlib's multinomial logistic regression with the same
 * penalty and standardization: on overlapping classes, at every penalty the probes try, both predict (almost) the
 * same test classes and reach the same accuracy.
 */
class SoftmaxRegressionVsMllibTest {

    @Test
    void predictsAsMllibDoes() {
        int d = 16;
        int classes = 5;
        float[][][] sets = new float[2][][];
        int[][] labels = new int[2][];
        SplittableRandom r = new SplittableRandom(11);
        double[][] centres = new double[classes][d];
        for (double[] c : centres) {
            for (int j = 0; j < d; j++) {
                c[j] = 0.6 * r.nextGaussian();
            }
        }
        for (int s = 0; s < 2; s++) {
            int n = s == 0 ? 1500 : 1000;
            sets[s] = new float[n][d];
            labels[s] = new int[n];
            for (int i = 0; i < n; i++) {
                int y = r.nextInt(classes);
                labels[s][i] = y;
                for (int j = 0; j < d; j++) {
                    // features on different scales, as a network's are: standardization matters
                    sets[s][i][j] = (float) ((centres[y][j] + r.nextGaussian()) * (1 + j));
                }
            }
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < sets[0].length; i++) {
            rows.add(RowFactory.create((double) labels[0][i], Vectors.dense(doubles(sets[0][i]))));
        }
        StructType schema = new StructType().add("label", DataTypes.DoubleType)
                .add("features", SQLDataTypes.VectorType());
        var train = SparkTestSession.get().createDataFrame(rows, schema).cache();
        for (double l2 : List.of(1e-4, 1e-3, 1e-2, 1e-1, 1.0)) {
            LogisticRegressionModel mllib = new LogisticRegression().setFamily("multinomial").setRegParam(l2)
                    .setElasticNetParam(0).setMaxIter(100).setStandardization(true).fit(train);
            int[] ours = SoftmaxRegression.fit(sets[0], labels[0], classes, l2, 100).predict(sets[1]);
            int agree = 0;
            int oursRight = 0;
            int theirsRight = 0;
            for (int i = 0; i < sets[1].length; i++) {
                int theirs = (int) mllib.predict(Vectors.dense(doubles(sets[1][i])));
                agree += theirs == ours[i] ? 1 : 0;
                oursRight += ours[i] == labels[1][i] ? 1 : 0;
                theirsRight += theirs == labels[1][i] ? 1 : 0;
            }
            double n = sets[1].length;
            assertTrue(agree / n >= 0.98, "l2 " + l2 + ": the same class on " + agree + " of " + n);
            assertTrue(Math.abs(oursRight - theirsRight) / n <= 0.01, "l2 " + l2 + ": accuracy " + oursRight / n
                    + " against MLlib's " + theirsRight / n);
        }
        train.unpersist();
    }

    private static double[] doubles(float[] x) {
        double[] v = new double[x.length];
        for (int j = 0; j < v.length; j++) {
            v[j] = x[j];
        }
        return v;
    }
}
