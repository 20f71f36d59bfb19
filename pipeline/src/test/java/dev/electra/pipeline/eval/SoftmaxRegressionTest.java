package dev.electra.pipeline.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SoftmaxRegressionTest {

    /** Gaussian classes around distinct centres in d dimensions; one feature constant, as a padding dimension is. */
    static Data clusters(int n, int d, int classes, double spread, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] centres = new double[classes][d];
        for (double[] c : centres) {
            for (int j = 0; j < d; j++) {
                c[j] = r.nextGaussian();
            }
        }
        float[][] x = new float[n][d];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(classes);
            for (int j = 0; j < d; j++) {
                x[i][j] = (float) (3 + 5 * j + centres[y[i]][j] + spread * r.nextGaussian());
            }
            x[i][d - 1] = 7f;
        }
        return new Data(x, y);
    }

    record Data(float[][] x, int[] y) {}

    /** The gradient of the penalised objective, weights and intercepts, against central differences. */
    @Test
    void gradientMatchesCentralDifferences() {
        Data data = clusters(40, 5, 3, 1.0, 1);
        INDArray xs = Nd4j.createFromArray(data.x()).castTo(DataType.DOUBLE);
        xs = xs.subRowVector(xs.mean(0));
        SoftmaxRegression.Objective f = new SoftmaxRegression.Objective(xs, data.y(), 3, 0.3);
        INDArray w = Nd4j.rand(DataType.DOUBLE, 6, 3).subi(0.5);
        INDArray g = Nd4j.zerosLike(w);
        f.value(w, g);
        double h = 1e-6;
        for (int i = 0; i < w.rows(); i++) {
            for (int c = 0; c < w.columns(); c++) {
                double v = w.getDouble(i, c);
                w.putScalar(i, c, v + h);
                double up = f.value(w, null);
                w.putScalar(i, c, v - h);
                double down = f.value(w, null);
                w.putScalar(i, c, v);
                assertEquals((up - down) / (2 * h), g.getDouble(i, c), 1e-7, "parameter [" + i + ", " + c + "]");
            }
        }
    }

    @Test
    void separatedClassesArePredicted() {
        Data train = clusters(300, 8, 4, 0.05, 2);
        SoftmaxRegression m = SoftmaxRegression.fit(train.x(), train.y(), 4, 1e-4, 100);
        assertArrayEquals(train.y(), m.predict(train.x()));
    }

    /** At the optimum the gradient vanishes: the objective is lower there than a step away in any direction tried. */
    @Test
    void theFitIsAMinimum() {
        Data train = clusters(200, 6, 3, 1.5, 3);
        SoftmaxRegression m = SoftmaxRegression.fit(train.x(), train.y(), 3, 1e-2, 200);
        double at = m.objective(train.x(), train.y(), 3, 1e-2);
        SoftmaxRegression worse = SoftmaxRegression.fit(train.x(), train.y(), 3, 1e-2, 2);
        assertTrue(at < worse.objective(train.x(), train.y(), 3, 1e-2), "200 iterations beat 2");
    }

    /** A huge penalty leaves only the intercepts: every row gets the most frequent class. */
    @Test
    void aHugePenaltyPredictsThePrior() {
        float[][] x = {{0, 1}, {1, 0}, {2, 2}, {3, 1}, {4, 4}};
        int[] y = {1, 1, 1, 0, 2};
        int[] predicted = SoftmaxRegression.fit(x, y, 3, 1e6, 100).predict(x);
        assertArrayEquals(new int[] {1, 1, 1, 1, 1}, predicted);
    }

    @Test
    void badInputIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> SoftmaxRegression.fit(new float[][] {{1}}, new int[] {3},
                2, 0.1, 10));
        assertThrows(IllegalArgumentException.class, () -> SoftmaxRegression.fit(new float[][] {{1}}, new int[] {0},
                2, -1, 10));
    }
}
