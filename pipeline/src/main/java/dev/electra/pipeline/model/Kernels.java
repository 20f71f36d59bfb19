package dev.electra.pipeline.model;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scatter.ScatterAdd;
import org.nd4j.linalg.api.ops.impl.transforms.custom.LayerNorm;
import org.nd4j.linalg.api.ops.impl.transforms.custom.LayerNormBp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The array calls the hand-written passes ({@link TransformerBlock}, {@link DirectPass}) are made of, each chosen
 * by measurement (docs/benchmarks.md): GEMMs through BLAS into fresh row-major arrays, column sums as a GEMM,
 * ND4J's native LayerNorm and its backward, the tanh-form GELU written out. Rows are tokens (or slots); a dense
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
        accumulate(grads, name + "/bias", columnSums(dOut));
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

    /**
     * Σ over rows of a row-major [R, C] as onesᵀ·a through BLAS ([C]): ND4J's sum along dimension 0 walks the
     * columns with a stride and cost as much as a dense layer's GEMM.
     */
    static INDArray columnSums(INDArray a) {
        return gemm(Nd4j.ones(a.dataType(), 1, a.size(0)), a, false, false).reshape(a.size(1));
    }

    /**
     * LayerNorm over each row with ND4J's native op: the same op (so the same epsilon, fixed inside libnd4j) as
     * the SameDiff graph's.
     */
    static INDArray layerNorm(INDArray x, Map<String, INDArray> p, String name) {
        INDArray y = x.ulike();
        Nd4j.exec(new LayerNorm(x, p.get(name + "/gain"), p.get(name + "/bias"), y, false, 1));
        return y;
    }

    /** The native backward of {@link #layerNorm}: gain and bias gradients into {@code grads}, returns dx. */
    static INDArray layerNormBackward(INDArray dy, INDArray x, Map<String, INDArray> p, String name,
                                      Map<String, INDArray> grads) {
        INDArray dx = x.ulike();
        INDArray dGain = p.get(name + "/gain").ulike();
        INDArray dBias = p.get(name + "/bias").ulike();
        Nd4j.exec(new LayerNormBp(x, p.get(name + "/gain"), p.get(name + "/bias"), dy, dx, dGain, dBias, false, 1));
        accumulate(grads, name + "/gain", dGain);
        accumulate(grads, name + "/bias", dBias);
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

    /** d gelu(x) / dx, elementwise. */
    static INDArray geluDerivative(INDArray x) {
        INDArray x2 = x.mul(x);
        INDArray t = Transforms.tanh(x2.mul(0.044715).addi(1.0).muli(x).muli(GELU_C), false);
        // 0.5(1 + t) + 0.5·x·(1 − t²)·√(2/π)(1 + 3·0.044715·x²)
        INDArray inner = x2.muli(3 * 0.044715).addi(1.0).muli(GELU_C).muli(x).muli(t.mul(t).rsubi(1.0)).muli(0.5);
        return t.addi(1.0).muli(0.5).addi(inner);
    }

    /** table[ids[i]] += rows[i] for every row (repeated ids add up), in place. */
    static void scatterAddRows(INDArray table, INDArray ids, INDArray rows) {
        INDArray[] summed = Nd4j.exec(new ScatterAdd(table, ids, rows));
        if (summed[0] != table) {
            table.assign(summed[0]);
        }
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
