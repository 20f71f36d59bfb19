package dev.electra.pipeline.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The hand-written block against central differences (double precision) and against the SameDiff block's ops. */
class TransformerBlockTest {
    static final int B = 2;
    static final int L = 5;
    static final int H = 8;
    static final int HEADS = 2;
    static final int F = 12;

    static Map<String, INDArray> params(DataType type, long seed) {
        Nd4j.getRandom().setSeed(seed);
        Map<String, INDArray> p = new LinkedHashMap<>();
        for (String n : TransformerBlock.NAMES) {
            long[] shape = n.endsWith("kernel")
                    ? new long[] {n.startsWith("ffn/output") ? F : H, n.startsWith("ffn/intermediate") ? F : H}
                    : new long[] {n.startsWith("ffn/intermediate") ? F : H};
            // Non-trivial gains and biases, so their gradients are checked where they matter.
            INDArray v = Nd4j.randn(type, shape).muli(n.endsWith("kernel") ? 0.4 : 0.2);
            p.put(n, n.endsWith("gain") ? v.addi(1.0) : v);
        }
        return p;
    }

    static INDArray bias(DataType type) {
        INDArray bias = Nd4j.zeros(type, B, 1, 1, L);
        bias.putScalar(new long[] {1, 0, 0, L - 1}, -10000.0);
        bias.putScalar(new long[] {1, 0, 0, L - 2}, -10000.0);
        return bias;
    }

    /** Loss Σ y ∘ R for a fixed random R: its gradient with respect to y is R. */
    static double loss(TransformerBlock block, INDArray x, INDArray bias, INDArray r) {
        return block.forward(x, bias).output().mul(r).sumNumber().doubleValue();
    }

    /** Largest relative error over every parameter and input element; failures beyond {@code tolerance}. */
    static double[] check(Map<String, INDArray> p, INDArray x, INDArray bias, INDArray r, Map<String, INDArray> grads,
                          double tolerance) {
        TransformerBlock block = new TransformerBlock(p, B, L, HEADS);
        Map<String, INDArray> targets = new HashMap<>(p);
        targets.put("x", x);
        double worst = 0;
        int failures = 0;
        double eps = 1e-6;
        for (Map.Entry<String, INDArray> e : targets.entrySet()) {
            INDArray flat = e.getValue().reshape(-1);
            INDArray g = grads.get(e.getKey()).reshape(-1);
            for (long i = 0; i < flat.length(); i++) {
                double original = flat.getDouble(i);
                flat.putScalar(i, original + eps);
                double plus = loss(block, x, bias, r);
                flat.putScalar(i, original - eps);
                double minus = loss(block, x, bias, r);
                flat.putScalar(i, original);
                double numeric = (plus - minus) / (2 * eps);
                double analytic = g.getDouble(i);
                double scale = Math.max(Math.abs(numeric), Math.abs(analytic));
                double rel = scale < 1e-7 ? 0 : Math.abs(numeric - analytic) / scale;
                worst = Math.max(worst, rel);
                if (rel > tolerance) {
                    failures++;
                }
            }
        }
        return new double[] {worst, failures};
    }

    @Test
    void backwardMatchesCentralDifferencesAndAPlantedErrorIsCaught() {
        Map<String, INDArray> p = params(DataType.DOUBLE, 7);
        INDArray x = Nd4j.randn(DataType.DOUBLE, (long) B * L, H);
        INDArray bias = bias(DataType.DOUBLE);
        INDArray r = Nd4j.randn(DataType.DOUBLE, (long) B * L, H);
        TransformerBlock block = new TransformerBlock(p, B, L, HEADS);
        Map<String, INDArray> grads = block.backward(block.forward(x, bias), r);
        double[] result = check(p, x, bias, r, grads, 1e-5);
        System.out.printf("hand-written block: max relative error %.2e over every parameter and input element%n",
                result[0]);
        assertEquals(0, result[1], "elements beyond 1e-5 relative error (worst " + result[0] + ")");

        Map<String, INDArray> planted = new HashMap<>(grads);
        planted.put("attention/key/kernel", grads.get("attention/key/kernel").mul(2));
        double[] caught = check(p, x, bias, r, planted, 1e-5);
        assertTrue(caught[1] > 0, "a key kernel gradient scaled by 2 must fail the check");
    }

    @Test
    void forwardEqualsTheSameDiffBlock() {
        Map<String, INDArray> p = params(DataType.FLOAT, 3);
        INDArray x = Nd4j.randn(DataType.FLOAT, (long) B * L, H);
        INDArray bias = bias(DataType.FLOAT);
        INDArray ours = new TransformerBlock(p, B, L, HEADS).forward(x, bias).output();

        // The op sequence of ElectraModel's block (dropout off).
        SameDiff sd = SameDiff.create();
        Map<String, SDVariable> v = new HashMap<>();
        p.forEach((n, a) -> v.put(n, sd.var(n.replace('/', '_'), a.dup())));
        SDVariable in = sd.constant(x);
        SDVariable b = sd.constant(bias);
        int d = H / HEADS;
        SDVariable q = in.mmul(v.get("attention/query/kernel")).add(v.get("attention/query/bias"))
                .reshape(B, L, HEADS, d).permute(0, 2, 1, 3);
        SDVariable k = in.mmul(v.get("attention/key/kernel")).add(v.get("attention/key/bias"))
                .reshape(B, L, HEADS, d).permute(0, 2, 1, 3);
        SDVariable val = in.mmul(v.get("attention/value/kernel")).add(v.get("attention/value/bias"))
                .reshape(B, L, HEADS, d).permute(0, 2, 1, 3);
        SDVariable probs = sd.nn.softmax(sd.mmul(q, k, false, true, false).mul(1.0 / Math.sqrt(d)).add(b), 3);
        SDVariable context = sd.mmul(probs, val).permute(0, 2, 1, 3).reshape(-1, H);
        SDVariable x1 = sd.nn.layerNorm(in.add(context.mmul(v.get("attention/output/kernel"))
                .add(v.get("attention/output/bias"))), v.get("attention/ln/gain"), v.get("attention/ln/bias"), false, 1);
        SDVariable u = x1.mmul(v.get("ffn/intermediate/kernel")).add(v.get("ffn/intermediate/bias"));
        SDVariable inner = u.add(sd.math.pow(u, 3.0).mul(0.044715)).mul(2.0 * Math.sqrt(2.0 / Math.PI));
        SDVariable g = u.mul(sd.nn.sigmoid(inner));
        SDVariable out = sd.nn.layerNorm(x1.add(g.mmul(v.get("ffn/output/kernel")).add(v.get("ffn/output/bias"))),
                v.get("ffn/ln/gain"), v.get("ffn/ln/bias"), false, 1);
        INDArray expected = out.eval();
        double maxDiff = Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.reduce.floating.NormMax(
                expected.sub(ours))).getDouble(0);
        assertTrue(maxDiff < 1e-4, "hand-written block differs from the SameDiff block by " + maxDiff);
    }
}
