package dev.electra.pipeline.model.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Each fused float kernel ({@link VectorKernels}, through {@link Kernels}' dispatch) against the reference path on
 * the same values in double (ND4J's calls, held to {@link Loops} by ReferenceKernelsTest). Widths that are not
 * a multiple of the SIMD lanes exercise the scalar tails; sizes above the parallel threshold split rows across cores.
 */
class VectorKernelsTest {
    private static final double TOLERANCE = 2e-5;
    /** The logits noise.SamplingTest samples the graph's sampler at, repeated with small offsets below. */
    private static final double[] SAMPLED_LOGITS = {1.0, 0.2, -0.5, 2.0, 0.0};

    /** The build runs the tests with the Vector API module, so the float path here is the fused one. */
    @Test
    void testsRunWithTheVectorApi() {
        assertTrue(Kernels.MODULE, "the JVM lacks --add-modules=jdk.incubator.vector (pom.xml test.argLine)");
        assertTrue(Kernels.vector(Nd4j.zeros(DataType.FLOAT, 2, 3)));
        assertFalse(Kernels.vector(Nd4j.zeros(DataType.DOUBLE, 2, 3)), "double stays on the reference path");
        assertFalse(Kernels.vector(Nd4j.zeros(DataType.FLOAT, 3, 4).transpose()), "a transposed view is not fused");
    }

    /** GELU(x + bias) with the bias add fused in, and its backward pass (which recomputes the gate). */
    @ParameterizedTest
    @ValueSource(ints = {50, 256})
    void geluAndItsBackwardPass(int cols) {
        INDArray x = random(1, 700, cols).muli(3);
        INDArray bias = random(23, cols);
        INDArray dOut = random(2, 700, cols);
        Kernels.Gelu fused = Kernels.biasGelu(x.dup(), bias);
        Kernels.Gelu reference = Kernels.biasGelu(x.castTo(DataType.DOUBLE), bias.castTo(DataType.DOUBLE));
        assertClose("x + bias, kept", reference.input(), fused.input());
        assertClose("gelu(x + bias)", reference.output(), fused.output());
        assertClose("gelu backward", Kernels.geluBackward(dOut.castTo(DataType.DOUBLE), reference),
                Kernels.geluBackward(dOut.dup(), fused));
    }

    /**
     * The fused GEMM against BLAS in double, every transpose: shapes that fill whole panels and register blocks, and
     * ragged ones (rows not a multiple of 4, columns not of a panel, a single column or row, k = 1), above and below
     * the parallel threshold. Each element is one in-order sum over k, so 1 and several threads give the same bits.
     */
    @ParameterizedTest
    @CsvSource({"256, 128, 192", "37, 50, 70", "4096, 64, 1", "1, 300, 65", "9, 1, 17", "130, 700, 300"})
    void gemmEveryTranspose(int m, int k, int n) {
        for (boolean transposeA : new boolean[] {false, true}) {
            for (boolean transposeB : new boolean[] {false, true}) {
                INDArray a = transposeA ? random(11, k, m) : random(11, m, k);
                INDArray b = transposeB ? random(12, n, k) : random(12, k, n);
                INDArray fused = Kernels.gemm(a, b, transposeA, transposeB);
                INDArray reference = Kernels.gemm(a.castTo(DataType.DOUBLE), b.castTo(DataType.DOUBLE), transposeA,
                        transposeB);
                // a float sum of k products of unit normals: relative error grows like √k · 2^-24
                assertClose("gemm " + m + "×" + k + "×" + n + " ta=" + transposeA + " tb=" + transposeB,
                        reference.divi(Math.sqrt(k)), fused.divi(Math.sqrt(k)));
            }
        }
    }

    /**
     * A row of the product does not depend on how the rows were cut among threads: rows 101 … 164 alone (another
     * split among the threads, another alignment of the 4-row blocks) give the bits of those rows in the whole
     * product: the sum over k never splits.
     */
    @Test
    void gemmRowsDoNotDependOnTheSplit() {
        INDArray a = random(13, 512, 256);
        INDArray b = random(14, 256, 300);
        INDArray whole = Kernels.gemm(a, b, false, false);
        INDArray rows = a.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(101, 165),
                org.nd4j.linalg.indexing.NDArrayIndex.all()).dup('c');
        INDArray part = Kernels.gemm(rows, b.dup('c'), false, false);
        assertArrayEquals(whole.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(101, 165),
                org.nd4j.linalg.indexing.NDArrayIndex.all()).dup('c').reshape(-1).toFloatVector(),
                part.reshape(-1).toFloatVector());
    }

    /**
     * A dense layer with GELU, forward and backward, with the bias and GELU (and GELU′) applied in the GEMM's epilogue:
     * the bits of the GEMM followed by the separate fused passes, and the reference in double to tolerance. 70 output
     * columns leave a ragged panel.
     */
    @ParameterizedTest
    @ValueSource(ints = {70, 256})
    void denseGeluWithTheEpilogue(int out) {
        int rows = 301;
        int in = 96;
        Map<String, INDArray> p = new HashMap<>();
        p.put("d/kernel", random(16, in, out).divi(Math.sqrt(in)));
        p.put("d/bias", random(17, out));
        p.put("o/kernel", random(18, out, 40).divi(Math.sqrt(out)));
        p.put("o/bias", random(19, 40));
        INDArray x = random(20, rows, in);
        INDArray dOut = random(21, rows, 40);
        Kernels.Gelu fused = Kernels.denseGelu(x, p, "d");
        Kernels.Gelu separate = Kernels.biasGelu(Kernels.gemm(x, p.get("d/kernel"), false, false), p.get("d/bias"));
        assertArrayEquals(separate.input().reshape(-1).toFloatVector(), fused.input().reshape(-1).toFloatVector());
        assertArrayEquals(separate.output().reshape(-1).toFloatVector(), fused.output().reshape(-1).toFloatVector());
        Map<String, INDArray> grads = new HashMap<>();
        INDArray du = Kernels.denseGeluBackward(dOut.dup(), fused, p, "o", grads);
        INDArray separateDu = Kernels.geluBackward(Kernels.gemm(dOut, p.get("o/kernel"), false, true), separate);
        assertArrayEquals(separateDu.reshape(-1).toFloatVector(), du.reshape(-1).toFloatVector());

        Map<String, INDArray> pd = new HashMap<>();
        p.forEach((k, v) -> pd.put(k, v.castTo(DataType.DOUBLE)));
        Kernels.Gelu reference = Kernels.denseGelu(x.castTo(DataType.DOUBLE), pd, "d");
        assertClose("dense + GELU", reference.output(), fused.output());
        Map<String, INDArray> referenceGrads = new HashMap<>();
        assertClose("through GELU's backward pass", Kernels.denseGeluBackward(dOut.castTo(DataType.DOUBLE),
                reference, pd, "o", referenceGrads), du);
        // a sum over the 301 rows: rounding grows like √rows
        assertClose("kernel gradient", referenceGrads.get("o/kernel").div(Math.sqrt(rows)),
                grads.get("o/kernel").div(Math.sqrt(rows)));
    }

    /** The fused softmax over rows against ND4J's op in double, at a width with a scalar tail and at BERT's vocabulary. */
    @ParameterizedTest
    @CsvSource({"7, 50", "40, 30522"})
    void softmaxOverRows(int rows, int cols) {
        INDArray logits = random(15, rows, cols).muli(4);
        assertClose("softmax", Kernels.softmax(logits.castTo(DataType.DOUBLE)), Kernels.softmax(logits));
    }

    /** L = 128, d = 64 fill the product kernel's register blocks; L = 37, d = 24 leave edges. */
    @ParameterizedTest
    @CsvSource({"128, 64", "37, 24"})
    void attentionAndItsBackwardPass(int length, int d) {
        int batch = 3;
        int heads = 2;
        INDArray qkv = random(3, batch * length, 3 * heads * d);
        INDArray dContext = random(6, batch * length, heads * d);
        // the last positions of sequence 1 are padding (the model's bias is −10000 there)
        INDArray bias = Nd4j.zeros(DataType.FLOAT, batch, 1, 1, length);
        for (int t = length - 5; t < length; t++) {
            bias.putScalar(new long[] {1, 0, 0, t}, -10000);
        }
        INDArray mask = Nd4j.rand(DataType.FLOAT, batch, heads, length, length).gt(0.1).castTo(DataType.FLOAT)
                .muli(1 / 0.9);
        for (INDArray m : new INDArray[] {mask, Nd4j.ones(DataType.FLOAT, 1, 1, 1, 1)}) {
            Kernels.Attention fused = Kernels.attention(qkv, bias, m, batch, length, heads);
            Kernels.Attention reference = Kernels.attention(qkv.castTo(DataType.DOUBLE), bias.castTo(DataType.DOUBLE),
                    m.castTo(DataType.DOUBLE), batch, length, heads);
            assertClose("probabilities", reference.probs(), fused.probs());
            assertClose("context", reference.context(), fused.context());
            assertEquals(0.0, fused.probs().getDouble(1, 1, 3, length - 1), 0.0, "a padded key gets no attention");
            assertClose("dqkv", Kernels.attentionBackward(dContext.castTo(DataType.DOUBLE),
                    qkv.castTo(DataType.DOUBLE), reference, m.castTo(DataType.DOUBLE), batch, length, heads),
                    Kernels.attentionBackward(dContext, qkv, fused, m, batch, length, heads));
        }
    }

    @Test
    void tileProductsWithAndWithoutEdges() {
        for (int[] shape : new int[][] {{128, 64, 128}, {8, 128, 64}, {37, 24, 37}, {5, 3, 70}}) {
            int m = shape[0];
            int k = shape[1];
            int n = shape[2];
            INDArray a = random(20, m, k);
            INDArray b = random(21, k, n);
            INDArray expected = a.castTo(DataType.DOUBLE).mmul(b.castTo(DataType.DOUBLE));
            float[] c = new float[m * n];
            VectorAttention.multiply(a.data().asFloat(), false, b.data().asFloat(), c, m, k, n);
            assertClose("product " + m + "x" + k + "x" + n, expected, Nd4j.createFromArray(c).reshape(m, n));
            float[] aT = a.transpose().dup('c').data().asFloat();
            VectorAttention.multiply(aT, true, b.data().asFloat(), c, m, k, n);
            assertClose("product with A transposed " + m + "x" + k + "x" + n, expected,
                    Nd4j.createFromArray(c).reshape(m, n));
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

    @ParameterizedTest
    @ValueSource(ints = {50, 256})
    void biasDropoutResidual(int cols) {
        INDArray x = random(22, 300, cols);
        INDArray bias = random(23, cols);
        INDArray mask = random(24, 300, cols);
        INDArray residual = random(25, 300, cols);
        for (INDArray m : new INDArray[] {mask, null}) {
            assertClose("bias, dropout, residual", Kernels.biasDropoutResidual(x.castTo(DataType.DOUBLE),
                    bias.castTo(DataType.DOUBLE), m == null ? null : m.castTo(DataType.DOUBLE),
                    residual.castTo(DataType.DOUBLE)), Kernels.biasDropoutResidual(x.dup(), bias, m, residual));
        }
    }

    @Test
    void elementWiseInPlace() {
        INDArray a = random(13, 513, 129);
        INDArray b = random(14, 513, 129);
        assertClose("add", a.castTo(DataType.DOUBLE).addi(b.castTo(DataType.DOUBLE)), Kernels.addInPlace(a.dup(), b));
        assertClose("dropout", a.castTo(DataType.DOUBLE).muli(b.castTo(DataType.DOUBLE)), Kernels.dropout(a.dup(), b));
    }

    @Test
    void columnsAreJoinedAndCut() {
        INDArray a = random(17, 33, 16);
        INDArray b = random(18, 33, 21);
        INDArray joined = Kernels.concatColumns(a, b);
        assertEquals(Nd4j.concat(1, a, b), joined);
        assertEquals(b, Kernels.columns(joined, 16, 37));
        INDArray u = random(19, 40);
        INDArray w = random(20, 24);
        assertEquals(Nd4j.concat(0, u, w), Kernels.concatColumns(u, w));
        assertEquals(w, Kernels.columns(Kernels.concatColumns(u, w), 40, 64));
        assertClose("masked", a.castTo(DataType.DOUBLE).mul(a.castTo(DataType.DOUBLE)), Kernels.masked(a, a));
    }

    /**
     * The fused Gumbel-max sampler picks the reference's id on every row (the reference computed in double from the
     * same noise and logits; a different id is allowed only at a near-tie), at temperature 1 and 0.5, with and without
     * the disallowed id.
     */
    @Test
    void gumbelSamplesAgreeWithTheReference() {
        int rows = 640;
        int v = 1007;
        Nd4j.getRandom().setSeed(26);
        INDArray u = Nd4j.rand(DataType.FLOAT, rows, v);
        INDArray logits = random(27, rows, v).muli(3);
        int[] disallowed = new int[rows];
        for (int r = 0; r < rows; r++) {
            disallowed[r] = (r * 37) % v;
        }
        for (double temperature : new double[] {1.0, 0.5}) {
            for (int[] forbid : new int[][] {null, disallowed}) {
                int[] fused = VectorKernels.gumbelArgmax(u, logits, (float) temperature, forbid, 1e9f, 1e-9f);
                double[][] score = new double[rows][v];
                for (int r = 0; r < rows; r++) {
                    for (int j = 0; j < v; j++) {
                        score[r][j] = -Math.log(-Math.log(u.getFloat(r, j) + 1e-9) + 1e-9)
                                + logits.getFloat(r, j) / temperature - (forbid != null && forbid[r] == j ? 1e9 : 0);
                    }
                }
                for (int r = 0; r < rows; r++) {
                    int best = 0;
                    for (int j = 1; j < v; j++) {
                        best = score[r][j] > score[r][best] ? j : best;
                    }
                    if (fused[r] != best) {
                        assertEquals(score[r][best], score[r][fused[r]], 1e-5, "row " + r + ": not a near-tie");
                    }
                    assertTrue(forbid == null || fused[r] != forbid[r], "the disallowed id was sampled");
                }
            }
        }
    }

    /** Samples of the fused sampler follow the softmax of 20 fixed logits (χ², 19 degrees of freedom, α = 0.001). */
    @Test
    void gumbelSamplesFollowTheSoftmax() {
        int draws = 20000;
        int v = 20;
        double[] logits = new double[v];
        for (int j = 0; j < v; j++) {
            logits[j] = SAMPLED_LOGITS[j % SAMPLED_LOGITS.length] + 0.1 * (j / SAMPLED_LOGITS.length);
        }
        INDArray l = Nd4j.createFromArray(logits).castTo(DataType.FLOAT).reshape(1, v).repeat(0, draws);
        Nd4j.getRandom().setSeed(28);
        int[] ids = VectorKernels.gumbelArgmax(Nd4j.rand(DataType.FLOAT, draws, v), l, 1f, null, 1e9f, 1e-9f);
        int[] counts = new int[v];
        for (int id : ids) {
            counts[id]++;
        }
        double z = 0;
        for (double x : logits) {
            z += Math.exp(x);
        }
        double chi2 = 0;
        for (int j = 0; j < v; j++) {
            double expected = draws * Math.exp(logits[j]) / z;
            chi2 += (counts[j] - expected) * (counts[j] - expected) / expected;
        }
        assertTrue(chi2 < 43.82, "chi2 " + chi2);
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
