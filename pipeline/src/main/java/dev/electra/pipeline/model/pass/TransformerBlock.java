package dev.electra.pipeline.model.pass;

import static dev.electra.pipeline.model.ParameterNames.ATTENTION_LN;
import static dev.electra.pipeline.model.ParameterNames.ATTENTION_OUTPUT;
import static dev.electra.pipeline.model.ParameterNames.FFN_INTERMEDIATE;
import static dev.electra.pipeline.model.ParameterNames.FFN_LN;
import static dev.electra.pipeline.model.ParameterNames.FFN_OUTPUT;
import static dev.electra.pipeline.model.ParameterNames.KEY;
import static dev.electra.pipeline.model.ParameterNames.QUERY;
import static dev.electra.pipeline.model.ParameterNames.VALUE;
import static dev.electra.pipeline.model.ParameterNames.bias;
import static dev.electra.pipeline.model.ParameterNames.gain;
import static dev.electra.pipeline.model.ParameterNames.kernel;
import static dev.electra.pipeline.model.kernels.Kernels.accumulate;
import static dev.electra.pipeline.model.kernels.Kernels.addBias;
import static dev.electra.pipeline.model.kernels.Kernels.addInPlace;
import static dev.electra.pipeline.model.kernels.Kernels.attention;
import static dev.electra.pipeline.model.kernels.Kernels.attentionBackward;
import static dev.electra.pipeline.model.kernels.Kernels.biasDropoutResidual;
import static dev.electra.pipeline.model.kernels.Kernels.columnSums;
import static dev.electra.pipeline.model.kernels.Kernels.columns;
import static dev.electra.pipeline.model.kernels.Kernels.concatColumns;
import static dev.electra.pipeline.model.kernels.Kernels.denseBackward;
import static dev.electra.pipeline.model.kernels.Kernels.denseGelu;
import static dev.electra.pipeline.model.kernels.Kernels.denseGeluBackward;
import static dev.electra.pipeline.model.kernels.Kernels.gemm;
import static dev.electra.pipeline.model.kernels.Kernels.layerNorm;
import static dev.electra.pipeline.model.kernels.Kernels.layerNormBackward;
import static dev.electra.pipeline.model.kernels.Kernels.masked;

import dev.electra.pipeline.model.ParameterNames;
import dev.electra.pipeline.model.kernels.Kernels;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One post-LN transformer block made of {@link Kernels}' calls with a hand-written backward pass, the same function
 * as the SameDiff graph's block (docs/benchmarks.md): multi-head self-attention with an additive
 * padding bias, dropout on the attention probabilities, output projection, dropout, residual + LayerNorm, GELU
 * feed-forward (tanh approximation), dropout, residual + LayerNorm. Rows are tokens: x is [B·L, H], row b·L + t.
 *
 * <p>Parameter names are {@link ParameterNames}': {@code LAYER/attention/query/kernel} … with {@code LAYER} the
 * block's ({@code discriminator/layer_0}), or {@code attention/query/kernel} … in a map of one block's parameters.
 */
public final class TransformerBlock {
    private static final String[] QKV = {QUERY, KEY, VALUE};
    /** The names of a block's parameters within the block, in the graph's order. */
    public static final List<String> NAMES = names();

    private static List<String> names() {
        List<String> names = new ArrayList<>();
        for (String dense : List.of(QUERY, KEY, VALUE, ATTENTION_OUTPUT)) {
            names.add(kernel(dense));
            names.add(bias(dense));
        }
        names.add(gain(ATTENTION_LN));
        names.add(bias(ATTENTION_LN));
        for (String dense : List.of(FFN_INTERMEDIATE, FFN_OUTPUT)) {
            names.add(kernel(dense));
            names.add(bias(dense));
        }
        names.add(gain(FFN_LN));
        names.add(bias(FFN_LN));
        return List.copyOf(names);
    }

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
        INDArray qkvKernel;
        INDArray qkv;
        Kernels.Attention attention;
        INDArray r1;
        INDArray y1;
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
     * @param params kernels [in, out], biases and LayerNorm [width], by {@code layer}/{@link #NAMES}; read on
     *               every call, so updates to the arrays are seen
     * @param layer  the block's name ({@link ParameterNames#layer}), or empty when {@code params} is one block's
     */
    public TransformerBlock(Map<String, INDArray> params, String layer, int batch, int length, int heads) {
        this.prefix = layer.isEmpty() ? "" : layer + "/";
        for (String n : NAMES) {
            if (!params.containsKey(prefix + n)) {
                throw new IllegalArgumentException("block parameter " + prefix + n + " is missing");
            }
        }
        this.p = params;
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
        c.x = x;
        c.masks = masks;
        // the query, key and value projections as one product with [Wq | Wk | Wv]: one pass over x, wider GEMMs
        c.qkvKernel = concatColumns(p.get(prefix + kernel(QKV[0])), p.get(prefix + kernel(QKV[1])),
                p.get(prefix + kernel(QKV[2])));
        c.qkv = addBias(gemm(x, c.qkvKernel, false, false, "attention/qkv"), concatColumns(p.get(prefix + bias(QKV[0])),
                p.get(prefix + bias(QKV[1])), p.get(prefix + bias(QKV[2]))));
        c.attention = attention(c.qkv, attentionBias, masks.probs(), batch, length, heads);
        c.r1 = biasDropoutResidual(gemm(c.attention.context(), p.get(prefix + kernel(ATTENTION_OUTPUT)), false,
                false, ATTENTION_OUTPUT), p.get(prefix + bias(ATTENTION_OUTPUT)), masks.attentionOutput(), x);
        c.y1 = layerNorm(c.r1, p, prefix + ATTENTION_LN);
        c.g = denseGelu(c.y1, p, prefix + FFN_INTERMEDIATE);
        c.r2 = biasDropoutResidual(gemm(c.g.output(), p.get(prefix + kernel(FFN_OUTPUT)), false, false, FFN_OUTPUT),
                p.get(prefix + bias(FFN_OUTPUT)), masks.ffnOutput(), c.y1);
        c.y = layerNorm(c.r2, p, prefix + FFN_LN);
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
        INDArray dr2 = layerNormBackward(dy, c.r2, p, prefix + FFN_LN, grads);
        // r2 = y1 + mask ∘ (g·W2 + b2)
        INDArray du = denseGeluBackward(masked(dr2, c.masks.ffnOutput()), c.g, p, prefix + FFN_OUTPUT, grads);
        INDArray dy1 = addInPlace(denseBackward(du, c.y1, p, prefix + FFN_INTERMEDIATE, grads), dr2);
        INDArray dr1 = layerNormBackward(dy1, c.r1, p, prefix + ATTENTION_LN, grads);
        // r1 = x + mask ∘ (context·Wo + bo)
        INDArray dContext = denseBackward(masked(dr1, c.masks.attentionOutput()), c.attention.context(), p,
                prefix + ATTENTION_OUTPUT, grads);
        INDArray dqkv = attentionBackward(dContext, c.qkv, c.attention, c.masks.probs(), batch, length, heads);
        long h = c.x.size(1);
        INDArray dKernel = gemm(c.x, dqkv, true, false, "attention/qkv dW");
        INDArray dBias = columnSums(dqkv);
        for (int i = 0; i < 3; i++) {
            accumulate(grads, prefix + kernel(QKV[i]), columns(dKernel, i * h, (i + 1) * h));
            accumulate(grads, prefix + bias(QKV[i]), columns(dBias, i * h, (i + 1) * h));
        }
        return addInPlace(dr1, gemm(dqkv, c.qkvKernel, false, true, "attention/qkv dX"));
    }
}
