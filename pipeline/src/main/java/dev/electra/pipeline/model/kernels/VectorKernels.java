package dev.electra.pipeline.model.kernels;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.stream.IntStream;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The element-wise and row-wise work of a training step on float arrays, each a single pass over ND4J's memory with
 * the Java Vector API (SIMD; exp and log from {@link VectorMath}, bit-identical compiled or not) on all cores: where
 * ND4J M2.1 spends several calls and a fresh array per operator, a fused pass reads its inputs once. Called by
 * {@link Kernels}, by the sampler in {@code DirectPass} and by the model's noise ({@code UniformNoise});
 * {@link VectorAttention} shares its buffer helpers. Used only when a pass runs with model.kernels = fused (which
 * needs the JVM started with {@code --add-modules jdk.incubator.vector}: the class cannot load otherwise) and every
 * array is a contiguous row-major float array ({@link #applies}); otherwise {@link Kernels} keeps ND4J's calls, the
 * reference these kernels are tested against (VectorKernelsTest, where plain double loops check both).
 *
 * <p>A vector that crosses a call the JIT does not inline is boxed: a heap object per vector per iteration, several
 * times slower than the arithmetic. The Vector API's own methods are always inlined; a method of ours only while the
 * compiled method is under C2's node budget (NodeCountInliningCutoff, 18,000 nodes in product JVMs, which a loop with
 * an exp and a dozen vector operations reaches) and its profile says the call is hot, which varied between runs of the
 * same JVM. Hence the shape of these kernels: no vector is passed to or returned from a method of ours. Vectors are
 * loaded and stored with {@code FloatVector.fromByteBuffer}/{@code intoByteBuffer} written out, not through a
 * helper; exp and log ({@link VectorMath}) work on scratch arrays padded to whole vectors, one row or {@link #BLOCK}
 * elements at a time; the loop skeletons are repeated rather than shared through a lambda taking the per-vector work.
 * GELU's backward pass allocated 50 MB a call and took twice as long before this (docs/benchmarks.md).
 *
 * <p>Arrays are only created on the calling thread (ND4J workspaces are per thread); the worker threads read and
 * write the arrays' memory.
 */
public final class VectorKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = S.length();
    static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final int THREADS = Runtime.getRuntime().availableProcessors();
    /** Below this many elements a call runs on the calling thread alone (a parallel region costs ~20 µs). */
    private static final long PARALLEL_MIN = 1 << 15;
    /** Elements per block of the flat passes that go through scratch arrays (3 × 4 KB, in L1). */
    private static final int BLOCK = 1024;
    private static final float GELU_C = (float) (2 * Math.sqrt(2.0 / Math.PI));
    private static final float GELU_C3 = (float) (2 * Math.sqrt(2.0 / Math.PI) * 0.044715);
    private static final float LAYER_NORM_EPSILON = (float) Kernels.LAYER_NORM_EPSILON;

    private VectorKernels() {}

    /** True when every (non-null) array is a contiguous row-major float array of fewer than 2^29 elements. */
    public static boolean applies(INDArray... arrays) {
        for (INDArray a : arrays) {
            // byte offsets are ints: 4 · (offset + length) < 2^31
            if (a != null && !(a.dataType() == DataType.FLOAT && a.ordering() == 'c' && a.elementWiseStride() == 1
                    && a.offset() + a.length() < (1L << 29))) {
                return false;
            }
        }
        return true;
    }

    /**
     * An array's memory as a native-order buffer whose byte 0 is the array's first element: element i is at byte 4·i.
     * Kernels load and store vectors with {@code FloatVector.fromByteBuffer(S, x, 4 * i, NATIVE)} written out rather
     * than through a helper method (see the class comment).
     */
    public static ByteBuffer bytes(INDArray a) {
        return HostWrites.cpuBytes(a);
    }

    /**
     * Keeps arrays reachable up to this call. A kernel works on {@link #bytes} views, which do not hold the array:
     * once the JIT sees an array's last use, a collection may free its native memory under a running kernel (a
     * crash in {@link #read} during the Gumbel sampler's test, before this).
     */
    public static void keepAlive(Object... arrays) {
        Reference.reachabilityFence(arrays);
    }

    /** Copies n floats from element i of x into to[from …]. */
    static void read(ByteBuffer x, int i, float[] to, int from, int n) {
        int j = 0;
        for (; j + LANES <= n; j += LANES) {
            FloatVector.fromByteBuffer(S, x, 4 * (i + j), NATIVE).intoArray(to, from + j);
        }
        for (; j < n; j++) {
            to[from + j] = x.getFloat(4 * (i + j));
        }
    }

    /** Writes n floats of values[from …] to element i of x onwards. */
    public static void write(ByteBuffer x, int i, float[] values, int from, int n) {
        int j = 0;
        for (; j + LANES <= n; j += LANES) {
            FloatVector.fromArray(S, values, from + j).intoByteBuffer(x, 4 * (i + j), NATIVE);
        }
        for (; j < n; j++) {
            x.putFloat(4 * (i + j), values[from + j]);
        }
    }

    /** Rows from … to − 1, the chunk-th of {@link #chunks} ranges. */
    public interface RowRange {
        void run(int chunk, int from, int to);
    }

    /** How many ranges {@link #forRows} cuts rows into: one per core, or one when the work is small. */
    static int chunks(int rows, long elements) {
        return elements < PARALLEL_MIN ? 1 : (int) Math.max(1, Math.min(THREADS, rows));
    }

    /**
     * Runs body over [0, rows) in {@link #chunks} contiguous ranges, in parallel; the ranges depend only on the sizes,
     * so per-range partial sums add up in the same order on every run.
     */
    public static void forRows(int rows, long elements, RowRange body) {
        int chunks = chunks(rows, elements);
        if (chunks == 1) {
            body.run(0, 0, rows);
            return;
        }
        IntStream.range(0, chunks).parallel().forEach(c -> body.run(c, (int) ((long) rows * c / chunks),
                (int) ((long) rows * (c + 1) / chunks)));
    }

    /** a += b, element by element (same shape). */
    static void addInPlace(INDArray a, INDArray b) {
        inPlace(a, b, false);
    }

    /** a ∘= b, element by element (same shape). */
    static void mulInPlace(INDArray a, INDArray b) {
        inPlace(a, b, true);
    }

    /**
     * a += b or a ∘= b. The choice is a boolean, not a {@code VectorOperators.Binary}: lanewise(op, …) with an op
     * that is not a compile-time constant is not intrinsified (this pass took 18% of a training step that way).
     */
    private static void inPlace(INDArray a, INDArray b, boolean multiply) {
        ByteBuffer av = bytes(a);
        ByteBuffer bv = bytes(b);
        int n = (int) a.length();
        forRows(n, n, (chunk, from, to) -> {
            int i = from;
            for (; i + LANES <= to; i += LANES) {
                FloatVector x = FloatVector.fromByteBuffer(S, av, 4 * i, NATIVE);
                FloatVector y = FloatVector.fromByteBuffer(S, bv, 4 * i, NATIVE);
                (multiply ? x.mul(y) : x.add(y)).intoByteBuffer(av, 4 * i, NATIVE);
            }
            for (; i < to; i++) {
                float x = av.getFloat(4 * i);
                float y = bv.getFloat(4 * i);
                av.putFloat(4 * i, multiply ? x * y : x + y);
            }
        });
        keepAlive(a, b);
    }

    /** a ∘ b as a new array (same shape). */
    static INDArray product(INDArray a, INDArray b) {
        INDArray out = Nd4j.createUninitialized(a.dataType(), a.shape());
        ByteBuffer av = bytes(a);
        ByteBuffer bv = bytes(b);
        ByteBuffer ov = bytes(out);
        int n = (int) a.length();
        forRows(n, n, (chunk, from, to) -> {
            int i = from;
            for (; i + LANES <= to; i += LANES) {
                FloatVector.fromByteBuffer(S, av, 4 * i, NATIVE).mul(FloatVector.fromByteBuffer(S, bv, 4 * i, NATIVE))
                        .intoByteBuffer(ov, 4 * i, NATIVE);
            }
            for (; i < to; i++) {
                ov.putFloat(4 * i, av.getFloat(4 * i) * bv.getFloat(4 * i));
            }
        });
        keepAlive(a, b, out);
        return out;
    }

    /** [a | b | …]: the [R, Cᵢ] parts side by side, [R, ΣCᵢ]. */
    static INDArray concatColumns(INDArray... parts) {
        int rows = (int) parts[0].size(0);
        int[] offsets = new int[parts.length + 1];
        for (int i = 0; i < parts.length; i++) {
            offsets[i + 1] = offsets[i] + (int) parts[i].size(1);
        }
        int cols = offsets[parts.length];
        INDArray out = Nd4j.createUninitialized(parts[0].dataType(), rows, cols);
        ByteBuffer ov = bytes(out);
        ByteBuffer[] pv = new ByteBuffer[parts.length];
        for (int i = 0; i < parts.length; i++) {
            pv[i] = bytes(parts[i]);
        }
        forRows(rows, out.length(), (chunk, from, to) -> {
            for (int r = from; r < to; r++) {
                for (int i = 0; i < parts.length; i++) {
                    int width = offsets[i + 1] - offsets[i];
                    copy(pv[i], r * width, ov, r * cols + offsets[i], width);
                }
            }
        });
        keepAlive(parts, out);
        return out;
    }

    /** Columns from … to − 1 of x [R, C] as a new [R, to − from] array. */
    static INDArray columns(INDArray x, int from, int to) {
        int rows = (int) x.size(0);
        int cols = (int) x.size(1);
        int width = to - from;
        INDArray out = Nd4j.createUninitialized(x.dataType(), rows, width);
        ByteBuffer xv = bytes(x);
        ByteBuffer ov = bytes(out);
        forRows(rows, out.length(), (chunk, first, last) -> {
            for (int r = first; r < last; r++) {
                copy(xv, r * cols + from, ov, r * width, width);
            }
        });
        keepAlive(x, out);
        return out;
    }

    /** n floats from element i of {@code from} to element j of {@code to}. */
    private static void copy(ByteBuffer from, int i, ByteBuffer to, int j, int n) {
        int k = 0;
        for (; k + LANES <= n; k += LANES) {
            FloatVector.fromByteBuffer(S, from, 4 * (i + k), NATIVE).intoByteBuffer(to, 4 * (j + k), NATIVE);
        }
        for (; k < n; k++) {
            to.putFloat(4 * (j + k), from.getFloat(4 * (i + k)));
        }
    }

    /**
     * Gumbel-max samples: for each row r of the uniform noise u and the logits [R, V], the first index of the largest
     * −log(−log(u + ε) + ε) + logits/T; when {@code disallowed} is given, its row's id has {@code penalty} subtracted
     * from its scaled logit ({@code GumbelSampler}'s function, in float).
     */
    public static int[] gumbelArgmax(INDArray u, INDArray logits, float temperature, int[] disallowed, float penalty,
                              float epsilon) {
        int rows = (int) logits.size(0);
        int v = (int) logits.size(1);
        ByteBuffer uv = bytes(u);
        ByteBuffer lv = bytes(logits);
        int[] ids = new int[rows];
        forRows(rows, logits.length(), (chunk, from, to) -> {
            float[] score = new float[VectorMath.padded(v)];
            float[] scaled = new float[score.length];
            for (int r = from; r < to; r++) {
                int base = r * v;
                read(uv, base, score, 0, v);
                read(lv, base, scaled, 0, v);
                for (int j = 0; j < v; j += LANES) {
                    FloatVector.fromArray(S, score, j).add(epsilon).intoArray(score, j);
                }
                VectorMath.log(score, v);
                for (int j = 0; j < v; j += LANES) {
                    FloatVector.fromArray(S, score, j).neg().add(epsilon).intoArray(score, j);
                }
                VectorMath.log(score, v);
                for (int j = 0; j < v; j += LANES) {
                    FloatVector.fromArray(S, scaled, j).div(temperature).sub(FloatVector.fromArray(S, score, j))
                            .intoArray(score, j);
                }
                if (disallowed != null) {
                    int d = disallowed[r];
                    score[d] = gumbel(uv.getFloat(4 * (base + d)), epsilon)
                            + (lv.getFloat(4 * (base + d)) / temperature - penalty);
                }
                ids[r] = argmax(score, v);
            }
        });
        keepAlive(u, logits);
        return ids;
    }

    /**
     * The softmax of each row of x [R, V] as a new array, one pass per row: exp(x − max) / Σ with the sum in a fixed
     * order (the generator's [slots, vocabulary] logits: ND4J's op ran at 4 GB/s there, docs/benchmarks.md).
     */
    static INDArray softmaxRows(INDArray x) {
        int rows = (int) x.size(0);
        int v = (int) x.size(1);
        INDArray y = Nd4j.createUninitialized(x.dataType(), x.shape());
        ByteBuffer xv = bytes(x);
        ByteBuffer yv = bytes(y);
        forRows(rows, x.length(), (chunk, from, to) -> {
            float[] e = new float[VectorMath.padded(v)];
            float[] lanes = new float[LANES];
            int full = v - v % LANES;
            for (int r = from; r < to; r++) {
                int base = r * v;
                read(xv, base, e, 0, v);
                FloatVector maxes = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
                for (int j = 0; j < full; j += LANES) {
                    maxes = maxes.max(FloatVector.fromArray(S, e, j));
                }
                float max = maxes.reduceLanes(VectorOperators.MAX);
                for (int j = full; j < v; j++) {
                    max = Math.max(max, e[j]);
                }
                for (int j = 0; j < v; j += LANES) {
                    FloatVector.fromArray(S, e, j).sub(max).intoArray(e, j);
                }
                VectorMath.exp(e, v);
                FloatVector sums = FloatVector.zero(S);
                for (int j = 0; j < full; j += LANES) {
                    sums = sums.add(FloatVector.fromArray(S, e, j));
                }
                sums.intoArray(lanes, 0);
                float sum = VectorMath.sum(lanes);
                for (int j = full; j < v; j++) {
                    sum += e[j];
                }
                float inv = 1f / sum;
                for (int j = 0; j < v; j += LANES) {
                    FloatVector.fromArray(S, e, j).mul(inv).intoArray(e, j);
                }
                write(yv, base, e, 0, v);
            }
        });
        keepAlive(x, y);
        return y;
    }

    private static float gumbel(float u, float epsilon) {
        return (float) -Math.log((float) -Math.log(u + epsilon) + epsilon);
    }

    /** The first index of the largest of x[0 … n − 1]. */
    private static int argmax(float[] x, int n) {
        FloatVector maxes = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int j = 0;
        for (; j + LANES <= n; j += LANES) {
            maxes = maxes.max(FloatVector.fromArray(S, x, j));
        }
        float max = maxes.reduceLanes(VectorOperators.MAX);
        for (; j < n; j++) {
            max = Math.max(max, x[j]);
        }
        int best = 0;
        while (x[best] != max) {
            best++;
        }
        return best;
    }

    /** x[r, :] += bias for every row of x [R, C]. */
    static void addRowVector(INDArray x, INDArray bias) {
        int cols = (int) x.size(1);
        ByteBuffer xv = bytes(x);
        float[] b = bias.toFloatVector();
        forRows((int) x.size(0), x.length(), (chunk, from, to) -> {
            for (int r = from; r < to; r++) {
                int base = r * cols;
                int j = 0;
                for (; j + LANES <= cols; j += LANES) {
                    FloatVector.fromByteBuffer(S, xv, 4 * (base + j), NATIVE).add(FloatVector.fromArray(S, b, j))
                            .intoByteBuffer(xv, 4 * (base + j), NATIVE);
                }
                for (; j < cols; j++) {
                    xv.putFloat(4 * (base + j), xv.getFloat(4 * (base + j)) + b[j]);
                }
            }
        });
        keepAlive(x);
    }

    /**
     * x[r, :] += bias in place, and GELU(x) = x·σ(a) with a = x(2√(2/π) + 2√(2/π)·0.044715x²) as a new array, row by
     * row through scratch rows padded to whole vectors (x [R, C], bias [C]).
     */
    static INDArray biasGelu(INDArray x, INDArray bias) {
        int cols = (int) x.size(1);
        INDArray out = Nd4j.createUninitialized(x.dataType(), x.shape());
        ByteBuffer xv = bytes(x);
        ByteBuffer ov = bytes(out);
        float[] b = padded(bias.toFloatVector());
        forRows((int) x.size(0), x.length(), (chunk, from, to) -> {
            float[] v = new float[b.length];
            float[] e = new float[b.length];
            for (int r = from; r < to; r++) {
                int base = r * cols;
                read(xv, base, v, 0, cols);
                biasGelu(v, b, 0, e, cols);
                write(xv, base, v, 0, cols);
                write(ov, base, e, 0, cols);
            }
        });
        keepAlive(x, out);
        return out;
    }

    /**
     * v[j] += b[bFrom + j], then e[j] = GELU(v[j]) = v·σ(a), for j &lt; n in whole vectors (every array long enough
     * for {@link VectorMath#padded}(n) from its start): {@link #biasGelu}'s arithmetic, which the fused GEMM's
     * epilogue shares, so both give the same bits.
     */
    static void biasGelu(float[] v, float[] b, int bFrom, float[] e, int n) {
        for (int j = 0; j < n; j += LANES) {
            FloatVector y = FloatVector.fromArray(S, v, j).add(FloatVector.fromArray(S, b, bFrom + j));
            y.intoArray(v, j);
            y.mul(y).fma(-GELU_C3, -GELU_C).mul(y).intoArray(e, j);
        }
        VectorMath.exp(e, n);
        for (int j = 0; j < n; j += LANES) {
            FloatVector y = FloatVector.fromArray(S, v, j);
            y.div(FloatVector.fromArray(S, e, j).add(1f)).intoArray(e, j);
        }
    }

    /**
     * d[j] ← d[j] · GELU′(x[j]) for j &lt; n in whole vectors (s: scratch): {@link #geluBackward}'s arithmetic, which
     * the fused GEMM's epilogue shares.
     */
    static void geluSlope(float[] x, float[] s, float[] d, int n) {
        for (int j = 0; j < n; j += LANES) {
            FloatVector y = FloatVector.fromArray(S, x, j);
            y.mul(y).fma(-GELU_C3, -GELU_C).mul(y).intoArray(s, j);
        }
        VectorMath.exp(s, n);
        for (int j = 0; j < n; j += LANES) {
            FloatVector y = FloatVector.fromArray(S, x, j);
            FloatVector g = FloatVector.fromArray(S, s, j).add(1f);
            g = FloatVector.broadcast(S, 1f).div(g);
            FloatVector slope = y.mul(y).fma(3 * GELU_C3, GELU_C).mul(y).mul(g).fma(g.neg().add(1f), g);
            FloatVector.fromArray(S, d, j).mul(slope).intoArray(d, j);
        }
    }

    /** a copy of x padded with zeros to whole vectors. */
    private static float[] padded(float[] x) {
        return Arrays.copyOf(x, VectorMath.padded(x.length));
    }

    /**
     * y ← (y + bias) ∘ mask + residual in one pass over y [R, C] (bias [C]; mask [R, C], or null for none;
     * residual [R, C]): a dense layer's bias, dropout and residual connection.
     */
    static void biasDropoutResidual(INDArray y, INDArray bias, INDArray mask, INDArray residual) {
        int cols = (int) y.size(1);
        ByteBuffer yv = bytes(y);
        ByteBuffer mv = mask == null ? null : bytes(mask);
        ByteBuffer rv = bytes(residual);
        float[] b = bias.toFloatVector();
        forRows((int) y.size(0), y.length(), (chunk, from, to) -> {
            for (int r = from; r < to; r++) {
                int base = r * cols;
                int j = 0;
                for (; j + LANES <= cols; j += LANES) {
                    int at = 4 * (base + j);
                    FloatVector v = FloatVector.fromByteBuffer(S, yv, at, NATIVE).add(FloatVector.fromArray(S, b, j));
                    if (mv != null) {
                        v = v.mul(FloatVector.fromByteBuffer(S, mv, at, NATIVE));
                    }
                    v.add(FloatVector.fromByteBuffer(S, rv, at, NATIVE)).intoByteBuffer(yv, at, NATIVE);
                }
                for (; j < cols; j++) {
                    int at = 4 * (base + j);
                    float v = yv.getFloat(at) + b[j];
                    yv.putFloat(at, (mv == null ? v : v * mv.getFloat(at)) + rv.getFloat(at));
                }
            }
        });
        keepAlive(y, mask, residual);
    }

    /**
     * dOutput ∘ GELU′(x) into dOutput: GELU′ = σ + x·σ·(1 − σ)·a′ with a′ = 2√(2/π)(1 + 3·0.044715x²), in blocks of
     * {@link #BLOCK} elements through scratch arrays.
     */
    static INDArray geluBackward(INDArray dOutput, INDArray x) {
        ByteBuffer dv = bytes(dOutput);
        ByteBuffer xv = bytes(x);
        int n = (int) x.length();
        forRows(n, n, (chunk, from, to) -> {
            float[] v = new float[BLOCK];
            float[] s = new float[BLOCK];
            float[] d = new float[BLOCK];
            for (int start = from; start < to; start += BLOCK) {
                int m = Math.min(BLOCK, to - start);
                read(xv, start, v, 0, m);
                read(dv, start, d, 0, m);
                geluSlope(v, s, d, m);
                write(dv, start, d, 0, m);
            }
        });
        keepAlive(dOutput, x);
        return dOutput;
    }

    /** {@link Kernels#layerNorm} in one pass per row: y = (x − mean)/(std + ε) ∘ gain + bias over each row, as a new array. */
    static INDArray layerNorm(INDArray x, INDArray gain, INDArray bias) {
        int cols = (int) x.size(1);
        INDArray y = Nd4j.createUninitialized(x.dataType(), x.shape());
        ByteBuffer xv = bytes(x);
        ByteBuffer yv = bytes(y);
        float[] g = gain.toFloatVector();
        float[] b = bias.toFloatVector();
        forRows((int) x.size(0), x.length(), (chunk, from, to) -> {
            float[] row = new float[cols];
            float[] lanes = new float[LANES];
            for (int r = from; r < to; r++) {
                int base = r * cols;
                read(xv, base, row, 0, cols);
                float mean = sum(row, lanes) / cols;
                float inv = 1f / (centredStd(row, mean, lanes) + LAYER_NORM_EPSILON);
                for (int j = 0; j < cols; j++) {
                    row[j] = row[j] * inv * g[j] + b[j];
                }
                write(yv, base, row, 0, cols);
            }
        });
        keepAlive(x, y);
        return y;
    }

    /**
     * {@link Kernels#layerNormBackward} in one pass per row.
     *
     * @return {dx [R, C], dGain [C], dBias [C]}
     */
    static INDArray[] layerNormBackward(INDArray dy, INDArray x, INDArray gain) {
        int rows = (int) x.size(0);
        int cols = (int) x.size(1);
        INDArray dx = Nd4j.createUninitialized(x.dataType(), x.shape());
        ByteBuffer xv = bytes(x);
        ByteBuffer dyv = bytes(dy);
        ByteBuffer dxv = bytes(dx);
        float[] g = gain.toFloatVector();
        int chunks = chunks(rows, x.length());
        float[][] dGain = new float[chunks][cols];
        float[][] dBias = new float[chunks][cols];
        forRows(rows, x.length(), (chunk, from, to) -> {
            float[] centred = new float[cols];
            float[] lanes = new float[LANES];
            float[] d = new float[cols];
            float[] gainSum = dGain[chunk];
            float[] biasSum = dBias[chunk];
            for (int r = from; r < to; r++) {
                int base = r * cols;
                read(xv, base, centred, 0, cols);
                read(dyv, base, d, 0, cols);
                float mean = sum(centred, lanes) / cols;
                float std = centredStd(centred, mean, lanes);
                float s = std + LAYER_NORM_EPSILON;
                float invS = 1f / s;
                // the gain and bias gradients, d ∘ gain, and its sum and dot product with the centred row, in one
                // pass (sums by lanes, then the lanes in order: the same bits on every run)
                FloatVector sums = FloatVector.zero(S);
                FloatVector dots = FloatVector.zero(S);
                int j = 0;
                for (; j + LANES <= cols; j += LANES) {
                    FloatVector dj = FloatVector.fromArray(S, d, j);
                    FloatVector cj = FloatVector.fromArray(S, centred, j);
                    dj.mul(cj).lanewise(VectorOperators.FMA, invS, FloatVector.fromArray(S, gainSum, j))
                            .intoArray(gainSum, j);
                    dj.add(FloatVector.fromArray(S, biasSum, j)).intoArray(biasSum, j);
                    dj = dj.mul(FloatVector.fromArray(S, g, j));
                    dj.intoArray(d, j);
                    sums = sums.add(dj);
                    dots = dj.fma(cj, dots);
                }
                sums.intoArray(lanes, 0);
                float sumD = VectorMath.sum(lanes);
                dots.intoArray(lanes, 0);
                float dot = VectorMath.sum(lanes);
                for (int k = j; k < cols; k++) {
                    gainSum[k] += d[k] * centred[k] * invS;
                    biasSum[k] += d[k];
                    d[k] *= g[k];
                    sumD += d[k];
                    dot += d[k] * centred[k];
                }
                float meanD = sumD / cols;
                float stdTerm = std == 0 ? 0 : dot / (cols * std * s * s);
                for (j = 0; j + LANES <= cols; j += LANES) {
                    FloatVector.fromArray(S, d, j).sub(meanD).mul(invS)
                            .sub(FloatVector.fromArray(S, centred, j).mul(stdTerm)).intoArray(d, j);
                }
                for (; j < cols; j++) {
                    d[j] = (d[j] - meanD) * invS - centred[j] * stdTerm;
                }
                write(dxv, base, d, 0, cols);
            }
        });
        keepAlive(dy, x, dx);
        return new INDArray[] {dx, Nd4j.createFromArray(addUp(dGain)), Nd4j.createFromArray(addUp(dBias))};
    }

    /**
     * table[ids[i]] += rows[i] for every row of rows [R, C], in place, in the order of i on one thread: rows with the
     * same id add up in the same order every run (the work is ~R·C additions, too little to split).
     */
    static void scatterAddRows(INDArray table, int[] ids, INDArray rows) {
        ByteBuffer tv = bytes(table);
        ByteBuffer rv = bytes(rows);
        int cols = (int) table.size(1);
        for (int i = 0; i < ids.length; i++) {
            int t = 4 * ids[i] * cols;
            int r = 4 * i * cols;
            int j = 0;
            for (; j + LANES <= cols; j += LANES) {
                FloatVector.fromByteBuffer(S, tv, t + 4 * j, NATIVE)
                        .add(FloatVector.fromByteBuffer(S, rv, r + 4 * j, NATIVE)).intoByteBuffer(tv, t + 4 * j, NATIVE);
            }
            for (; j < cols; j++) {
                tv.putFloat(t + 4 * j, tv.getFloat(t + 4 * j) + rv.getFloat(r + 4 * j));
            }
        }
        keepAlive(table, rows);
    }

    /** Σ over the rows of a [R, C] array: [C]. */
    static INDArray columnSums(INDArray a) {
        int rows = (int) a.size(0);
        int cols = (int) a.size(1);
        ByteBuffer av = bytes(a);
        float[][] sums = new float[chunks(rows, a.length())][cols];
        forRows(rows, a.length(), (chunk, from, to) -> {
            float[] s = sums[chunk];
            for (int r = from; r < to; r++) {
                int base = r * cols;
                int j = 0;
                for (; j + LANES <= cols; j += LANES) {
                    FloatVector.fromArray(S, s, j).add(FloatVector.fromByteBuffer(S, av, 4 * (base + j), NATIVE))
                            .intoArray(s, j);
                }
                for (; j < cols; j++) {
                    s[j] += av.getFloat(4 * (base + j));
                }
            }
        });
        keepAlive(a);
        return Nd4j.createFromArray(addUp(sums));
    }

    private static float sum(float[] a, float[] lanes) {
        FloatVector acc = FloatVector.zero(S);
        int j = 0;
        for (; j + LANES <= a.length; j += LANES) {
            acc = acc.add(FloatVector.fromArray(S, a, j));
        }
        acc.intoArray(lanes, 0);
        float s = VectorMath.sum(lanes);
        for (; j < a.length; j++) {
            s += a[j];
        }
        return s;
    }

    /** Subtracts the mean from the row in place and returns the population standard deviation. */
    private static float centredStd(float[] row, float mean, float[] lanes) {
        FloatVector acc = FloatVector.zero(S);
        int j = 0;
        for (; j + LANES <= row.length; j += LANES) {
            FloatVector c = FloatVector.fromArray(S, row, j).sub(mean);
            c.intoArray(row, j);
            acc = c.fma(c, acc);
        }
        acc.intoArray(lanes, 0);
        float s = VectorMath.sum(lanes);
        for (; j < row.length; j++) {
            row[j] -= mean;
            s += row[j] * row[j];
        }
        return (float) Math.sqrt(s / row.length);
    }

    /** Element-wise sum of per-thread partial results. */
    private static float[] addUp(float[][] parts) {
        float[] total = parts[0].clone();
        for (int c = 1; c < parts.length; c++) {
            for (int j = 0; j < total.length; j++) {
                total[j] += parts[c][j];
            }
        }
        return total;
    }
}
