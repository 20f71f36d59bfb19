package dev.electra.pipeline.model.kernels;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The row-wise kernels as plain Java loops with double arithmetic whatever the storage: the independent reference
 * that {@link Kernels}' ND4J calls (model.kernels = reference, and the gradient checks' double) and the fused
 * kernels are both held to (VectorKernelsTest). Until 2026-12 this was the reference path itself; it reads ND4J
 * memory through raw host views, which only a test may do now.
 */
final class Loops {
    static final double LAYER_NORM_EPSILON = Kernels.LAYER_NORM_EPSILON;

    private Loops() {}

    /**
     * The values of a row-major array, read and written in place: float or double storage (one of the two buffers
     * is null; training runs float, the gradient checks double, so each call site sees one kind).
     */
    static final class Values {
        private final FloatBuffer floats;
        private final DoubleBuffer doubles;
        private final int offset;
        private float[] scratch = new float[0];

        private Values(FloatBuffer floats, DoubleBuffer doubles, int offset) {
            this.floats = floats;
            this.doubles = doubles;
            this.offset = offset;
        }

        static Values of(INDArray a) {
            if (a.ordering() != 'c' || a.elementWiseStride() != 1 || a.length() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("expected a contiguous row-major array, got " + a.shapeInfoToString());
            }
            int offset = Math.toIntExact(a.offset());
            return switch (a.dataType()) {
                case FLOAT -> new Values(a.data().asNioFloat(), null, offset);
                case DOUBLE -> new Values(null, a.data().asNioDouble(), offset);
                default -> throw new IllegalArgumentException("expected FLOAT or DOUBLE, got " + a.dataType());
            };
        }

        /** Copies {@code row.length} values from index {@code from} into {@code row} (one bulk copy). */
        void read(int from, double[] row) {
            if (doubles != null) {
                doubles.get(offset + from, row, 0, row.length);
                return;
            }
            float[] f = scratch(row.length);
            floats.get(offset + from, f, 0, row.length);
            for (int j = 0; j < row.length; j++) {
                row[j] = f[j];
            }
        }

        /** Writes {@code row} to index {@code to} onwards. */
        void write(int to, double[] row) {
            if (doubles != null) {
                doubles.put(offset + to, row, 0, row.length);
                return;
            }
            float[] f = scratch(row.length);
            for (int j = 0; j < row.length; j++) {
                f[j] = (float) row[j];
            }
            floats.put(offset + to, f, 0, row.length);
        }

        private float[] scratch(int n) {
            if (scratch.length < n) {
                scratch = new float[n];
            }
            return scratch;
        }
    }

    /** y = (x − mean) / (std + ε) ∘ gain + bias over each row of x [R, C] (population std), as a new array. */
    static INDArray layerNorm(INDArray x, INDArray gain, INDArray bias) {
        int rows = (int) x.size(0);
        int cols = (int) x.size(1);
        INDArray y = Nd4j.createUninitialized(x.dataType(), rows, cols);
        Values xv = Values.of(x);
        Values yv = Values.of(y);
        double[] g = gain.toDoubleVector();
        double[] b = bias.toDoubleVector();
        double[] row = new double[cols];
        for (int r = 0; r < rows; r++) {
            xv.read(r * cols, row);
            double mean = sum(row) / cols;
            double inv = 1.0 / (std(row, mean) + LAYER_NORM_EPSILON);
            for (int j = 0; j < cols; j++) {
                row[j] = (row[j] - mean) * inv * g[j] + b[j];
            }
            yv.write(r * cols, row);
        }
        return y;
    }

    /**
     * The backward pass of {@link #layerNorm}: with s = std + ε and d = dy ∘ gain,
     * dx = (d − mean(d))/s − (x − mean)·Σ(d ∘ (x − mean)) / (C·std·s²); the std term is dropped for a constant row
     * (std 0), as libnd4j replaces its NaN by 0.
     *
     * @return {dx [R, C], dGain [C], dBias [C]}
     */
    static INDArray[] layerNormBackward(INDArray dy, INDArray x, INDArray gain) {
        int rows = (int) x.size(0);
        int cols = (int) x.size(1);
        INDArray dx = Nd4j.createUninitialized(x.dataType(), rows, cols);
        Values xv = Values.of(x);
        Values dyv = Values.of(dy);
        Values dxv = Values.of(dx);
        double[] g = gain.toDoubleVector();
        double[] dGain = new double[cols];
        double[] dBias = new double[cols];
        double[] centred = new double[cols];
        double[] d = new double[cols];
        for (int r = 0; r < rows; r++) {
            xv.read(r * cols, centred);
            dyv.read(r * cols, d);
            double mean = sum(centred) / cols;
            double std = std(centred, mean);
            double s = std + LAYER_NORM_EPSILON;
            for (int j = 0; j < cols; j++) {
                centred[j] -= mean;
                dGain[j] += d[j] * centred[j] / s;
                dBias[j] += d[j];
                d[j] *= g[j];
            }
            double meanD = sum(d) / cols;
            double stdTerm = std == 0 ? 0 : dot(d, centred) / (cols * std * s * s);
            for (int j = 0; j < cols; j++) {
                d[j] = (d[j] - meanD) / s - centred[j] * stdTerm;
            }
            dxv.write(r * cols, d);
        }
        DataType type = x.dataType();
        return new INDArray[] {dx, Nd4j.createFromArray(dGain).castTo(type), Nd4j.createFromArray(dBias).castTo(type)};
    }

    /**
     * Σ with four partial sums: one running sum is bound by the latency of each addition; four independent chains
     * overlap.
     */
    static double sum(double[] a) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int j = 0;
        for (; j + 3 < a.length; j += 4) {
            s0 += a[j];
            s1 += a[j + 1];
            s2 += a[j + 2];
            s3 += a[j + 3];
        }
        for (; j < a.length; j++) {
            s0 += a[j];
        }
        return (s0 + s1) + (s2 + s3);
    }

    static double dot(double[] a, double[] b) {
        double s0 = 0;
        double s1 = 0;
        int j = 0;
        for (; j + 1 < a.length; j += 2) {
            s0 += a[j] * b[j];
            s1 += a[j + 1] * b[j + 1];
        }
        for (; j < a.length; j++) {
            s0 += a[j] * b[j];
        }
        return s0 + s1;
    }

    /** Population standard deviation of a row with the given mean. */
    private static double std(double[] row, double mean) {
        double s0 = 0;
        double s1 = 0;
        int j = 0;
        for (; j + 1 < row.length; j += 2) {
            double d0 = row[j] - mean;
            double d1 = row[j + 1] - mean;
            s0 += d0 * d0;
            s1 += d1 * d1;
        }
        for (; j < row.length; j++) {
            double d0 = row[j] - mean;
            s0 += d0 * d0;
        }
        return Math.sqrt((s0 + s1) / row.length);
    }

    /** Σ over the rows of a [R, C] array: [C]. */
    static INDArray columnSums(INDArray a) {
        int rows = (int) a.size(0);
        int cols = (int) a.size(1);
        Values v = Values.of(a);
        double[] sums = new double[cols];
        double[] row = new double[cols];
        for (int r = 0; r < rows; r++) {
            v.read(r * cols, row);
            for (int j = 0; j < cols; j++) {
                sums[j] += row[j];
            }
        }
        return Nd4j.createFromArray(sums).castTo(a.dataType());
    }

    /** table[ids[i]] += rows[i] for every row of rows [R, C] (repeated ids add up), in place. */
    static void scatterAddRows(INDArray table, int[] ids, INDArray rows) {
        int cols = (int) table.size(1);
        Values t = Values.of(table);
        Values r = Values.of(rows);
        double[] target = new double[cols];
        double[] update = new double[cols];
        for (int i = 0; i < ids.length; i++) {
            t.read(ids[i] * cols, target);
            r.read(i * cols, update);
            for (int j = 0; j < cols; j++) {
                target[j] += update[j];
            }
            t.write(ids[i] * cols, target);
        }
    }
}
