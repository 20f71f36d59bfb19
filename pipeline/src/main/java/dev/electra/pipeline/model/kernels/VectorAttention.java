package dev.electra.pipeline.model.kernels;

import static dev.electra.pipeline.model.kernels.VectorKernels.bytes;
import static dev.electra.pipeline.model.kernels.VectorKernels.keepAlive;
import static dev.electra.pipeline.model.kernels.VectorKernels.read;
import static dev.electra.pipeline.model.kernels.VectorKernels.write;

import java.nio.ByteBuffer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Multi-head self-attention on float arrays, one (sequence, head) pair at a time with every [L, L] and [L, d] tile in
 * the core's cache: q·kᵀ, the masked softmax, dropout and the product with v in one pass (the backward pass likewise),
 * reading q, k, v straight from the fused projection's [B·L, 3H] output and writing the context as [B·L, H], so
 * there is no head split or merge and no [B, heads, L, L] intermediate but the probabilities. The products are a
 * register-blocked Vector API kernel (≈ 90 GFLOP/s on 2 cores here against ≈ 40 for ND4J's batched matmul at
 * [32, 4, 128, 64], docs/benchmarks.md). Only {@link Kernels} calls this class, under the conditions of
 * {@link VectorKernels}; ND4J's calls in {@link Kernels} are the reference it is tested against.
 */
final class VectorAttention {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = S.length();
    /** Columns of the product kernel's register block: 4 rows × 4 vectors, 16 accumulators. */
    private static final int BLOCK_COLUMNS = 4 * LANES;
    private static final int BLOCK_ROWS = 4;

    private VectorAttention() {}

    /** One thread's tiles, reused across the (sequence, head) pairs it handles: five [L, d] and three [L, L]. */
    private static final class Tiles {
        final float[] q;
        final float[] k;
        final float[] v;
        final float[] out;
        final float[] work;
        final float[] p;
        final float[] mask;
        final float[] a;
        final float[] lanes = new float[LANES];
        /** One softmax row, padded to whole vectors. */
        final float[] row;
        /** Nanoseconds by stage of the pairs this thread handled, when profiling ({@link Profile}). */
        final long[] stages = new long[6];
        long lap;

        /** Ends the current stage of a pair (which began at the last lap) as stage {@code stage}. */
        void lap(int stage) {
            if (Profile.ON) {
                long now = System.nanoTime();
                stages[stage] += now - lap;
                lap = now;
            }
        }

        Tiles(int l, int d) {
            row = new float[VectorMath.padded(l)];
            q = new float[l * d];
            k = new float[l * d];
            v = new float[l * d];
            out = new float[l * d];
            work = new float[l * d];
            p = new float[l * l];
            mask = new float[l * l];
            a = new float[l * l];
        }
    }

    private interface PairBody {
        void run(Tiles tiles, int b, int h);
    }

    /**
     * Runs body for every (sequence, head) pair, one contiguous range of pairs per core; returns the stages'
     * nanoseconds summed over the threads (zeros unless profiling).
     */
    private static long[] forPairs(int batch, int heads, int l, int d, PairBody body) {
        int pairs = batch * heads;
        long[] stages = new long[6];
        VectorKernels.forRows(pairs, (long) pairs * l * l, (chunk, from, to) -> {
            Tiles tiles = new Tiles(l, d);
            for (int pair = from; pair < to; pair++) {
                tiles.lap = Profile.start();
                body.run(tiles, pair / heads, pair % heads);
            }
            synchronized (stages) {
                for (int i = 0; i < stages.length; i++) {
                    stages[i] += tiles.stages[i];
                }
            }
        });
        return stages;
    }

    /** The forward pass's stages as a profile shows them (tile copies: the head's columns in and out of the tiles). */
    private static final String[] FORWARD_STAGES = {"attention tile copies", "attention scores q·kᵀ",
        "attention softmax", "attention dropout", "attention weighted sum p·v"};
    private static final String[] BACKWARD_STAGES = {"attention backward tile copies", "attention backward dv",
        "attention backward dp = dOut·vᵀ", "attention backward softmax", "attention backward dq",
        "attention backward dk"};

    /**
     * context = dropout(softmax(scale·q·kᵀ + bias)) · v for each head, with qkv [B·L, 3H] = [q | k | v] (head h of q
     * is columns h·d …, of k H + h·d …, of v 2H + h·d …), bias [B·L] (the additive padding bias of each key), mask
     * [B, heads, L, L] or null, context [B·L, H]; the probabilities before dropout go to probs [B, heads, L, L] for
     * the backward pass.
     */
    static void forward(INDArray qkv, float[] bias, float scale, INDArray mask, INDArray probs, INDArray context,
                        int batch, int length, int heads) {
        int l = length;
        int hidden = (int) qkv.size(1) / 3;
        int d = hidden / heads;
        ByteBuffer x = bytes(qkv);
        ByteBuffer pf = bytes(probs);
        ByteBuffer mf = mask == null ? null : bytes(mask);
        ByteBuffer cf = bytes(context);
        long start = Profile.start();
        long[] stages = forPairs(batch, heads, l, d, (t, b, h) -> {
            int row = b * l;
            readHead(x, 3 * hidden, h * d, row, l, d, t.q);
            readHead(x, 3 * hidden, hidden + h * d, row, l, d, t.k);
            readHead(x, 3 * hidden, 2 * hidden + h * d, row, l, d, t.v);
            transpose(t.k, l, d, t.work);
            t.lap(0);
            multiply(t.q, false, t.work, t.p, l, d, l);
            t.lap(1);
            softmaxRows(t.p, l, scale, bias, row, t.row, t.lanes);
            t.lap(2);
            int tile = (b * heads + h) * l * l;
            write(pf, tile, t.p, 0, l * l);
            t.lap(0);
            float[] dropped = t.p;
            if (mf != null) {
                read(mf, tile, t.a, 0, l * l);
                multiplyInPlace(t.a, t.p);
                dropped = t.a;
            }
            t.lap(3);
            multiply(dropped, false, t.v, t.out, l, l, d);
            t.lap(4);
            writeHead(cf, hidden, h * d, row, l, d, t.out);
            t.lap(0);
        });
        keepAlive(qkv, probs, mask, context);
        double product = 2.0 * batch * heads * l * l * d;
        Profile.apportion(start, FORWARD_STAGES, stages, new double[] {0, product, 0, 0, product});
    }

    /**
     * The backward pass of {@link #forward}: from dContext [B·L, H], the gradients of q, k and v into dqkv
     * [B·L, 3H] (the layout of qkv, overwritten).
     */
    static void backward(INDArray dContext, INDArray qkv, INDArray probs, INDArray mask, float scale, INDArray dqkv,
                         int batch, int length, int heads) {
        int l = length;
        int hidden = (int) qkv.size(1) / 3;
        int d = hidden / heads;
        ByteBuffer dcf = bytes(dContext);
        ByteBuffer x = bytes(qkv);
        ByteBuffer pf = bytes(probs);
        ByteBuffer mf = mask == null ? null : bytes(mask);
        ByteBuffer dx = bytes(dqkv);
        long start = Profile.start();
        long[] stages = forPairs(batch, heads, l, d, (t, b, h) -> {
            int row = b * l;
            int tile = (b * heads + h) * l * l;
            readHead(dcf, hidden, h * d, row, l, d, t.out);
            read(pf, tile, t.p, 0, l * l);
            float[] m = null;
            System.arraycopy(t.p, 0, t.a, 0, l * l);
            if (mf != null) {
                m = t.mask;
                read(mf, tile, m, 0, l * l);
                multiplyInPlace(t.a, m);
            }
            t.lap(0);
            // dv = droppedᵀ · dOut
            multiply(t.a, true, t.out, t.work, l, l, d);
            t.lap(1);
            writeHead(dx, 3 * hidden, 2 * hidden + h * d, row, l, d, t.work);
            // dDropped = dOut · vᵀ, then back through dropout and the softmax: ds
            readHead(x, 3 * hidden, 2 * hidden + h * d, row, l, d, t.v);
            transpose(t.v, l, d, t.work);
            t.lap(0);
            multiply(t.out, false, t.work, t.a, l, d, l);
            t.lap(2);
            softmaxBackwardRows(t.a, t.p, m, l, scale, t.lanes);
            t.lap(3);
            // dq = ds · k, dk = dsᵀ · q
            readHead(x, 3 * hidden, hidden + h * d, row, l, d, t.k);
            t.lap(0);
            multiply(t.a, false, t.k, t.work, l, l, d);
            t.lap(4);
            writeHead(dx, 3 * hidden, h * d, row, l, d, t.work);
            readHead(x, 3 * hidden, h * d, row, l, d, t.q);
            t.lap(0);
            multiply(t.a, true, t.q, t.work, l, l, d);
            t.lap(5);
            writeHead(dx, 3 * hidden, hidden + h * d, row, l, d, t.work);
            t.lap(0);
        });
        keepAlive(dContext, qkv, probs, mask, dqkv);
        double product = 2.0 * batch * heads * l * l * d;
        Profile.apportion(start, BACKWARD_STAGES, stages, new double[] {0, product, product, 0, product, product});
    }

    /** Rows firstRow … firstRow + L − 1, columns column … column + d − 1 of x (rows rowStride apart): tile [L, d]. */
    private static void readHead(ByteBuffer x, int rowStride, int column, int firstRow, int l, int d,
                                 float[] tile) {
        for (int t = 0; t < l; t++) {
            read(x, (firstRow + t) * rowStride + column, tile, t * d, d);
        }
    }

    /** The inverse of {@link #readHead}. */
    private static void writeHead(ByteBuffer x, int rowStride, int column, int firstRow, int l, int d,
                                  float[] tile) {
        for (int t = 0; t < l; t++) {
            write(x, (firstRow + t) * rowStride + column, tile, t * d, d);
        }
    }

    /** p = softmax(scale·s + bias[biasFrom …]) over each row of the [L, L] tile, in place. */
    private static void softmaxRows(float[] s, int l, float scale, float[] bias, int biasFrom, float[] e,
                                    float[] lanes) {
        int full = l - l % LANES;
        for (int i = 0; i < l; i++) {
            int row = i * l;
            FloatVector maxes = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (int j = 0; j < full; j += LANES) {
                FloatVector x = FloatVector.fromArray(S, s, row + j).mul(scale)
                        .add(FloatVector.fromArray(S, bias, biasFrom + j));
                x.intoArray(s, row + j);
                maxes = maxes.max(x);
            }
            float max = maxes.reduceLanes(VectorOperators.MAX);
            for (int j = full; j < l; j++) {
                s[row + j] = s[row + j] * scale + bias[biasFrom + j];
                max = Math.max(max, s[row + j]);
            }
            float sum = exponentials(s, row, l, max, e, lanes);
            float inv = 1f / sum;
            for (int j = 0; j < full; j += LANES) {
                FloatVector.fromArray(S, s, row + j).mul(inv).intoArray(s, row + j);
            }
            for (int j = full; j < l; j++) {
                s[row + j] *= inv;
            }
        }
    }

    /**
     * s[row + j] ← exp(s[row + j] − max) for j &lt; l, and their sum in a fixed order, through the padded scratch row
     * {@code e} ({@link VectorMath} works on whole vectors).
     */
    private static float exponentials(float[] s, int row, int l, float max, float[] e, float[] lanes) {
        System.arraycopy(s, row, e, 0, l);
        for (int j = 0; j < l; j += LANES) {
            FloatVector.fromArray(S, e, j).sub(max).intoArray(e, j);
        }
        VectorMath.exp(e, l);
        FloatVector sums = FloatVector.zero(S);
        int j = 0;
        for (; j + LANES <= l; j += LANES) {
            sums = sums.add(FloatVector.fromArray(S, e, j));
        }
        sums.intoArray(lanes, 0);
        float sum = VectorMath.sum(lanes);
        for (; j < l; j++) {
            sum += e[j];
        }
        System.arraycopy(e, 0, s, row, l);
        return sum;
    }

    /** g ← scale · p ∘ (g∘m − Σ (g∘m)∘p) over each row (m may be null: no dropout), in place. */
    private static void softmaxBackwardRows(float[] g, float[] p, float[] m, int l, float scale,
                                            float[] lanes) {
        if (m != null) {
            multiplyInPlace(g, m);
        }
        int full = l - l % LANES;
        for (int i = 0; i < l; i++) {
            int row = i * l;
            FloatVector dots = FloatVector.zero(S);
            for (int j = 0; j < full; j += LANES) {
                dots = FloatVector.fromArray(S, g, row + j).fma(FloatVector.fromArray(S, p, row + j), dots);
            }
            dots.intoArray(lanes, 0);
            float dot = VectorMath.sum(lanes);
            for (int j = full; j < l; j++) {
                dot += g[row + j] * p[row + j];
            }
            for (int j = 0; j < full; j += LANES) {
                FloatVector.fromArray(S, g, row + j).sub(dot).mul(FloatVector.fromArray(S, p, row + j)).mul(scale)
                        .intoArray(g, row + j);
            }
            for (int j = full; j < l; j++) {
                g[row + j] = scale * p[row + j] * (g[row + j] - dot);
            }
        }
    }

    private static void multiplyInPlace(float[] a, float[] b) {
        int i = 0;
        for (; i + LANES <= a.length; i += LANES) {
            FloatVector.fromArray(S, a, i).mul(FloatVector.fromArray(S, b, i)).intoArray(a, i);
        }
        for (; i < a.length; i++) {
            a[i] *= b[i];
        }
    }

    /** dst [cols, rows] = srcᵀ for src [rows, cols]. */
    static void transpose(float[] src, int rows, int cols, float[] dst) {
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                dst[j * rows + i] = src[i * cols + j];
            }
        }
    }

    /**
     * c [M, N] = A · b [K, N] with A = a [M, K], or A = aᵀ for a [K, M] when {@code transposeA}: row-major tiles,
     * blocks of 4 rows × 4 vectors keep 16 accumulators in registers while b's rows stream from L1 (A's elements are
     * broadcast one at a time, so reading it transposed costs nothing); the edges are summed one element at a time.
     */
    static void multiply(float[] a, boolean transposeA, float[] b, float[] c, int m, int k, int n) {
        // A(i, p) = a[i·rowStride + p·colStride]
        int rowStride = transposeA ? 1 : k;
        int colStride = transposeA ? m : 1;
        int fullRows = m - m % BLOCK_ROWS;
        int fullColumns = n - n % BLOCK_COLUMNS;
        for (int i = 0; i < fullRows; i += BLOCK_ROWS) {
            for (int j = 0; j < fullColumns; j += BLOCK_COLUMNS) {
                block(a, i * rowStride, rowStride, colStride, b, c, i, j, k, n);
            }
        }
        for (int i = 0; i < m; i++) {
            for (int j = i < fullRows ? fullColumns : 0; j < n; j++) {
                float s = 0;
                for (int p = 0; p < k; p++) {
                    s += a[i * rowStride + p * colStride] * b[p * n + j];
                }
                c[i * n + j] = s;
            }
        }
    }

    private static void block(float[] a, int a0, int rowStride, int colStride, float[] b, float[] c, int i, int j,
                              int k, int n) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00;
        FloatVector c02 = c00;
        FloatVector c03 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c12 = c00;
        FloatVector c13 = c00;
        FloatVector c20 = c00;
        FloatVector c21 = c00;
        FloatVector c22 = c00;
        FloatVector c23 = c00;
        FloatVector c30 = c00;
        FloatVector c31 = c00;
        FloatVector c32 = c00;
        FloatVector c33 = c00;
        int ap = a0;
        for (int p = 0; p < k; p++, ap += colStride) {
            int bo = p * n + j;
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + LANES);
            FloatVector b2 = FloatVector.fromArray(S, b, bo + 2 * LANES);
            FloatVector b3 = FloatVector.fromArray(S, b, bo + 3 * LANES);
            FloatVector x = FloatVector.broadcast(S, a[ap]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(S, a[ap + rowStride]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            c13 = x.fma(b3, c13);
            x = FloatVector.broadcast(S, a[ap + 2 * rowStride]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            c23 = x.fma(b3, c23);
            x = FloatVector.broadcast(S, a[ap + 3 * rowStride]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
            c33 = x.fma(b3, c33);
        }
        // the stores written out: a helper taking the accumulators would box them (it was not inlined)
        int o = i * n + j;
        c00.intoArray(c, o);
        c01.intoArray(c, o + LANES);
        c02.intoArray(c, o + 2 * LANES);
        c03.intoArray(c, o + 3 * LANES);
        o += n;
        c10.intoArray(c, o);
        c11.intoArray(c, o + LANES);
        c12.intoArray(c, o + 2 * LANES);
        c13.intoArray(c, o + 3 * LANES);
        o += n;
        c20.intoArray(c, o);
        c21.intoArray(c, o + LANES);
        c22.intoArray(c, o + 2 * LANES);
        c23.intoArray(c, o + 3 * LANES);
        o += n;
        c30.intoArray(c, o);
        c31.intoArray(c, o + LANES);
        c32.intoArray(c, o + 2 * LANES);
        c33.intoArray(c, o + 3 * LANES);
    }
}
