package dev.electra.pipeline.model.kernels;

import static dev.electra.pipeline.model.ParameterNames.bias;
import static dev.electra.pipeline.model.ParameterNames.gain;
import static dev.electra.pipeline.model.ParameterNames.kernel;

import dev.electra.pipeline.model.ModelConfig;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.api.ops.impl.transforms.segment.UnsortedSegmentSum;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The array calls the hand-written passes ({@code TransformerBlock}, {@code DirectPass}) are made of, each chosen
 * by measurement (docs/benchmarks.md): GEMMs into fresh row-major arrays; on float arrays, when the JVM has the Vector
 * API module, the GEMMs by {@link VectorGemm} (a dense layer's bias and GELU, or GELU's backward pass, in its
 * epilogue), element-wise and row-wise work as fused passes ({@link VectorKernels}) and attention one (sequence, head)
 * at a time in cache ({@link VectorAttention}); otherwise (model.kernels = reference, and always in
 * double, the gradient checks' precision) ND4J calls only, with no host view of ND4J memory, so that path is correct
 * on any backend; the fused passes are tested against it. Rows
 * are tokens (or slots); a dense layer's parameters are {@code name/kernel} [in, out] and {@code name/bias} [out] in a
 * parameter map.
 */
public final class Kernels {
    private static final double GELU_C = Math.sqrt(2.0 / Math.PI);
    /** LayerNorm's ε, added to the standard deviation as libnd4j's {@code standardize} (the graph's op) does. */
    static final double LAYER_NORM_EPSILON = ModelConfig.LAYER_NORM_EPSILON;
    /** Whether the JVM has the module jdk.incubator.vector, without which {@link VectorKernels} cannot load. */
    public static final boolean MODULE = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    /**
     * Whether the current thread's pass may use the fused kernels: set by the model around each pass from its
     * {@code KernelMode} (a run's {@code model.kernels}); outside such a scope (the kernels' own tests), whenever the
     * module is there.
     */
    private static final ThreadLocal<Boolean> FUSED = ThreadLocal.withInitial(() -> MODULE);

    private Kernels() {}

    /** Runs a pass with the fused kernels on or off; restores the previous setting after. */
    public static <T> T with(boolean fused, java.util.function.Supplier<T> pass) {
        boolean before = FUSED.get();
        FUSED.set(fused && MODULE);
        try {
            return pass.get();
        } finally {
            FUSED.set(before);
        }
    }

    /**
     * Whether the current thread may take raw host views of ND4J memory: only in a pass with the fused kernels on
     * (or outside any pass, the kernels' own tests). {@link HostWrites#cpuBytes} refuses otherwise, so a reference
     * pass that reached a host-memory kernel fails instead of computing behind a GPU's back.
     */
    static boolean fusedPass() {
        return FUSED.get();
    }

    /** Whether the fused float kernels handle these arrays in the current pass. */
    public static boolean vector(INDArray... arrays) {
        return FUSED.get() && VectorKernels.applies(arrays);
    }

    /** x·W + b for x [R, in]. */
    public static INDArray dense(INDArray x, Map<String, INDArray> p, String name) {
        return addBias(gemm(x, p.get(kernel(name)), false, false, label(name)), p.get(bias(name)));
    }

    /** A dense layer's name as a profile shows it: within its block when it is in one ({@code ffn/intermediate}). */
    private static String label(String name) {
        if (!Profile.ON) {
            return null;
        }
        int layer = name.indexOf("layer_");
        int from = layer >= 0 ? name.indexOf('/', layer) : name.indexOf('/');
        return from < 0 ? name : name.substring(from + 1);
    }

    /** y[r, :] += bias for every row of y [R, C], in place; returns y. */
    public static INDArray addBias(INDArray y, INDArray bias) {
        long start = Profile.start();
        if (vector(y)) {
            VectorKernels.addRowVector(y, bias);
        } else {
            y.addiRowVector(bias);
        }
        Profile.kernel("bias add", start, 0, Profile.floats(2 * y.length()));
        return y;
    }

    /** a += b in place (same shape); returns a. */
    public static INDArray addInPlace(INDArray a, INDArray b) {
        long start = Profile.start();
        if (vector(a, b) && a.length() == b.length()) {
            VectorKernels.addInPlace(a, b);
        } else {
            a.addi(b);
        }
        Profile.kernel("residual add", start, 0, Profile.floats(3 * a.length()));
        return a;
    }

    /** Σ over the rows of a [R, C] array: [C]. */
    public static INDArray columnSums(INDArray a) {
        long start = Profile.start();
        INDArray sums = vector(a) ? VectorKernels.columnSums(a) : a.sum(0);
        Profile.kernel("column sums (bias gradients)", start, 0, Profile.floats(a.length()));
        return sums;
    }

    /**
     * table[ids[i]] += rows[i] for every row of rows [R, C] (repeated ids add up, in the order of i), in place: the
     * embedding tables' gradients. The reference is libnd4j's unsorted segment sum, which adds each id's rows in
     * index order on the CPU, then the sums into the table (the same bits every run, ReferenceKernelsTest).
     */
    public static void scatterAddRows(INDArray table, int[] ids, INDArray rows) {
        long start = Profile.start();
        if (vector(table, rows)) {
            VectorKernels.scatterAddRows(table, ids, rows);
        } else {
            INDArray sums = Nd4j.exec((CustomOp) new UnsortedSegmentSum(rows, Nd4j.createFromArray(ids),
                    Math.toIntExact(table.size(0))))[0];
            table.addi(sums);
        }
        Profile.kernel("embedding scatter-add", start, 0, Profile.floats(3 * rows.length()));
    }

    /** dOut [R, out] → kernel and bias gradients added into {@code grads}; returns dIn [R, in]. */
    public static INDArray denseBackward(INDArray dOut, INDArray in, Map<String, INDArray> p, String name,
                                  Map<String, INDArray> grads) {
        String label = label(name);
        accumulate(grads, kernel(name), gemm(in, dOut, true, false, Profile.ON ? label + " dW" : null));
        accumulate(grads, bias(name), columnSums(dOut));
        return gemm(dOut, p.get(kernel(name)), false, true, Profile.ON ? label + " dX" : null);
    }

    /** Adds {@code g} into {@code grads[name]} (a parameter used more than once sums its gradients). */
    public static void accumulate(Map<String, INDArray> grads, String name, INDArray g) {
        INDArray old = grads.get(name);
        if (old == null) {
            grads.put(name, g);
        } else {
            long start = Profile.start();
            old.addi(g);
            Profile.kernel("gradient sum (shared parameter)", start, 0, Profile.floats(3 * g.length()));
        }
    }

    /**
     * a·b (either transposed) into a new row-major array: in a fused pass on float arrays {@link VectorGemm} (1.4×
     * OpenBLAS's rate over a small step's dense layers on a Zen 5 EPYC, and the same bits on any number of cores),
     * otherwise BLAS directly: INDArray.mmul on row-major operands ran 5–9× slower (16 against 79 GFLOP/s at
     * [4096, 128] × [128, 128], docs/benchmarks.md).
     */
    public static INDArray gemm(INDArray a, INDArray b, boolean transposeA, boolean transposeB) {
        return gemm(a, b, transposeA, transposeB, "unnamed");
    }

    /** {@link #gemm(INDArray, INDArray, boolean, boolean)}, shown as {@code label} in a profile. */
    public static INDArray gemm(INDArray a, INDArray b, boolean transposeA, boolean transposeB, String label) {
        long start = Profile.start();
        long rows = transposeA ? a.size(1) : a.size(0);
        long cols = transposeB ? b.size(0) : b.size(1);
        // uninitialized: with β = 0 BLAS overwrites the output without reading it (zero-filling first cost a pass)
        INDArray out = Nd4j.createUninitialized(a.dataType(), new long[] {rows, cols}, 'c');
        if (vector(a, b, out)) {
            VectorGemm.multiply(a, b, out, transposeA, transposeB);
        } else {
            Nd4j.gemm(a, b, out, transposeA, transposeB, 1.0, 0.0);
        }
        if (Profile.ON) {
            long inner = transposeA ? a.size(0) : a.size(1);
            Profile.kernel("GEMM " + label + " [" + rows + "×" + inner + "]·[" + inner + "×" + cols + "]", start,
                    2.0 * rows * cols * inner, Profile.floats(a.length() + b.length() + rows * cols));
        }
        return out;
    }

    /**
     * LayerNorm over each row of x [R, C], the graph's native op's function: y = (x − mean) / (std + ε) ∘ gain + bias
     * with the population std, as a new array.
     */
    public static INDArray layerNorm(INDArray x, Map<String, INDArray> p, String name) {
        long start = Profile.start();
        INDArray gain = p.get(gain(name));
        INDArray bias = p.get(bias(name));
        INDArray y;
        if (vector(x)) {
            y = VectorKernels.layerNorm(x, gain, bias);
        } else {
            INDArray centred = x.subColumnVector(x.mean(true, 1));
            y = centred.diviColumnVector(rowStd(centred).addi(LAYER_NORM_EPSILON)).muliRowVector(gain)
                    .addiRowVector(bias);
        }
        Profile.kernel("LayerNorm", start, 0, Profile.floats(2 * x.length()));
        return y;
    }

    /**
     * The backward pass of {@link #layerNorm}: gain and bias gradients into {@code grads}, returns dx [R, C]. With
     * s = std + ε and d = dy ∘ gain, dx = (d − mean(d))/s − (x − mean)·Σ(d ∘ (x − mean)) / (C·std·s²); the std term
     * is 0 for a constant row (std 0, where libnd4j replaces its NaN by 0).
     */
    public static INDArray layerNormBackward(INDArray dy, INDArray x, Map<String, INDArray> p, String name,
                                      Map<String, INDArray> grads) {
        long start = Profile.start();
        INDArray gain = p.get(gain(name));
        INDArray dx;
        if (vector(dy, x)) {
            INDArray[] d = VectorKernels.layerNormBackward(dy, x, gain);
            dx = d[0];
            accumulate(grads, gain(name), d[1]);
            accumulate(grads, bias(name), d[2]);
        } else {
            INDArray centred = x.subColumnVector(x.mean(true, 1));
            INDArray std = rowStd(centred);
            INDArray s = std.add(LAYER_NORM_EPSILON);
            accumulate(grads, gain(name), dy.mul(centred).diviColumnVector(s).sum(0));
            accumulate(grads, bias(name), dy.sum(0));
            INDArray d = dy.mulRowVector(gain);
            // a constant row's Σ(d ∘ (x − mean)) is exactly 0: dividing it by 1 instead of 0 gives libnd4j's 0
            INDArray denominator = std.mul(s).muli(s).muli(x.size(1)).addi(std.eq(0.0).castTo(std.dataType()));
            INDArray stdTerm = d.mul(centred).sum(true, 1).divi(denominator);
            dx = d.subiColumnVector(d.mean(true, 1)).diviColumnVector(s).subi(centred.muliColumnVector(stdTerm));
        }
        Profile.kernel("LayerNorm backward", start, 0, Profile.floats(3 * x.length()));
        return dx;
    }

    /** The population standard deviation of each row of a centred array [R, C]: [R, 1]. */
    private static INDArray rowStd(INDArray centred) {
        return Transforms.sqrt(centred.mul(centred).mean(true, 1), false);
    }

    /**
     * GELU(x·W + b) for x [R, in]: the dense layer and ELECTRA's GELU together (with the fused kernels the bias add
     * and the GELU are one pass).
     */
    public static Gelu denseGelu(INDArray x, Map<String, INDArray> p, String name) {
        INDArray w = p.get(kernel(name));
        INDArray b = p.get(bias(name));
        if (vector(x, w, b)) {
            // the bias and GELU applied to each tile as the product writes it: one pass over [R, out] fewer
            long start = Profile.start();
            INDArray y = Nd4j.createUninitialized(x.dataType(), new long[] {x.size(0), w.size(1)}, 'c');
            INDArray out = Nd4j.createUninitialized(x.dataType(), new long[] {x.size(0), w.size(1)}, 'c');
            VectorGemm.multiply(x, w, y, false, false, VectorGemm.Epilogue.biasGelu(b, out));
            if (Profile.ON) {
                Profile.kernel("GEMM " + label(name) + " + bias + GELU", start, 2.0 * y.length() * x.size(1),
                        Profile.floats(x.length() + w.length() + 2 * y.length()));
            }
            return new Gelu(y, out, null);
        }
        return biasGelu(gemm(x, w, false, false, label(name)), b);
    }

    /**
     * {@link #denseBackward} of a dense layer whose input was {@code gelu}'s output, continued through the GELU:
     * the kernel and bias gradients into {@code grads}, returns dLoss/d(GELU's input) [R, in]. In a fused pass the
     * product dOut·Wᵀ multiplies each tile by GELU′ as it writes it (the bits of geluBackward after it).
     */
    public static INDArray denseGeluBackward(INDArray dOut, Gelu gelu, Map<String, INDArray> p, String name,
                                             Map<String, INDArray> grads) {
        INDArray w = p.get(kernel(name));
        if (gelu.gate() != null || !vector(dOut, w, gelu.input())) {
            return geluBackward(denseBackward(dOut, gelu.output(), p, name, grads), gelu);
        }
        String label = label(name);
        accumulate(grads, kernel(name), gemm(gelu.output(), dOut, true, false, Profile.ON ? label + " dW" : null));
        accumulate(grads, bias(name), columnSums(dOut));
        long start = Profile.start();
        INDArray dx = Nd4j.createUninitialized(dOut.dataType(), new long[] {dOut.size(0), w.size(0)}, 'c');
        VectorGemm.multiply(dOut, w, dx, false, true, VectorGemm.Epilogue.geluSlope(gelu.input()));
        if (Profile.ON) {
            Profile.kernel("GEMM " + label + " dX + GELU backward", start, 2.0 * dx.length() * dOut.size(1),
                    Profile.floats(dOut.length() + w.length() + 2 * dx.length()));
        }
        return dx;
    }

    /** GELU(y + bias) for y [R, C] and bias [C]; y + bias is left in y, the backward pass's input. */
    static Gelu biasGelu(INDArray y, INDArray bias) {
        long start = Profile.start();
        Gelu g = vector(y) ? new Gelu(y, VectorKernels.biasGelu(y, bias), null) : gelu(addBias(y, bias));
        Profile.kernel("bias + GELU", start, 0, Profile.floats(2 * y.length()));
        return g;
    }

    /**
     * ELECTRA's GELU, 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))), as x·σ(a) with a = 2√(2/π)(x + 0.044715x³) (the
     * same function, and the graph's form) in ND4J calls: two allocations and four in-place calls, and the gate σ(a)
     * is kept for the backward pass. ND4J M2.1's {@code PreciseGELU} is not this function (the block's output moved
     * by 0.04 and the gradient check failed).
     */
    private static Gelu gelu(INDArray x) {
        // x + 0.044715·x³ as x·(1 + 0.044715·x²): a product instead of powf, which took 4% of the block's time
        INDArray gate = Transforms.sigmoid(x.mul(x).muli(2 * GELU_C * 0.044715).addi(2 * GELU_C).muli(x), false);
        return new Gelu(x, x.mul(gate), gate);
    }

    /** A GELU's input x, its output and its gate σ(a) (null from the fused pass, whose backward pass recomputes it). */
    public record Gelu(INDArray input, INDArray output, INDArray gate) {}

    /**
     * dLoss/dx from dLoss/dOutput (overwritten with the result): d(x·σ(a))/dx = σ + x·σ·(1 − σ)·a′, with
     * x·σ the output and a′ = 2√(2/π)(1 + 3·0.044715x²).
     */
    public static INDArray geluBackward(INDArray dOutput, Gelu gelu) {
        long start = Profile.start();
        INDArray dx;
        if (gelu.gate() == null) {
            dx = VectorKernels.geluBackward(dOutput, gelu.input());
        } else {
            INDArray x = gelu.input();
            INDArray slope = x.mul(x).muli(2 * GELU_C * 3 * 0.044715).addi(2 * GELU_C).muli(gelu.output())
                    .muli(gelu.gate().rsub(1.0)).addi(gelu.gate());
            dx = dOutput.muli(slope);
        }
        Profile.kernel("GELU backward", start, 0, Profile.floats(3 * dOutput.length()));
        return dx;
    }

    /**
     * A dense layer's bias, dropout and residual connection: y ← (y + bias) ∘ mask + residual, in place (one pass
     * for float); returns y.
     */
    public static INDArray biasDropoutResidual(INDArray y, INDArray bias, INDArray mask, INDArray residual) {
        long start = Profile.start();
        INDArray m = isIdentity(mask) ? null : mask;
        if (vector(y, m, residual) && (m == null || m.length() == y.length()) && residual.length() == y.length()) {
            VectorKernels.biasDropoutResidual(y, bias, m, residual);
        } else {
            addInPlace(dropout(addBias(y, bias), m), residual);
        }
        Profile.kernel("bias + dropout + residual", start, 0, Profile.floats((m == null ? 3 : 4) * y.length()));
        return y;
    }

    /**
     * Multiplies x by a dropout mask in place, unless the mask is absent (dropout off) or the single 1 the
     * placeholders give at evaluation.
     */
    public static INDArray dropout(INDArray x, INDArray mask) {
        if (isIdentity(mask)) {
            return x;
        }
        long start = Profile.start();
        if (vector(x, mask) && x.length() == mask.length()) {
            VectorKernels.mulInPlace(x, mask);
        } else {
            x.muli(mask);
        }
        Profile.kernel("dropout", start, 0, Profile.floats(3 * x.length()));
        return x;
    }

    /** x ∘ mask as a new array (x itself unchanged), or x when the mask is absent. */
    public static INDArray masked(INDArray x, INDArray mask) {
        if (isIdentity(mask)) {
            return x;
        }
        long start = Profile.start();
        INDArray y = vector(x, mask) && x.length() == mask.length() ? VectorKernels.product(x, mask) : x.mul(mask);
        Profile.kernel("dropout", start, 0, Profile.floats(3 * x.length()));
        return y;
    }

    /** The softmax over each row of logits [R, V], as a new array (ND4J's op, or one fused pass per row). */
    public static INDArray softmax(INDArray logits) {
        long start = Profile.start();
        INDArray probs = vector(logits) ? VectorKernels.softmaxRows(logits)
                : Nd4j.exec((CustomOp) new SoftMax(logits, logits.ulike(), 1))[0];
        Profile.kernel("softmax over the vocabulary", start, 0, Profile.floats(2 * logits.length()));
        return probs;
    }

    /** [a | b | …]: matrices [R, Cᵢ] side by side, [R, ΣCᵢ] (vectors [Cᵢ] end to end, [ΣCᵢ]). */
    public static INDArray concatColumns(INDArray... parts) {
        if (parts[0].rank() == 1) {
            INDArray[] rows = new INDArray[parts.length];
            for (int i = 0; i < parts.length; i++) {
                rows[i] = parts[i].reshape(1, parts[i].length());
            }
            INDArray joined = concatColumns(rows);
            return joined.reshape(joined.length());
        }
        long start = Profile.start();
        INDArray joined = vector(parts) ? VectorKernels.concatColumns(parts) : Nd4j.concat(1, parts);
        Profile.kernel("QKV kernel concatenation", start, 0, Profile.floats(2 * joined.length()));
        return joined;
    }

    /** Columns from … to − 1 of x [R, C] as a new contiguous array (of a vector [C]: elements, [to − from]). */
    public static INDArray columns(INDArray x, long from, long to) {
        if (x.rank() == 1) {
            return columns(x.reshape(1, x.length()), from, to).reshape(to - from);
        }
        long start = Profile.start();
        INDArray part = vector(x) ? VectorKernels.columns(x, (int) from, (int) to)
                : x.get(NDArrayIndex.all(), NDArrayIndex.interval(from, to)).dup('c');
        Profile.kernel("QKV gradient split", start, 0, Profile.floats(2 * part.length()));
        return part;
    }

    static boolean isIdentity(INDArray mask) {
        return mask == null || (mask.length() == 1 && mask.getDouble(0) == 1.0);
    }

    /**
     * Multi-head self-attention's output and what its backward pass needs.
     *
     * @param context [B·L, H], the heads' outputs side by side
     * @param probs   [B, heads, L, L], the probabilities before dropout
     */
    public record Attention(INDArray context, INDArray probs) {}

    /**
     * context = dropout(softmax(q·kᵀ/√d + bias)) · v for each head: qkv [B·L, 3H] = [q | k | v] (head h of each is
     * its columns h·d …), the additive padding bias [B, 1, 1, L] of each key (0, or a large negative at padding), the
     * dropout mask [B, heads, L, L] (null, or a single 1, when off).
     */
    public static Attention attention(INDArray qkv, INDArray bias, INDArray mask, int batch, int length, int heads) {
        long h = qkv.size(1) / 3;
        double scale = 1.0 / Math.sqrt(h / heads);
        INDArray m = isIdentity(mask) ? null : mask;
        if (vector(qkv, m)) {
            INDArray probs = Nd4j.createUninitialized(qkv.dataType(), batch, heads, length, length);
            INDArray context = Nd4j.createUninitialized(qkv.dataType(), qkv.size(0), h);
            VectorAttention.forward(qkv, bias.reshape(bias.length()).toFloatVector(), (float) scale, m, probs,
                    context, batch, length, heads);
            return new Attention(context, probs);
        }
        INDArray[] qkvHeads = splitQkv(qkv, batch, length, heads);
        INDArray scores = Nd4j.matmul(qkvHeads[0], qkvHeads[1], false, true, false).muli(scale);
        // the padding bias [B, L] is added along dimensions 0 and 3 (every head and query row of a sequence): one
        // broadcast op, where 32 per-sequence row additions took 11 ms at tiny
        Nd4j.getExecutioner().exec(new BroadcastAddOp(scores, bias.reshape(batch, length), scores, 0, 3));
        INDArray probs = Nd4j.exec((CustomOp) new SoftMax(scores, scores, 3))[0];
        INDArray dropped = m == null ? probs : probs.mul(m);
        return new Attention(mergeHeads(Nd4j.matmul(dropped, qkvHeads[2])), probs);
    }

    /** The backward pass of {@link #attention}: dqkv [B·L, 3H] from dContext [B·L, H]. */
    public static INDArray attentionBackward(INDArray dContext, INDArray qkv, Attention a, INDArray mask, int batch,
                                      int length, int heads) {
        double scale = 1.0 / Math.sqrt(qkv.size(1) / 3 / heads);
        INDArray m = isIdentity(mask) ? null : mask;
        if (vector(dContext, qkv, a.probs(), m)) {
            INDArray dqkv = qkv.ulike();
            VectorAttention.backward(dContext, qkv, a.probs(), m, (float) scale, dqkv, batch, length, heads);
            return dqkv;
        }
        INDArray[] qkvHeads = splitQkv(qkv, batch, length, heads);
        INDArray dOut = splitHeads(dContext, batch, length, heads);
        INDArray probs = a.probs();
        INDArray dropped = m == null ? probs : probs.mul(m);
        INDArray dv = Nd4j.matmul(dropped, dOut, true, false, false);
        INDArray dProbs = dropout(Nd4j.matmul(dOut, qkvHeads[2], false, true, false), m);
        // softmax backward over rows of L: ds = p ∘ (dp − Σ dp∘p), then the 1/√d scale
        long rows = probs.length() / length;
        INDArray p2 = probs.reshape(rows, length);
        INDArray dp2 = dProbs.reshape(rows, length);
        INDArray dot = dp2.mul(p2).sum(true, 1);
        INDArray ds = dp2.subiColumnVector(dot).muli(p2).muli(scale).reshape(probs.shape());
        INDArray dq = Nd4j.matmul(ds, qkvHeads[1]);
        INDArray dk = Nd4j.matmul(ds, qkvHeads[0], true, false, false);
        return Nd4j.hstack(mergeHeads(dq), mergeHeads(dk), mergeHeads(dv));
    }

    /** qkv [B·L, 3H] → {q, k, v}, each [B, heads, L, d]. */
    private static INDArray[] splitQkv(INDArray qkv, int batch, int length, int heads) {
        long h = qkv.size(1) / 3;
        INDArray[] out = new INDArray[3];
        for (int i = 0; i < 3; i++) {
            out[i] = splitHeads(qkv.get(NDArrayIndex.all(), NDArrayIndex.interval(i * h, (i + 1) * h)).dup('c'),
                    batch, length, heads);
        }
        return out;
    }

    /** [B·L, heads·d] → [B, heads, L, d] (contiguous). */
    private static INDArray splitHeads(INDArray x, int batch, int length, int heads) {
        return x.reshape('c', batch, length, heads, x.size(1) / heads).permute(0, 2, 1, 3).dup('c');
    }

    /** [B, heads, L, d] → [B·L, heads·d] (contiguous). */
    private static INDArray mergeHeads(INDArray x) {
        return x.permute(0, 2, 1, 3).dup('c').reshape('c', x.size(0) * x.size(2), x.size(1) * x.size(3));
    }
}
