package dev.electra.pipeline.model.kernels;

import static dev.electra.pipeline.model.kernels.VectorKernels.bytes;
import static dev.electra.pipeline.model.kernels.VectorKernels.keepAlive;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.stream.IntStream;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Float matrix products c = op(a) · op(b) for the dense layers of the fused pass, with the register-blocked kernel of
 * {@link VectorAttention} (4 rows × 4 vectors, 16 accumulators) over a packed in blocks of 4 interleaved rows and b
 * in panels of 4 vectors' width, k in slices whose panels stay in L2. In a training step at small on a 2-core AMD
 * EPYC (Zen 5) the dense layers' products ran at 248 GFLOP/s (313–353 on the forward shapes) where ND4J's OpenBLAS
 * sgemm ran at 176 (docs/benchmarks.md, {@code bin/bench profile}); other CPUs are not measured.
 *
 * <p>Each element of c is one sum over k in order, in a single accumulator, whatever the number of threads: a run
 * gives the same bits on any number of cores (BLAS's blocking over k, and so its rounding, depends on the library
 * and the CPU). The rows of c are cut into one contiguous range per core; a ragged edge computes clamped rows or
 * zero-padded columns and writes only the real ones.
 */
final class VectorGemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = S.length();
    /** Columns of a packed panel of b: the kernel's 4 vectors. */
    private static final int PANEL = 4 * LANES;
    private static final int ROWS = 4;
    /** Rows of c a thread computes against every panel before moving on: their rows of a stay in L2. */
    private static final int GROUP = 64;
    /**
     * Steps of k per pass over c: a panel of b is at most SLICE × PANEL floats (256 KB with 16 lanes), in L2 with
     * the group's rows of a; only the weight gradients (k = the batch's tokens) take several passes.
     */
    private static final int SLICE = 1024;
    /**
     * The calling thread's packed a and b, grown as needed and reused (workers only read them): about 90 MB at
     * BERT's vocabulary, for the generator's output layer.
     */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

    private VectorGemm() {}

    /**
     * c [M, N] = op(a) · op(b), with op(a) [M, K] = a or aᵀ and op(b) [K, N] = b or bᵀ; every array a contiguous
     * row-major float array ({@link VectorKernels#applies}), c written whole.
     */
    static void multiply(INDArray a, INDArray b, INDArray c, boolean transposeA, boolean transposeB) {
        multiply(a, b, c, transposeA, transposeB, Epilogue.NONE);
    }

    /**
     * What happens to each finished tile of c on its way out: nothing; a dense layer's bias and GELU (c gets
     * c + bias, {@code activation} GELU(c + bias): {@link VectorKernels#biasGelu}'s arithmetic); or GELU's backward
     * pass (c gets c ∘ GELU′(geluInput): {@link VectorKernels#geluSlope}'s). Either way the bits of the separate pass.
     */
    record Epilogue(float[] bias, INDArray activation, INDArray geluInput) {
        static final Epilogue NONE = new Epilogue(null, null, null);

        /** Bias [N] and GELU, the activation into {@code activation} [M, N]. */
        static Epilogue biasGelu(INDArray bias, INDArray activation) {
            float[] b = bias.toFloatVector();
            return new Epilogue(java.util.Arrays.copyOf(b, VectorMath.padded(b.length)), activation, null);
        }

        /** Times GELU′ of {@code input} [M, N], GELU's input in the forward pass. */
        static Epilogue geluSlope(INDArray input) {
            return new Epilogue(null, null, input);
        }
    }

    /** {@link #multiply(INDArray, INDArray, INDArray, boolean, boolean)} with an epilogue on each tile of c. */
    static void multiply(INDArray a, INDArray b, INDArray c, boolean transposeA, boolean transposeB,
                         Epilogue epilogue) {
        int m = (int) (transposeA ? a.size(1) : a.size(0));
        int k = (int) (transposeA ? a.size(0) : a.size(1));
        int n = (int) (transposeB ? b.size(0) : b.size(1));
        int panels = (n + PANEL - 1) / PANEL;
        int blocks = (m + ROWS - 1) / ROWS;
        float[][] scratch = SCRATCH.get();
        if (scratch[0].length < (long) blocks * k * ROWS) {
            scratch[0] = new float[Math.multiplyExact(blocks * k, ROWS)];
        }
        if (scratch[1].length < (long) panels * k * PANEL) {
            scratch[1] = new float[Math.multiplyExact(panels * k, PANEL)];
        }
        float[] packedA = scratch[0];
        float[] packedB = scratch[1];
        long work = (long) m * n * k;
        ByteBuffer ab = bytes(a);
        ByteBuffer bb = bytes(b);
        if (transposeA) {
            parallel(blocks, work, (from, to) -> packTransposedA(ab, m, k, packedA, from, to));
        } else {
            parallel(blocks, work, (from, to) -> packA(ab, m, k, packedA, from, to));
        }
        parallel(panels, work, (from, to) -> packB(bb, transposeB, k, n, packedB, from, to));
        ByteBuffer cb = bytes(c);
        ByteBuffer activation = epilogue.activation() == null ? null : bytes(epilogue.activation());
        ByteBuffer geluInput = epilogue.geluInput() == null ? null : bytes(epilogue.geluInput());
        // k in slices whose panels stay in L2; each slice continues the sums where the last one stored them, so an
        // element is still one running sum over k in order
        for (int k0 = 0; k0 < k; k0 += SLICE) {
            int slice = Math.min(SLICE, k - k0);
            boolean first = k0 == 0;
            boolean last = k0 + slice == k;
            int from0 = k0;
            parallel(blocks, work, (from, to) -> {
                float[] tile = new float[ROWS * PANEL];
                float[] row = new float[PANEL];
                float[] other = new float[PANEL];
                float[] slope = new float[PANEL];
                for (int g = from; g < to; g += GROUP / ROWS) {
                    int groupEnd = Math.min(to, g + GROUP / ROWS);
                    for (int panel = 0; panel < panels; panel++) {
                        int j = panel * PANEL;
                        int width = Math.min(PANEL, n - j);
                        for (int block = g; block < groupEnd; block++) {
                            int i = block * ROWS;
                            int rows = Math.min(ROWS, m - i);
                            if (!first) {
                                for (int r = 0; r < rows; r++) {
                                    VectorKernels.read(cb, (i + r) * n + j, tile, r * PANEL, width);
                                }
                            }
                            block(packedA, (block * k + from0) * ROWS, packedB, (panel * k + from0) * PANEL, tile,
                                    slice, first);
                            for (int r = 0; r < rows; r++) {
                                int at = (i + r) * n + j;
                                if (last && activation != null) {
                                    System.arraycopy(tile, r * PANEL, row, 0, PANEL);
                                    VectorKernels.biasGelu(row, epilogue.bias(), j, other, width);
                                    VectorKernels.write(cb, at, row, 0, width);
                                    VectorKernels.write(activation, at, other, 0, width);
                                } else if (last && geluInput != null) {
                                    System.arraycopy(tile, r * PANEL, row, 0, PANEL);
                                    VectorKernels.read(geluInput, at, other, 0, width);
                                    VectorKernels.geluSlope(other, slope, row, width);
                                    VectorKernels.write(cb, at, row, 0, width);
                                } else {
                                    VectorKernels.write(cb, at, tile, r * PANEL, width);
                                }
                            }
                        }
                    }
                }
            });
        }
        keepAlive(a, b, c, epilogue.activation(), epilogue.geluInput());
    }

    private interface Range {
        void run(int from, int to);
    }

    /** Runs body over [0, count) in one contiguous range per core, or on this thread alone when the work is small. */
    private static void parallel(int count, long work, Range body) {
        int threads = VectorKernels.chunks(count, work / 64);
        if (threads == 1) {
            body.run(0, count);
            return;
        }
        IntStream.range(0, threads).parallel().forEach(t -> body.run((int) ((long) count * t / threads),
                (int) ((long) count * (t + 1) / threads)));
    }

    /**
     * Blocks from … to − 1 of a [M, K] into {@code packed}: block q holds rows 4q … 4q + 3 interleaved, K groups of
     * 4 (element (p, r) at (q·K + p)·4 + r); rows past M repeat the last row (their results are not written).
     */
    private static void packA(ByteBuffer a, int m, int k, float[] packed, int from, int to) {
        float[] row = new float[k];
        FloatBuffer f = a.asFloatBuffer();
        for (int block = from; block < to; block++) {
            for (int r = 0; r < ROWS; r++) {
                f.get(Math.min(block * ROWS + r, m - 1) * k, row, 0, k);
                int base = block * k * ROWS + r;
                for (int p = 0; p < k; p++) {
                    packed[base + p * ROWS] = row[p];
                }
            }
        }
    }

    /**
     * {@link #packA} for op(a) = aᵀ, a [K, M]: for each block, 4 adjacent elements of every row of a, so that the
     * writes are sequential and the rows' cache lines, shared by 4 consecutive blocks, are read from L2.
     */
    private static void packTransposedA(ByteBuffer a, int m, int k, float[] packed, int from, int to) {
        FloatBuffer f = a.asFloatBuffer();
        for (int block = from; block < to; block++) {
            int base = block * k * ROWS;
            int c0 = Math.min(block * ROWS, m - 1);
            int c1 = Math.min(block * ROWS + 1, m - 1);
            int c2 = Math.min(block * ROWS + 2, m - 1);
            int c3 = Math.min(block * ROWS + 3, m - 1);
            for (int p = 0, row = 0; p < k; p++, row += m) {
                int o = base + p * ROWS;
                packed[o] = f.get(row + c0);
                packed[o + 1] = f.get(row + c1);
                packed[o + 2] = f.get(row + c2);
                packed[o + 3] = f.get(row + c3);
            }
        }
    }

    /**
     * Panels from … to − 1 of op(b) [K, N] into {@code packed}: panel q holds columns q·PANEL … as K rows of PANEL
     * floats, zeros past column N.
     */
    private static void packB(ByteBuffer b, boolean transposed, int k, int n, float[] packed, int from, int to) {
        float[] row = transposed ? new float[k] : null;
        FloatBuffer f = b.asFloatBuffer();
        for (int panel = from; panel < to; panel++) {
            int j0 = panel * PANEL;
            int width = Math.min(PANEL, n - j0);
            int base = panel * k * PANEL;
            if (transposed) {
                // op(b)(p, j) = b[j, p]: each of the panel's columns is a row of b
                for (int j = 0; j < width; j++) {
                    f.get((j0 + j) * k, row, 0, k);
                    for (int p = 0; p < k; p++) {
                        packed[base + p * PANEL + j] = row[p];
                    }
                }
            } else {
                for (int p = 0; p < k; p++) {
                    f.get(p * n + j0, packed, base + p * PANEL, width);
                }
            }
            if (width < PANEL) {
                for (int p = 0; p < k; p++) {
                    java.util.Arrays.fill(packed, base + p * PANEL + width, base + (p + 1) * PANEL, 0f);
                }
            }
        }
    }

    /**
     * tile [4, PANEL] = (tile, unless {@code first}) + the packed block of A at a0 times the packed panel at b0, over
     * {@code k} steps. The loads and stores are written out, and no vector crosses a method of ours (VectorKernels'
     * class comment says why).
     */
    private static void block(float[] a, int a0, float[] b, int b0, float[] tile, int k, boolean first) {
        FloatVector c00 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, tile, 0);
        FloatVector c01 = first ? c00 : FloatVector.fromArray(S, tile, LANES);
        FloatVector c02 = first ? c00 : FloatVector.fromArray(S, tile, 2 * LANES);
        FloatVector c03 = first ? c00 : FloatVector.fromArray(S, tile, 3 * LANES);
        FloatVector c10 = first ? c00 : FloatVector.fromArray(S, tile, PANEL);
        FloatVector c11 = first ? c00 : FloatVector.fromArray(S, tile, PANEL + LANES);
        FloatVector c12 = first ? c00 : FloatVector.fromArray(S, tile, PANEL + 2 * LANES);
        FloatVector c13 = first ? c00 : FloatVector.fromArray(S, tile, PANEL + 3 * LANES);
        FloatVector c20 = first ? c00 : FloatVector.fromArray(S, tile, 2 * PANEL);
        FloatVector c21 = first ? c00 : FloatVector.fromArray(S, tile, 2 * PANEL + LANES);
        FloatVector c22 = first ? c00 : FloatVector.fromArray(S, tile, 2 * PANEL + 2 * LANES);
        FloatVector c23 = first ? c00 : FloatVector.fromArray(S, tile, 2 * PANEL + 3 * LANES);
        FloatVector c30 = first ? c00 : FloatVector.fromArray(S, tile, 3 * PANEL);
        FloatVector c31 = first ? c00 : FloatVector.fromArray(S, tile, 3 * PANEL + LANES);
        FloatVector c32 = first ? c00 : FloatVector.fromArray(S, tile, 3 * PANEL + 2 * LANES);
        FloatVector c33 = first ? c00 : FloatVector.fromArray(S, tile, 3 * PANEL + 3 * LANES);
        int bo = b0;
        int ap = a0;
        for (int p = 0; p < k; p++, bo += PANEL, ap += ROWS) {
            FloatVector b0v = FloatVector.fromArray(S, b, bo);
            FloatVector b1v = FloatVector.fromArray(S, b, bo + LANES);
            FloatVector b2v = FloatVector.fromArray(S, b, bo + 2 * LANES);
            FloatVector b3v = FloatVector.fromArray(S, b, bo + 3 * LANES);
            FloatVector x = FloatVector.broadcast(S, a[ap]);
            c00 = x.fma(b0v, c00);
            c01 = x.fma(b1v, c01);
            c02 = x.fma(b2v, c02);
            c03 = x.fma(b3v, c03);
            x = FloatVector.broadcast(S, a[ap + 1]);
            c10 = x.fma(b0v, c10);
            c11 = x.fma(b1v, c11);
            c12 = x.fma(b2v, c12);
            c13 = x.fma(b3v, c13);
            x = FloatVector.broadcast(S, a[ap + 2]);
            c20 = x.fma(b0v, c20);
            c21 = x.fma(b1v, c21);
            c22 = x.fma(b2v, c22);
            c23 = x.fma(b3v, c23);
            x = FloatVector.broadcast(S, a[ap + 3]);
            c30 = x.fma(b0v, c30);
            c31 = x.fma(b1v, c31);
            c32 = x.fma(b2v, c32);
            c33 = x.fma(b3v, c33);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, LANES);
        c02.intoArray(tile, 2 * LANES);
        c03.intoArray(tile, 3 * LANES);
        c10.intoArray(tile, PANEL);
        c11.intoArray(tile, PANEL + LANES);
        c12.intoArray(tile, PANEL + 2 * LANES);
        c13.intoArray(tile, PANEL + 3 * LANES);
        c20.intoArray(tile, 2 * PANEL);
        c21.intoArray(tile, 2 * PANEL + LANES);
        c22.intoArray(tile, 2 * PANEL + 2 * LANES);
        c23.intoArray(tile, 2 * PANEL + 3 * LANES);
        c30.intoArray(tile, 3 * PANEL);
        c31.intoArray(tile, 3 * PANEL + LANES);
        c32.intoArray(tile, 3 * PANEL + 2 * LANES);
        c33.intoArray(tile, 3 * PANEL + 3 * LANES);
    }
}
