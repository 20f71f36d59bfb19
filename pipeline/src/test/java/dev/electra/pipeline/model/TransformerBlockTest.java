package dev.electra.pipeline.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.electra.pipeline.model.graph.GraphNames;
import dev.electra.pipeline.model.pass.TransformerBlock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The hand-written block against central differences (double precision) and against the model graph's block. */
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

    /**
     * The hand-written block against the block the model's own graph builds (GraphBuilder's, the function the
     * tests define as correct): block 1 of a discriminator, fed the graph's output of block 0, in double.
     */
    @Test
    void forwardEqualsTheModelGraphsBlock() {
        ModelConfig config = TinyData.config(0.0, 0.02);
        ElectraModel model = ElectraModel.build(config, Objective.ELECTRA, LossWeights.paper(), SamplingConfig.paper(),
                DataType.DOUBLE, 11);
        ModelInput batch = TinyData.batch();
        Map<String, INDArray> ph = model.placeholders(batch, 3, 0, false);
        String in = GraphNames.blockOutput("discriminator", 0);
        String out = GraphNames.blockOutput("discriminator", 1);
        Map<String, INDArray> graph = model.graphOutputs(ph, in, out);
        Map<String, INDArray> p = new HashMap<>();
        for (ParameterSpec spec : model.parameters()) {
            p.put(spec.name(), model.parameter(spec.name()));
        }
        int b = batch.inputIds().length;
        int l = batch.inputIds()[0].length;
        INDArray ours = new TransformerBlock(p, "discriminator/layer_1", b, l, config.discriminator().heads())
                .forward(graph.get(in), ph.get(GraphNames.ATTENTION_BIAS)).output();
        double maxDiff = Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.reduce.floating.NormMax(
                graph.get(out).sub(ours))).getDouble(0);
        System.out.printf("hand-written block vs the model graph's block: max difference %.2e%n", maxDiff);
        assertTrue(maxDiff < 1e-10, "hand-written block differs from the graph's block by " + maxDiff);
    }
}
