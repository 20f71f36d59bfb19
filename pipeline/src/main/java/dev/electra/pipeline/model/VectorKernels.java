package dev.electra.pipeline.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
 * ND4J M2.1 spends several calls and a fresh array per operator, a fused pass reads its inputs once. Only {@link Kernels} calls this class (and
 * {@link VectorAttention} shares {@link Floats}), only when {@link Kernels#VECTOR} (the JVM was started with
 * {@code --add-modules jdk.incubator.vector}; the class cannot load otherwise) and every array is a contiguous
 * row-major float array ({@link #applies}); otherwise {@link Kernels} keeps ND4J's calls and the double loops of
 * {@link Loops}, which are also the reference these kernels are tested against (VectorKernelsTest).
 *
 * <p>The passes repeat their loop skeletons on purpose: a shared skeleton taking the per-vector work as a lambda is a
 * call site the JIT cannot inline once several passes use it, and the vectors crossing it would be boxed (an add pass
 * that took its operator as a value instead of a constant took 18% of a step).
 *
 * <p>Arrays are only created on the calling thread (ND4J workspaces are per thread); the worker threads read and
 * write the arrays' memory.
 */
final class VectorKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = S.length();
    private static final int THREADS = Runtime.getRuntime().availableProcessors();
    /** Below this many elements a call runs on the calling thread alone (a parallel region costs ~20 µs). */
    private static final long PARALLEL_MIN = 1 << 15;
    private static final float GELU_C = (float) (2 * Math.sqrt(2.0 / Math.PI));
    private static final float GELU_C3 = (float) (2 * Math.sqrt(2.0 / Math.PI) * 0.044715);
    private static final float LAYER_NORM_EPSILON = (float) Loops.LAYER_NORM_EPSILON;

    private VectorKernels() {}

    /** True when every (non-null) array is a contiguous row-major float array of fewer than 2^29 elements. */
    static boolean applies(INDArray... arrays) {
        for (INDArray a : arrays) {
            // byte offsets are ints: 4 · (offset + length) < 2^31
            if (a != null && !(a.dataType() == DataType.FLOAT && a.ordering() == 'c' && a.elementWiseStride() == 1
                    && a.offset() + a.length() < (1L << 29))) {
                return false;
            }
        }
        return true;
    }

    /** An array's floats through its direct buffer, indexed in elements from the array's first. */
    record Floats(ByteBuffer bytes, int offset) {
        static Floats of(INDArray a) {
            return new Floats(a.data().asNio().order(ByteOrder.nativeOrder()), Math.toIntExact(a.offset()));
        }

        FloatVector load(int i) {
            return FloatVector.fromByteBuffer(S, bytes, (offset + i) * 4, ByteOrder.nativeOrder());
        }

        void store(FloatVector v, int i) {
            v.intoByteBuffer(bytes, (offset + i) * 4, ByteOrder.nativeOrder());
        }

        float get(int i) {
            return bytes.getFloat((offset + i) * 4);
        }

        void set(int i, float v) {
            bytes.putFloat((offset + i) * 4, v);
        }

        /** Copies row.length floats from index i into row. */
        void read(int i, float[] row) {
            read(i, row, 0, row.length);
        }

        /** Copies n floats from index i into to[from …]. */
        void read(int i, float[] to, int from, int n) {
            int j = 0;
            for (; j + LANES <= n; j += LANES) {
                load(i + j).intoArray(to, from + j);
            }
            for (; j < n; j++) {
                to[from + j] = get(i + j);
            }
        }

        /** Writes row to index i onwards. */
        void write(int i, float[] row) {
            write(i, row, 0, row.length);
        }

        /** Writes n floats of values[from …] to index i onwards. */
        void write(int i, float[] values, int from, int n) {
            int j = 0;
            for (; j + LANES <= n; j += LANES) {
                store(FloatVector.fromArray(S, values, from + j), i + j);
            }
            for (; j < n; j++) {
                set(i + j, values[from + j]);
            }
        }
    }

    /** Rows from … to − 1, the chunk-th of {@link #chunks} ranges. */
    interface RowRange {
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
    static void forRows(int rows, long elements, RowRange body) {
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
        Floats av = Floats.of(a);
        Floats bv = Floats.of(b);
        int n = (int) a.length();
        forRows(n, n, (chunk, from, to) -> {
            int i = from;
            for (; i + LANES <= to; i += LANES) {
                FloatVector x = av.load(i);
                av.store(multiply ? x.mul(bv.load(i)) : x.add(bv.load(i)), i);
            }
            for (; i < to; i++) {
                av.set(i, multiply ? av.get(i) * bv.get(i) : av.get(i) + bv.get(i));
            }
        });
    }

    /** a ∘ b as a new array (same shape). */
    static INDArray product(INDArray a, INDArray b) {
        INDArray out = Nd4j.createUninitialized(a.dataType(), a.shape());
        Floats av = Floats.of(a);
        Floats bv = Floats.of(b);
        Floats ov = Floats.of(out);
        int n = (int) a.length();
        forRows(n, n, (chunk, from, to) -> {
            int i = from;
            for (; i + LANES <= to; i += LANES) {
                ov.store(av.load(i).mul(bv.load(i)), i);
            }
            for (; i < to; i++) {
                ov.set(i, av.get(i) * bv.get(i));
            }
        });
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
        Floats ov = Floats.of(out);
        Floats[] pv = new Floats[parts.length];
        for (int i = 0; i < parts.length; i++) {
            pv[i] = Floats.of(parts[i]);
        }
        forRows(rows, out.length(), (chunk, from, to) -> {
            for (int r = from; r < to; r++) {
                for (int i = 0; i < parts.length; i++) {
                    int width = offsets[i + 1] - offsets[i];
                    copy(pv[i], r * width, ov, r * cols + offsets[i], width);
                }
            }
        });
        return out;
    }

    /** Columns from … to − 1 of x [R, C] as a new [R, to − from] array. */
    static INDArray columns(INDArray x, int from, int to) {
        int rows = (int) x.size(0);
        int cols = (int) x.size(1);
        int width = to - from;
        INDArray out = Nd4j.createUninitialized(x.dataType(), rows, width);
        Floats xv = Floats.of(x);
        Floats ov = Floats.of(out);
        forRows(rows, out.length(), (chunk, first, last) -> {
            for (int r = first; r < last; r++) {
                copy(xv, r * cols + from, ov, r * width, width);
            }
        });
        return out;
    }

    private static void copy(Floats from, int i, Floats to, int j, int n) {
        int k = 0;
        for (; k + LANES <= n; k += LANES) {
            to.store(from.load(i + k), j + k);
        }
        for (; k < n; k++) {
            to.set(j + k, from.get(i + k));
        }
    }

    /**
     * Gumbel-max samples in one pass: for each row r of the uniform noise u and the logits [R, V], the first index of
     * the largest −log(−log(u + ε) + ε) + logits/T; when {@code disallowed} is given, its row's id has
     * {@code penalty} subtracted from its scaled logit ({@link GumbelSampler}'s function, in float).
     */
    static int[] gumbelArgmax(INDArray u, INDArray logits, float temperature, int[] disallowed, float penalty,
                              float epsilon) {
        int rows = (int) logits.size(0);
        int v = (int) logits.size(1);
        int full = v - v % LANES;
        Floats uv = Floats.of(u);
        Floats lv = Floats.of(logits);
        int[] ids = new int[rows];
        forRows(rows, logits.length(), (chunk, from, to) -> {
            float[] score = new float[v];
            for (int r = from; r < to; r++) {
                int base = r * v;
                for (int j = 0; j < full; j += LANES) {
                    FloatVector inner = VectorMath.log(uv.load(base + j).add(epsilon)).neg().add(epsilon);
                    FloatVector g = VectorMath.log(inner).neg();
                    g.add(lv.load(base + j).div(temperature)).intoArray(score, j);
                }
                for (int j = full; j < v; j++) {
                    score[j] = gumbel(uv.get(base + j), epsilon) + lv.get(base + j) / temperature;
                }
                if (disallowed != null) {
                    int d = disallowed[r];
                    score[d] = gumbel(uv.get(base + d), epsilon) + (lv.get(base + d) / temperature - penalty);
                }
                FloatVector maxes = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
                for (int j = 0; j < full; j += LANES) {
                    maxes = maxes.max(FloatVector.fromArray(S, score, j));
                }
                float max = maxes.reduceLanes(VectorOperators.MAX);
                for (int j = full; j < v; j++) {
                    max = Math.max(max, score[j]);
                }
                int best = 0;
                while (score[best] != max) {
                    best++;
                }
                ids[r] = best;
            }
        });
        return ids;
    }

    private static float gumbel(float u, float epsilon) {
        return (float) -Math.log((float) -Math.log(u + epsilon) + epsilon);
    }

    /** u ← (u ≥ rate ? scale : 0), element by element. */
    static void dropoutMask(INDArray u, float rate, float scale) {
        Floats uv = Floats.of(u);
        int n = (int) u.length();
        FloatVector kept = FloatVector.broadcast(S, scale);
        FloatVector dropped = FloatVector.zero(S);
        forRows(n, n, (chunk, from, to) -> {
            int i = from;
            for (; i + LANES <= to; i += LANES) {
                uv.store(dropped.blend(kept, uv.load(i).compare(VectorOperators.GE, rate)), i);
            }
            for (; i < to; i++) {
                uv.set(i, uv.get(i) >= rate ? scale : 0f);
            }
        });
    }

    /** x[r, :] += bias for every row of x [R, C]. */
    static void addRowVector(INDArray x, INDArray bias) {
        int cols = (int) x.size(1);
        Floats xv = Floats.of(x);
        float[] b = bias.toFloatVector();
        forRows((int) x.size(0), x.length(), (chunk, from, to) -> {
            for (int r = from; r < to; r++) {
                int base = r * cols;
                int j = 0;
                for (; j + LANES <= cols; j += LANES) {
                    xv.store(xv.load(base + j).add(FloatVector.fromArray(S, b, j)), base + j);
                }
                for (; j < cols; j++) {
                    xv.set(base + j, xv.get(base + j) + b[j]);
                }
            }
        });
    }

    /** σ(a) with a = x(2√(2/π) + 2√(2/π)·0.044715x²): the gate of ELECTRA's GELU, x·σ(a). */
    private static FloatVector gate(FloatVector x) {
        FloatVector a = x.mul(x).mul(GELU_C3).add(GELU_C).mul(x);
        return FloatVector.broadcast(S, 1f).div(VectorMath.exp(a.neg()).add(1f));
    }

    private static float gate(float x) {
        return (float) (1.0 / (1.0 + Math.exp(-x * (GELU_C + GELU_C3 * x * x))));
    }

    /** x[r, :] += bias in place, and GELU(x) as a new array, in one pass (x [R, C], bias [C]). */
    static INDArray biasGelu(INDArray x, INDArray bias) {
        int cols = (int) x.size(1);
        INDArray out = Nd4j.createUninitialized(x.dataType(), x.shape());
        Floats xv = Floats.of(x);
        Floats ov = Floats.of(out);
        float[] b = bias.toFloatVector();
        forRows((int) x.size(0), x.length(), (chunk, from, to) -> {
            for (int r = from; r < to; r++) {
                int base = r * cols;
                int j = 0;
                for (; j + LANES <= cols; j += LANES) {
                    FloatVector v = xv.load(base + j).add(FloatVector.fromArray(S, b, j));
                    xv.store(v, base + j);
                    ov.store(v.mul(gate(v)), base + j);
                }
                for (; j < cols; j++) {
                    float v = xv.get(base + j) + b[j];
                    xv.set(base + j, v);
                    ov.set(base + j, v * gate(v));
                }
            }
        });
        return out;
    }

    /**
     * y ← (y + bias) ∘ mask + residual in one pass over y [R, C] (bias [C]; mask [R, C], or null for none;
     * residual [R, C]): a dense layer's bias, dropout and residual connection.
     */
    static void biasDropoutResidual(INDArray y, INDArray bias, INDArray mask, INDArray residual) {
        int cols = (int) y.size(1);
        Floats yv = Floats.of(y);
        Floats mv = mask == null ? null : Floats.of(mask);
        Floats rv = Floats.of(residual);
        float[] b = bias.toFloatVector();
        forRows((int) y.size(0), y.length(), (chunk, from, to) -> {
            for (int r = from; r < to; r++) {
                int base = r * cols;
                int j = 0;
                for (; j + LANES <= cols; j += LANES) {
                    FloatVector v = yv.load(base + j).add(FloatVector.fromArray(S, b, j));
                    if (mv != null) {
                        v = v.mul(mv.load(base + j));
                    }
                    yv.store(v.add(rv.load(base + j)), base + j);
                }
                for (; j < cols; j++) {
                    float v = yv.get(base + j) + b[j];
                    yv.set(base + j, (mv == null ? v : v * mv.get(base + j)) + rv.get(base + j));
                }
            }
        });
    }

    /** dOutput ∘ GELU′(x) into dOutput: GELU′ = σ + x·σ·(1 − σ)·a′ with a′ = 2√(2/π)(1 + 3·0.044715x²). */
    static INDArray geluBackward(INDArray dOutput, INDArray x) {
        Floats dv = Floats.of(dOutput);
        Floats xv = Floats.of(x);
        int n = (int) x.length();
        forRows(n, n, (chunk, from, to) -> {
            int i = from;
            for (; i + LANES <= to; i += LANES) {
                FloatVector v = xv.load(i);
                FloatVector s = gate(v);
                FloatVector slope = v.mul(v).mul(3 * GELU_C3).add(GELU_C).mul(v).mul(s).mul(s.neg().add(1f)).add(s);
                dv.store(dv.load(i).mul(slope), i);
            }
            for (; i < to; i++) {
                float v = xv.get(i);
                float s = gate(v);
                dv.set(i, dv.get(i) * (s + v * s * (1 - s) * (GELU_C + 3 * GELU_C3 * v * v)));
            }
        });
        return dOutput;
    }

    /** {@link Loops#layerNorm} in float: y = (x − mean)/(std + ε) ∘ gain + bias over each row, as a new array. */
    static INDArray layerNorm(INDArray x, INDArray gain, INDArray bias) {
        int cols = (int) x.size(1);
        INDArray y = Nd4j.createUninitialized(x.dataType(), x.shape());
        Floats xv = Floats.of(x);
        Floats yv = Floats.of(y);
        float[] g = gain.toFloatVector();
        float[] b = bias.toFloatVector();
        forRows((int) x.size(0), x.length(), (chunk, from, to) -> {
            float[] row = new float[cols];
            float[] lanes = new float[LANES];
            for (int r = from; r < to; r++) {
                int base = r * cols;
                xv.read(base, row);
                float mean = sum(row, lanes) / cols;
                float inv = 1f / (centredStd(row, mean, lanes) + LAYER_NORM_EPSILON);
                for (int j = 0; j < cols; j++) {
                    row[j] = row[j] * inv * g[j] + b[j];
                }
                yv.write(base, row);
            }
        });
        return y;
    }

    /**
     * {@link Loops#layerNormBackward} in float.
     *
     * @return {dx [R, C], dGain [C], dBias [C]}
     */
    static INDArray[] layerNormBackward(INDArray dy, INDArray x, INDArray gain) {
        int rows = (int) x.size(0);
        int cols = (int) x.size(1);
        INDArray dx = Nd4j.createUninitialized(x.dataType(), x.shape());
        Floats xv = Floats.of(x);
        Floats dyv = Floats.of(dy);
        Floats dxv = Floats.of(dx);
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
                xv.read(base, centred);
                dyv.read(base, d);
                float mean = sum(centred, lanes) / cols;
                float std = centredStd(centred, mean, lanes);
                float s = std + LAYER_NORM_EPSILON;
                float invS = 1f / s;
                float sumD = 0;
                float dot = 0;
                for (int j = 0; j < cols; j++) {
                    gainSum[j] += d[j] * centred[j] * invS;
                    biasSum[j] += d[j];
                    d[j] *= g[j];
                    sumD += d[j];
                    dot += d[j] * centred[j];
                }
                float meanD = sumD / cols;
                float stdTerm = std == 0 ? 0 : dot / (cols * std * s * s);
                for (int j = 0; j < cols; j++) {
                    d[j] = (d[j] - meanD) * invS - centred[j] * stdTerm;
                }
                dxv.write(base, d);
            }
        });
        return new INDArray[] {dx, Nd4j.createFromArray(addUp(dGain)), Nd4j.createFromArray(addUp(dBias))};
    }

    /** Σ over the rows of a [R, C] array: [C]. */
    static INDArray columnSums(INDArray a) {
        int rows = (int) a.size(0);
        int cols = (int) a.size(1);
        Floats av = Floats.of(a);
        float[][] sums = new float[chunks(rows, a.length())][cols];
        forRows(rows, a.length(), (chunk, from, to) -> {
            float[] s = sums[chunk];
            for (int r = from; r < to; r++) {
                int base = r * cols;
                int j = 0;
                for (; j + LANES <= cols; j += LANES) {
                    FloatVector.fromArray(S, s, j).add(av.load(base + j)).intoArray(s, j);
                }
                for (; j < cols; j++) {
                    s[j] += av.get(base + j);
                }
            }
        });
        return Nd4j.createFromArray(addUp(sums));
    }

    private static float sum(float[] a, float[] lanes) {
        FloatVector acc = FloatVector.zero(S);
        int j = 0;
        for (; j + LANES <= a.length; j += LANES) {
            acc = acc.add(FloatVector.fromArray(S, a, j));
        }
        float s = VectorMath.sum(acc, lanes);
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
        float s = VectorMath.sum(acc, lanes);
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
