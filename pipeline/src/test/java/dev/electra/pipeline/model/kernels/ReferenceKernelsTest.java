package dev.electra.pipeline.model.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The reference path of {@link Kernels} (model.kernels = reference: ND4J's calls only, no host view of ND4J memory,
 * so correct on any backend) against the plain double loops of {@link Loops}; and the guard that keeps raw host
 * views out of it.
 */
class ReferenceKernelsTest {
    /**
     * ND4J's float reductions against double loops, relative to max(1, |value|): a float sum of n terms drifts by about
     * n·ε·max|term| at worst (1e-5 measured for 1,000 normal terms); a wrong formula moves values by ≥ 1e-2.
     */
    private static final double FLOAT_TOLERANCE = 1e-4;
    /** Both in double: only the order of the sums differs. */
    private static final double DOUBLE_TOLERANCE = 1e-12;

    @Test
    void layerNormAndItsBackwardPassInNd4jCalls() {
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            double tolerance = type == DataType.DOUBLE ? DOUBLE_TOLERANCE : FLOAT_TOLERANCE;
            INDArray x = random(1, type, 200, 70).muli(3).addi(1);
            x.getRow(11).assign(0.25); // a constant row: std 0, the std term dropped
            INDArray dy = random(2, type, 200, 70);
            INDArray gain = random(3, type, 70).addi(1);
            INDArray bias = random(4, type, 70);
            Map<String, INDArray> p = Map.of("ln/gain", gain, "ln/bias", bias);
            Map<String, INDArray> grads = new HashMap<>();
            INDArray y = Kernels.with(false, () -> Kernels.layerNorm(x, p, "ln"));
            INDArray dx = Kernels.with(false, () -> Kernels.layerNormBackward(dy, x, p, "ln", grads));
            INDArray[] expected = Loops.layerNormBackward(dy, x, gain);
            assertClose(type + " layer norm", Loops.layerNorm(x, gain, bias), y, tolerance);
            assertClose(type + " dx", expected[0], dx, tolerance);
            assertClose(type + " dGain", expected[1], grads.get("ln/gain"), tolerance);
            assertClose(type + " dBias", expected[2], grads.get("ln/bias"), tolerance);
            for (double v : dx.getRow(11).toDoubleVector()) {
                assertTrue(Double.isFinite(v), type + ": a constant row's gradient is finite, got " + v);
            }
        }
    }

    @Test
    void columnSumsInNd4jCalls() {
        INDArray a = random(5, DataType.FLOAT, 1000, 130);
        assertClose("column sums", Loops.columnSums(a), Kernels.with(false, () -> Kernels.columnSums(a)),
                FLOAT_TOLERANCE);
    }

    /**
     * The embedding tables' gradient, table[ids[i]] += rows[i] with repeated ids. Into an empty table both paths give
     * the sequential loop's float sums bit for bit (they add each id's rows in index order; a sum of two floats rounded
     * once is the same in float or double). Into a table that already holds a gradient (the tied word embeddings) the
     * reference adds each id's sum at the end, a different rounding; that must still be the same on every run.
     */
    @Test
    void scatterAddIsTheSequentialSumAndTheSameEveryRun() {
        int[] ids = new int[3000];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i % 37 == 0 ? 3 : (i * 31) % 500; // id 3 about 80 times, the others about 6 times each
        }
        INDArray rows = random(6, DataType.FLOAT, ids.length, 67);
        INDArray empty = Nd4j.zeros(DataType.FLOAT, 500, 67);
        INDArray held = random(7, DataType.FLOAT, 500, 67);
        INDArray fromEmpty = empty.dup();
        Loops.scatterAddRows(fromEmpty, ids, rows);
        INDArray fromHeld = held.dup();
        Loops.scatterAddRows(fromHeld, ids, rows);
        float[] firstHeld = null;
        for (boolean fused : new boolean[] {false, false, false, true}) {
            String path = fused ? "fused" : "reference";
            assertArrayEquals(fromEmpty.data().asFloat(), scatterAdd(fused, empty, ids, rows).data().asFloat(),
                    path + " scatter-add into an empty table against the sequential loop, bit for bit");
            INDArray table = scatterAdd(fused, held, ids, rows);
            assertClose(path + " scatter-add into a held gradient", fromHeld, table, FLOAT_TOLERANCE);
            if (fused) {
                assertArrayEquals(fromHeld.data().asFloat(), table.data().asFloat(), "fused: the sequential loop");
            } else if (firstHeld == null) {
                firstHeld = table.data().asFloat();
            } else {
                assertArrayEquals(firstHeld, table.data().asFloat(), "reference: the same bits on every run");
            }
        }
    }

    private static INDArray scatterAdd(boolean fused, INDArray start, int[] ids, INDArray rows) {
        INDArray table = start.dup();
        return Kernels.with(fused, () -> {
            Kernels.scatterAddRows(table, ids, rows);
            return table;
        });
    }

    /** A kernel that takes a raw host view in a pass without the fused kernels fails instead of computing. */
    @Test
    void aRawHostViewOutsideTheFusedKernelsIsRefused() {
        INDArray x = Nd4j.zeros(DataType.FLOAT, 4, 8);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Kernels.with(false, () -> VectorKernels.bytes(x)));
        assertTrue(e.getMessage().contains("without the fused kernels"), e.getMessage());
        assertTrue(Kernels.with(true, () -> VectorKernels.bytes(x)).capacity() == 4 * 32);
    }

    private static INDArray random(long seed, DataType type, long... shape) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.randn(DataType.DOUBLE, shape).castTo(type);
    }

    private static void assertClose(String what, INDArray expected, INDArray actual, double tolerance) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        double[] e = expected.dup('c').reshape(-1).toDoubleVector();
        double[] a = actual.dup('c').reshape(-1).toDoubleVector();
        double worst = 0;
        for (int i = 0; i < e.length; i++) {
            worst = Math.max(worst, Math.abs(e[i] - a[i]) / Math.max(1.0, Math.abs(e[i])));
        }
        assertTrue(worst < tolerance, what + ": max relative difference " + worst);
    }
}
