package dev.electra.pipeline.model;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.transforms.custom.LayerNorm;
import org.nd4j.linalg.api.ops.impl.transforms.custom.LayerNormBp;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * One post-LN transformer block written with ND4J array calls and a hand-written backward pass: the candidate
 * replacement for the SameDiff block of {@link ElectraModel}, whose step time is dominated by running many small ops
 * one by one (docs/benchmarks.md). Same function as the graph's block with dropout off: multi-head self-attention with
 * an additive padding bias, output projection, residual + LayerNorm, GELU feed-forward (tanh approximation),
 * residual + LayerNorm. Rows are tokens: x is [B·L, H], row b·L + t.
 *
 * <p>Parameter names follow the graph's ({@code attention/query/kernel} …) without the layer prefix.
 */
public final class TransformerBlock {
    static final String[] NAMES = {"attention/query/kernel", "attention/query/bias", "attention/key/kernel",
        "attention/key/bias", "attention/value/kernel", "attention/value/bias", "attention/output/kernel",
        "attention/output/bias", "attention/ln/gain", "attention/ln/bias", "ffn/intermediate/kernel",
        "ffn/intermediate/bias", "ffn/output/kernel", "ffn/output/bias", "ffn/ln/gain", "ffn/ln/bias"};
    private static final double GELU_C = Math.sqrt(2.0 / Math.PI);

    private final int batch;
    private final int length;
    private final int heads;
    private final Map<String, INDArray> p;

    /** Activations kept by {@link #forward} for {@link #backward}. */
    public static final class Cache {
        INDArray x;
        INDArray q;
        INDArray k;
        INDArray v;
        INDArray probs;
        INDArray context;
        INDArray r1;
        INDArray y1;
        INDArray u;
        INDArray g;
        INDArray r2;
        INDArray y;

        public INDArray output() {
            return y;
        }
    }

    /**
     * @param params the block's parameters by {@link #NAMES}: kernels [in, out], biases and LayerNorm [width]
     */
    public TransformerBlock(Map<String, INDArray> params, int batch, int length, int heads) {
        for (String n : NAMES) {
            if (!params.containsKey(n)) {
                throw new IllegalArgumentException("block parameter " + n + " is missing");
            }
        }
        this.p = params;
        this.batch = batch;
        this.length = length;
        this.heads = heads;
    }

    /** Forward pass of x [B·L, H] with the additive attention bias [B, 1, 1, L] (0 or a large negative). */
    public Cache forward(INDArray x, INDArray attentionBias) {
        Cache c = new Cache();
        long h = x.size(1);
        int d = (int) (h / heads);
        c.x = x;
        c.q = split(dense(x, "attention/query"), d);
        c.k = split(dense(x, "attention/key"), d);
        c.v = split(dense(x, "attention/value"), d);
        // [B, heads, L, L]; the padding bias [B, L] is added along dimensions 0 and 3 (every head and query row of
        // a sequence): one broadcast op, where 32 per-sequence row additions took 11 ms at tiny
        INDArray scores = Nd4j.matmul(c.q, c.k, false, true, false).muli(1.0 / Math.sqrt(d));
        Nd4j.getExecutioner().exec(new BroadcastAddOp(scores, attentionBias.reshape(batch, length), scores, 0, 3));
        c.probs = Nd4j.exec((CustomOp) new SoftMax(scores, scores, 3))[0];
        c.context = merge(Nd4j.matmul(c.probs, c.v), h);
        c.r1 = dense(c.context, "attention/output").addi(x);
        c.y1 = layerNorm(c.r1, "attention/ln");
        c.u = dense(c.y1, "ffn/intermediate");
        c.g = gelu(c.u);
        c.r2 = dense(c.g, "ffn/output").addi(c.y1);
        c.y = layerNorm(c.r2, "ffn/ln");
        return c;
    }

    /** Gradients of every parameter (by {@link #NAMES}) and of the input ({@code "x"}) given dLoss/dOutput. */
    public Map<String, INDArray> backward(Cache c, INDArray dy) {
        Map<String, INDArray> grads = new LinkedHashMap<>();
        long h = c.x.size(1);
        int d = (int) (h / heads);
        INDArray dr2 = layerNormBackward(dy, c.r2, "ffn/ln", grads);
        // r2 = y1 + g·W2 + b2
        INDArray dg = denseBackward(dr2, c.g, "ffn/output", grads);
        INDArray du = dg.muli(geluDerivative(c.u));
        INDArray dy1 = denseBackward(du, c.y1, "ffn/intermediate", grads).addi(dr2);
        INDArray dr1 = layerNormBackward(dy1, c.r1, "attention/ln", grads);
        // r1 = x + context·Wo + bo
        INDArray dContext = split(denseBackward(dr1, c.context, "attention/output", grads), d);
        INDArray dProbs = Nd4j.matmul(dContext, c.v, false, true, false);
        INDArray dv = Nd4j.matmul(c.probs, dContext, true, false, false);
        // softmax backward over rows of L: ds = p ∘ (dp − Σ dp∘p), then the 1/√d scale
        long rows = (long) batch * heads * length;
        INDArray p2 = c.probs.reshape(rows, length);
        INDArray dp2 = dProbs.reshape(rows, length);
        INDArray dot = dp2.mul(p2).sum(true, 1);
        INDArray ds = dp2.subiColumnVector(dot).muli(p2).muli(1.0 / Math.sqrt(d))
                .reshape(batch, heads, length, length);
        INDArray dq = Nd4j.matmul(ds, c.k);
        INDArray dk = Nd4j.matmul(ds, c.q, true, false, false);
        INDArray dx = dr1.dup();
        dx.addi(denseBackward(merge(dq, h), c.x, "attention/query", grads));
        dx.addi(denseBackward(merge(dk, h), c.x, "attention/key", grads));
        dx.addi(denseBackward(merge(dv, h), c.x, "attention/value", grads));
        grads.put("x", dx);
        return grads;
    }

    private INDArray dense(INDArray x, String name) {
        return gemm(x, p.get(name + "/kernel"), false, false).addiRowVector(p.get(name + "/bias"));
    }

    /** dOut [R, out] → kernel and bias gradients into {@code grads}; returns dIn [R, in]. */
    private INDArray denseBackward(INDArray dOut, INDArray in, String name, Map<String, INDArray> grads) {
        grads.put(name + "/kernel", gemm(in, dOut, true, false));
        grads.put(name + "/bias", columnSums(dOut));
        return gemm(dOut, p.get(name + "/kernel"), false, true);
    }

    /**
     * a·b (either transposed) into a new row-major array through BLAS directly: INDArray.mmul on row-major
     * operands ran 5–9× slower here (16 against 79 GFLOP/s at [4096, 128] × [128, 128], docs/benchmarks.md).
     */
    static INDArray gemm(INDArray a, INDArray b, boolean transposeA, boolean transposeB) {
        long rows = transposeA ? a.size(1) : a.size(0);
        long cols = transposeB ? b.size(0) : b.size(1);
        INDArray out = Nd4j.create(a.dataType(), new long[] {rows, cols}, 'c');
        return Nd4j.gemm(a, b, out, transposeA, transposeB, 1.0, 0.0);
    }

    /**
     * Σ over rows of a row-major [R, C] as onesᵀ·a through BLAS ([C]): ND4J's sum along dimension 0 walks the
     * columns with a stride and cost as much as a dense layer's GEMM.
     */
    private static INDArray columnSums(INDArray a) {
        return gemm(Nd4j.ones(a.dataType(), 1, a.size(0)), a, false, false).reshape(a.size(1));
    }

    /** [B·L, H] → [B, heads, L, d] (contiguous). */
    private INDArray split(INDArray x, int d) {
        return x.reshape('c', batch, length, heads, d).permute(0, 2, 1, 3).dup('c');
    }

    /** [B, heads, L, d] → [B·L, H] (contiguous). */
    private INDArray merge(INDArray x, long h) {
        return x.permute(0, 2, 1, 3).dup('c').reshape('c', (long) batch * length, h);
    }

    /**
     * LayerNorm over each row with ND4J's native op and its native backward: one call each instead of seven and
     * nine, and the same op (so the same epsilon, fixed inside libnd4j) as the SameDiff graph's.
     */
    private INDArray layerNorm(INDArray x, String name) {
        INDArray y = x.ulike();
        Nd4j.exec(new LayerNorm(x, p.get(name + "/gain"), p.get(name + "/bias"), y, false, 1));
        return y;
    }

    private INDArray layerNormBackward(INDArray dy, INDArray x, String name, Map<String, INDArray> grads) {
        INDArray dx = x.ulike();
        INDArray dGain = p.get(name + "/gain").ulike();
        INDArray dBias = p.get(name + "/bias").ulike();
        Nd4j.exec(new LayerNormBp(x, p.get(name + "/gain"), p.get(name + "/bias"), dy, dx, dGain, dBias, false, 1));
        grads.put(name + "/gain", dGain);
        grads.put(name + "/bias", dBias);
        return dx;
    }

    /**
     * ELECTRA's GELU: 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))), written out: ND4J M2.1's {@code PreciseGELU} and
     * its derivative op do not match this form (the block's output moved by 0.04 and the gradient check failed).
     */
    static INDArray gelu(INDArray x) {
        // x + 0.044715·x³ as x·(1 + 0.044715·x²): a product instead of powf, which took 4% of the block's time
        INDArray t = Transforms.tanh(x.mul(x).muli(0.044715).addi(1.0).muli(x).muli(GELU_C), false);
        return t.addi(1.0).muli(x).muli(0.5);
    }

    static INDArray geluDerivative(INDArray x) {
        INDArray x2 = x.mul(x);
        INDArray t = Transforms.tanh(x2.mul(0.044715).addi(1.0).muli(x).muli(GELU_C), false);
        // 0.5(1 + t) + 0.5·x·(1 − t²)·√(2/π)(1 + 3·0.044715·x²)
        INDArray inner = x2.muli(3 * 0.044715).addi(1.0).muli(GELU_C).muli(x).muli(t.mul(t).rsubi(1.0)).muli(0.5);
        return t.addi(1.0).muli(0.5).addi(inner);
    }
}
