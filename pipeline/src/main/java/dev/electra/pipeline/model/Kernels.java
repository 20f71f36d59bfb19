package dev.electra.pipeline.model;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The array calls the hand-written passes ({@link TransformerBlock}, {@link DirectPass}) are made of, each chosen
 * by measurement (docs/benchmarks.md): GEMMs through BLAS into fresh row-major arrays, row-wise work as Java loops
 * ({@link Loops}), the tanh-form GELU in few element-wise calls. Rows are tokens (or slots); a dense
 * layer's parameters are {@code name/kernel} [in, out] and {@code name/bias} [out] in a parameter map.
 */
final class Kernels {
    private static final double GELU_C = Math.sqrt(2.0 / Math.PI);

    private Kernels() {}

    /** x·W + b for x [R, in]. */
    static INDArray dense(INDArray x, Map<String, INDArray> p, String name) {
        return gemm(x, p.get(name + "/kernel"), false, false).addiRowVector(p.get(name + "/bias"));
    }

    /** dOut [R, out] → kernel and bias gradients added into {@code grads}; returns dIn [R, in]. */
    static INDArray denseBackward(INDArray dOut, INDArray in, Map<String, INDArray> p, String name,
                                  Map<String, INDArray> grads) {
        accumulate(grads, name + "/kernel", gemm(in, dOut, true, false));
        accumulate(grads, name + "/bias", Loops.columnSums(dOut));
        return gemm(dOut, p.get(name + "/kernel"), false, true);
    }

    /** Adds {@code g} into {@code grads[name]} (a parameter used more than once sums its gradients). */
    static void accumulate(Map<String, INDArray> grads, String name, INDArray g) {
        INDArray old = grads.get(name);
        if (old == null) {
            grads.put(name, g);
        } else {
            old.addi(g);
        }
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

    /** LayerNorm over each row: the graph's native op's function ({@link Loops#layerNorm}). */
    static INDArray layerNorm(INDArray x, Map<String, INDArray> p, String name) {
        return Loops.layerNorm(x, p.get(name + "/gain"), p.get(name + "/bias"));
    }

    /** The backward pass of {@link #layerNorm}: gain and bias gradients into {@code grads}, returns dx. */
    static INDArray layerNormBackward(INDArray dy, INDArray x, Map<String, INDArray> p, String name,
                                      Map<String, INDArray> grads) {
        INDArray[] d = Loops.layerNormBackward(dy, x, p.get(name + "/gain"));
        accumulate(grads, name + "/gain", d[1]);
        accumulate(grads, name + "/bias", d[2]);
        return d[0];
    }

    /**
     * ELECTRA's GELU, 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))), as x·σ(a) with a = 2√(2/π)(x + 0.044715x³) (the
     * same function, and the graph's form): two allocations and four in-place calls, and the gate σ(a) is kept for
     * the backward pass. ND4J M2.1's {@code PreciseGELU} is not this function (the block's output moved by 0.04 and
     * the gradient check failed).
     */
    static Gelu gelu(INDArray x) {
        // x + 0.044715·x³ as x·(1 + 0.044715·x²): a product instead of powf, which took 4% of the block's time
        INDArray gate = Transforms.sigmoid(x.mul(x).muli(2 * GELU_C * 0.044715).addi(2 * GELU_C).muli(x), false);
        return new Gelu(x.mul(gate), gate);
    }

    /** A GELU's output and its gate σ(a). */
    record Gelu(INDArray output, INDArray gate) {}

    /**
     * dLoss/dx from dLoss/dOutput (overwritten with the result): d(x·σ(a))/dx = σ + x·σ·(1 − σ)·a′, with
     * x·σ the output and a′ = 2√(2/π)(1 + 3·0.044715x²).
     */
    static INDArray geluBackward(INDArray dOutput, INDArray x, Gelu gelu) {
        INDArray slope = x.mul(x).muli(2 * GELU_C * 3 * 0.044715).addi(2 * GELU_C).muli(gelu.output())
                .muli(gelu.gate().rsub(1.0)).addi(gelu.gate());
        return dOutput.muli(slope);
    }

    /**
     * Multiplies x by a dropout mask in place, unless the mask is absent (dropout off) or the single 1 the
     * placeholders give at evaluation.
     */
    static INDArray dropout(INDArray x, INDArray mask) {
        return isIdentity(mask) ? x : x.muli(mask);
    }

    static boolean isIdentity(INDArray mask) {
        return mask == null || (mask.length() == 1 && mask.getDouble(0) == 1.0);
    }
}
