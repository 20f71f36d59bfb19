package dev.electra.pipeline.model;

import static dev.electra.pipeline.model.Kernels.dense;
import static dev.electra.pipeline.model.Kernels.denseBackward;
import static dev.electra.pipeline.model.Kernels.dropout;
import static dev.electra.pipeline.model.Kernels.gelu;
import static dev.electra.pipeline.model.Kernels.geluBackward;
import static dev.electra.pipeline.model.Kernels.isIdentity;
import static dev.electra.pipeline.model.Kernels.layerNorm;
import static dev.electra.pipeline.model.Kernels.layerNormBackward;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One post-LN transformer block written with ND4J array calls and a hand-written backward pass, the same function
 * as the SameDiff graph's block (docs/benchmarks.md: 1.4–1.8× faster): multi-head self-attention with an additive
 * padding bias, dropout on the attention probabilities, output projection, dropout, residual + LayerNorm, GELU
 * feed-forward (tanh approximation), dropout, residual + LayerNorm. Rows are tokens: x is [B·L, H], row b·L + t.
 *
 * <p>Parameter names follow the graph's: {@code prefix + "attention/query/kernel"} … with {@code prefix} the
 * layer's ({@code "discriminator/layer_0/"}), or empty for a map of one block's parameters.
 */
public final class TransformerBlock {
    static final String[] NAMES = {"attention/query/kernel", "attention/query/bias", "attention/key/kernel",
        "attention/key/bias", "attention/value/kernel", "attention/value/bias", "attention/output/kernel",
        "attention/output/bias", "attention/ln/gain", "attention/ln/bias", "ffn/intermediate/kernel",
        "ffn/intermediate/bias", "ffn/output/kernel", "ffn/output/bias", "ffn/ln/gain", "ffn/ln/bias"};

    private final String prefix;
    private final int batch;
    private final int length;
    private final int heads;
    private final Map<String, INDArray> p;

    /**
     * Dropout masks of one block (already scaled by 1/(1 − rate)); null, or a single 1, where dropout is off.
     *
     * @param probs           [B, heads, L, L], on the attention probabilities
     * @param attentionOutput [B·L, H], on the attention's output projection
     * @param ffnOutput       [B·L, H], on the feed-forward output
     */
    public record DropoutMasks(INDArray probs, INDArray attentionOutput, INDArray ffnOutput) {
        static final DropoutMasks NONE = new DropoutMasks(null, null, null);
    }

    /** Activations kept by {@link #forward} for {@link #backward}. */
    public static final class Cache {
        INDArray x;
        DropoutMasks masks;
        INDArray q;
        INDArray k;
        INDArray v;
        INDArray probs;
        INDArray probsDropped;
        INDArray context;
        INDArray r1;
        INDArray y1;
        INDArray u;
        Kernels.Gelu g;
        INDArray r2;
        INDArray y;

        public INDArray output() {
            return y;
        }
    }

    /** A block whose parameters are {@link #NAMES} themselves in {@code params}. */
    public TransformerBlock(Map<String, INDArray> params, int batch, int length, int heads) {
        this(params, "", batch, length, heads);
    }

    /**
     * @param params kernels [in, out], biases and LayerNorm [width], by {@code prefix} + {@link #NAMES}; read on
     *               every call, so updates to the arrays are seen
     */
    public TransformerBlock(Map<String, INDArray> params, String prefix, int batch, int length, int heads) {
        for (String n : NAMES) {
            if (!params.containsKey(prefix + n)) {
                throw new IllegalArgumentException("block parameter " + prefix + n + " is missing");
            }
        }
        this.p = params;
        this.prefix = prefix;
        this.batch = batch;
        this.length = length;
        this.heads = heads;
    }

    /** Forward pass without dropout. */
    public Cache forward(INDArray x, INDArray attentionBias) {
        return forward(x, attentionBias, DropoutMasks.NONE);
    }

    /** Forward pass of x [B·L, H] with the additive attention bias [B, 1, 1, L] (0 or a large negative). */
    public Cache forward(INDArray x, INDArray attentionBias, DropoutMasks masks) {
        Cache c = new Cache();
        long h = x.size(1);
        int d = (int) (h / heads);
        c.x = x;
        c.masks = masks;
        c.q = split(dense(x, p, prefix + "attention/query"), d);
        c.k = split(dense(x, p, prefix + "attention/key"), d);
        c.v = split(dense(x, p, prefix + "attention/value"), d);
        // [B, heads, L, L]; the padding bias [B, L] is added along dimensions 0 and 3 (every head and query row of
        // a sequence): one broadcast op, where 32 per-sequence row additions took 11 ms at tiny
        INDArray scores = Nd4j.matmul(c.q, c.k, false, true, false).muli(1.0 / Math.sqrt(d));
        Nd4j.getExecutioner().exec(new BroadcastAddOp(scores, attentionBias.reshape(batch, length), scores, 0, 3));
        c.probs = Nd4j.exec((CustomOp) new SoftMax(scores, scores, 3))[0];
        c.probsDropped = isIdentity(masks.probs()) ? c.probs : c.probs.mul(masks.probs());
        c.context = merge(Nd4j.matmul(c.probsDropped, c.v), h);
        c.r1 = dropout(dense(c.context, p, prefix + "attention/output"), masks.attentionOutput()).addi(x);
        c.y1 = layerNorm(c.r1, p, prefix + "attention/ln");
        c.u = dense(c.y1, p, prefix + "ffn/intermediate");
        c.g = gelu(c.u);
        c.r2 = dropout(dense(c.g.output(), p, prefix + "ffn/output"), masks.ffnOutput()).addi(c.y1);
        c.y = layerNorm(c.r2, p, prefix + "ffn/ln");
        return c;
    }

    /** Gradients of every parameter (by {@link #NAMES}) and of the input ({@code "x"}) given dLoss/dOutput. */
    public Map<String, INDArray> backward(Cache c, INDArray dy) {
        Map<String, INDArray> grads = new LinkedHashMap<>();
        grads.put("x", backward(c, dy, grads));
        return grads;
    }

    /**
     * Adds the gradients of the block's parameters (by their full names) into {@code grads}, given dLoss/dOutput
     * [B·L, H] (which may be overwritten); returns dLoss/dInput.
     */
    public INDArray backward(Cache c, INDArray dy, Map<String, INDArray> grads) {
        long h = c.x.size(1);
        int d = (int) (h / heads);
        INDArray dr2 = layerNormBackward(dy, c.r2, p, prefix + "ffn/ln", grads);
        // r2 = y1 + mask ∘ (g·W2 + b2)
        INDArray dg = denseBackward(masked(dr2, c.masks.ffnOutput()), c.g.output(), p, prefix + "ffn/output",
                grads);
        INDArray du = geluBackward(dg, c.u, c.g);
        INDArray dy1 = denseBackward(du, c.y1, p, prefix + "ffn/intermediate", grads).addi(dr2);
        INDArray dr1 = layerNormBackward(dy1, c.r1, p, prefix + "attention/ln", grads);
        // r1 = x + mask ∘ (context·Wo + bo)
        INDArray dContext = split(denseBackward(masked(dr1, c.masks.attentionOutput()), c.context, p,
                prefix + "attention/output", grads), d);
        INDArray dProbs = Nd4j.matmul(dContext, c.v, false, true, false);
        INDArray dv = Nd4j.matmul(c.probsDropped, dContext, true, false, false);
        dropout(dProbs, c.masks.probs());
        // softmax backward over rows of L: ds = p ∘ (dp − Σ dp∘p), then the 1/√d scale
        long rows = (long) batch * heads * length;
        INDArray p2 = c.probs.reshape(rows, length);
        INDArray dp2 = dProbs.reshape(rows, length);
        INDArray dot = dp2.mul(p2).sum(true, 1);
        INDArray ds = dp2.subiColumnVector(dot).muli(p2).muli(1.0 / Math.sqrt(d))
                .reshape(batch, heads, length, length);
        INDArray dq = Nd4j.matmul(ds, c.k);
        INDArray dk = Nd4j.matmul(ds, c.q, true, false, false);
        INDArray dx = dr1;
        dx.addi(denseBackward(merge(dq, h), c.x, p, prefix + "attention/query", grads));
        dx.addi(denseBackward(merge(dk, h), c.x, p, prefix + "attention/key", grads));
        dx.addi(denseBackward(merge(dv, h), c.x, p, prefix + "attention/value", grads));
        return dx;
    }

    /** d ∘ mask as a new array (d itself is still needed for the residual's gradient). */
    private static INDArray masked(INDArray d, INDArray mask) {
        return isIdentity(mask) ? d : d.mul(mask);
    }

    /** [B·L, H] → [B, heads, L, d] (contiguous). */
    private INDArray split(INDArray x, int d) {
        return x.reshape('c', batch, length, heads, d).permute(0, 2, 1, 3).dup('c');
    }

    /** [B, heads, L, d] → [B·L, H] (contiguous). */
    private INDArray merge(INDArray x, long h) {
        return x.permute(0, 2, 1, 3).dup('c').reshape('c', (long) batch * length, h);
    }
}
