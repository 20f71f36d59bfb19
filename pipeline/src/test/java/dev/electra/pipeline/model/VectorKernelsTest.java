package dev.electra.pipeline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Each fused float kernel ({@link VectorKernels}, through {@link Kernels}' dispatch) against the reference path on
 * the same values in double (ND4J's calls and {@link Loops}, which the gradient checks verify). Widths that are not
 * a multiple of the SIMD lanes exercise the scalar tails; sizes above the parallel threshold split rows across cores.
 */
class VectorKernelsTest {
    private static final double TOLERANCE = 2e-5;

    /** The build runs the tests with the Vector API module, so the float path here is the fused one. */
    @Test
    void testsRunWithTheVectorApi() {
        assertTrue(Kernels.VECTOR, "the JVM lacks --add-modules=jdk.incubator.vector (pom.xml test.argLine)");
        assertTrue(Kernels.vector(Nd4j.zeros(DataType.FLOAT, 2, 3)));
        assertFalse(Kernels.vector(Nd4j.zeros(DataType.DOUBLE, 2, 3)), "double stays on the reference path");
        assertFalse(Kernels.vector(Nd4j.zeros(DataType.FLOAT, 3, 4).transpose()), "a transposed view is not fused");
    }

    @ParameterizedTest
    @ValueSource(ints = {50, 256})
    void geluAndItsBackwardPass(int cols) {
        INDArray x = random(1, 700, cols).muli(3);
        INDArray dOut = random(2, 700, cols);
        Kernels.Gelu fused = Kernels.gelu(x);
        Kernels.Gelu reference = Kernels.gelu(x.castTo(DataType.DOUBLE));
        assertClose("gelu", reference.output(), fused.output());
        assertClose("gelu backward", Kernels.geluBackward(dOut.castTo(DataType.DOUBLE), x.castTo(DataType.DOUBLE),
                reference), Kernels.geluBackward(dOut.dup(), x, fused));
    }

    @ParameterizedTest
    @ValueSource(ints = {37, 128})
    void attentionProbabilitiesAndTheirBackwardPass(int length) {
        int batch = 3;
        int heads = 2;
        INDArray scores = random(3, batch, heads, length, length).muli(4);
        // the last positions of sequence 1 are padding (the model's bias is −10000 there)
        INDArray bias = Nd4j.zeros(DataType.FLOAT, batch, 1, 1, length);
        for (int t = length - 5; t < length; t++) {
            bias.putScalar(new long[] {1, 0, 0, t}, -10000);
        }
        INDArray mask = Nd4j.rand(DataType.FLOAT, batch, heads, length, length).gt(0.1).castTo(DataType.FLOAT)
                .muli(1 / 0.9);
        INDArray dProbs = random(4, batch, heads, length, length);
        double scale = 1 / Math.sqrt(32);
        for (INDArray m : new INDArray[] {mask, Nd4j.ones(DataType.FLOAT, 1, 1, 1, 1)}) {
            INDArray[] fused = Kernels.attentionProbs(scores.dup(), bias, scale, m);
            INDArray[] reference = Kernels.attentionProbs(scores.castTo(DataType.DOUBLE),
                    bias.castTo(DataType.DOUBLE), scale, m.castTo(DataType.DOUBLE));
            assertClose("probabilities", reference[0], fused[0]);
            assertClose("dropped probabilities", reference[1], fused[1]);
            assertEquals(0.0, fused[0].getDouble(1, 1, 3, length - 1), 0.0, "a padded key gets no attention");
            assertClose("probabilities backward", Kernels.attentionProbsBackward(dProbs.castTo(DataType.DOUBLE),
                    reference[0], m.castTo(DataType.DOUBLE), scale),
                    Kernels.attentionProbsBackward(dProbs.dup(), fused[0], m, scale));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {50, 256})
    void layerNormAndItsBackwardPass(int cols) {
        INDArray x = random(5, 300, cols).muli(2).addi(1);
        x.getRow(7).assign(0.5); // a constant row: std 0
        INDArray dy = random(6, 300, cols);
        Map<String, INDArray> p = Map.of("ln/gain", random(7, cols).addi(1), "ln/bias", random(8, cols));
        Map<String, INDArray> pd = Map.of("ln/gain", p.get("ln/gain").castTo(DataType.DOUBLE), "ln/bias",
                p.get("ln/bias").castTo(DataType.DOUBLE));
        assertClose("layer norm", Kernels.layerNorm(x.castTo(DataType.DOUBLE), pd, "ln"),
                Kernels.layerNorm(x, p, "ln"));
        Map<String, INDArray> fusedGrads = new HashMap<>();
        Map<String, INDArray> referenceGrads = new HashMap<>();
        assertClose("layer norm backward", Kernels.layerNormBackward(dy.castTo(DataType.DOUBLE),
                x.castTo(DataType.DOUBLE), pd, "ln", referenceGrads), Kernels.layerNormBackward(dy, x, p, "ln",
                fusedGrads));
        for (String name : new String[] {"ln/gain", "ln/bias"}) {
            assertClose(name + " gradient", referenceGrads.get(name), fusedGrads.get(name));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {50, 512})
    void denseLayerWithItsBiasAndColumnSums(int cols) {
        INDArray x = random(9, 400, 64);
        Map<String, INDArray> p = Map.of("d/kernel", random(10, 64, cols), "d/bias", random(11, cols));
        Map<String, INDArray> pd = Map.of("d/kernel", p.get("d/kernel").castTo(DataType.DOUBLE), "d/bias",
                p.get("d/bias").castTo(DataType.DOUBLE));
        assertClose("dense", Kernels.dense(x.castTo(DataType.DOUBLE), pd, "d"), Kernels.dense(x, p, "d"));
        INDArray a = random(12, 1000, cols);
        assertClose("column sums", Kernels.columnSums(a.castTo(DataType.DOUBLE)), Kernels.columnSums(a));
    }

    @Test
    void elementWiseInPlace() {
        INDArray a = random(13, 513, 129);
        INDArray b = random(14, 513, 129);
        assertClose("add", a.castTo(DataType.DOUBLE).addi(b.castTo(DataType.DOUBLE)), Kernels.addInPlace(a.dup(), b));
        assertClose("dropout", a.castTo(DataType.DOUBLE).muli(b.castTo(DataType.DOUBLE)), Kernels.dropout(a.dup(), b));
    }

    @Test
    void headsAreSplitAndMerged() {
        int batch = 3;
        int length = 70;
        int heads = 4;
        INDArray x = random(15, batch * length, heads * 24);
        INDArray split = Kernels.splitHeads(x, batch, length, heads);
        INDArray expected = x.reshape('c', batch, length, heads, 24).permute(0, 2, 1, 3).dup('c');
        assertArrayEquals(expected.shape(), split.shape());
        assertEquals(expected, split);
        assertEquals(x, Kernels.mergeHeads(split));
    }

    private static INDArray random(long seed, long... shape) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.randn(DataType.FLOAT, shape);
    }

    /** Largest difference relative to max(1, |reference|) within {@link #TOLERANCE}. */
    private static void assertClose(String what, INDArray reference, INDArray actual) {
        assertEquals(DataType.FLOAT, actual.dataType(), what + " ran in float");
        assertArrayEquals(reference.shape(), actual.shape(), what + " shape");
        double[] r = reference.dup('c').reshape(-1).toDoubleVector();
        double[] a = actual.dup('c').reshape(-1).toDoubleVector();
        double worst = 0;
        for (int i = 0; i < r.length; i++) {
            worst = Math.max(worst, Math.abs(r[i] - a[i]) / Math.max(1.0, Math.abs(r[i])));
        }
        assertTrue(worst < TOLERANCE, what + ": max relative difference " + worst);
    }
}
