package dev.electra.bench;

import dev.electra.pipeline.model.ParameterNames;
import dev.electra.pipeline.model.pass.TransformerBlock;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Forward + backward time of one transformer block at the {@code tiny} or {@code small} discriminator's shape (batch
 * 32 × 128): the hand-written {@link TransformerBlock} against the same block as a SameDiff graph (the op sequence of
 * the model graph's block, {@code GraphBuilder.block}, dropout off, gradients by SameDiff's autodiff). {@code bench/python/block_reference.py} times
 * PyTorch on the same shapes. Usage: {@code bin/bench block tiny|small [ITERATIONS]}.
 */
public final class BlockBench {
    private BlockBench() {}

    public static void main(String[] args) {
        String size = args.length > 0 ? args[0] : "tiny";
        int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int h = size.equals("tiny") ? 128 : 256;
        int heads = size.equals("tiny") ? 2 : 4;
        int f = 4 * h;
        int b = 32;
        int l = 128;
        Nd4j.getRandom().setSeed(1);
        Map<String, INDArray> p = new LinkedHashMap<>();
        for (String n : ParameterNames.BLOCK_DENSE) {
            long in = n.equals(ParameterNames.FFN_OUTPUT) ? f : h;
            long out = n.equals(ParameterNames.FFN_INTERMEDIATE) ? f : h;
            p.put(ParameterNames.kernel(n), Nd4j.randn(DataType.FLOAT, in, out).muli(0.02));
            p.put(ParameterNames.bias(n), Nd4j.zeros(DataType.FLOAT, out));
        }
        for (String n : ParameterNames.BLOCK_LAYER_NORMS) {
            p.put(ParameterNames.gain(n), Nd4j.ones(DataType.FLOAT, h));
            p.put(ParameterNames.bias(n), Nd4j.zeros(DataType.FLOAT, h));
        }
        INDArray x = Nd4j.randn(DataType.FLOAT, (long) b * l, h);
        INDArray bias = Nd4j.zeros(DataType.FLOAT, b, 1, 1, l);
        INDArray dy = Nd4j.randn(DataType.FLOAT, (long) b * l, h);

        TransformerBlock block = new TransformerBlock(p, b, l, heads);
        double hand = time(iterations, () -> block.backward(block.forward(x, bias), dy));
        // The same calls with every intermediate served from a reused ND4J workspace (no fresh native allocation,
        // no zero-filling, once the first call has sized it): what allocation costs the block.
        WorkspaceConfiguration reuse = WorkspaceConfiguration.builder().policyAllocation(AllocationPolicy.STRICT)
                .policyLearning(LearningPolicy.FIRST_LOOP).build();
        double pooled = time(iterations, () -> {
            try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(reuse, "block")) {
                block.backward(block.forward(x, bias), dy);
            }
        });

        SameDiff sd = sameDiffBlock(p, b, l, h, heads);
        Map<String, INDArray> feed = Map.of("x", x, "bias", bias, "dy", dy);
        List<String> wrt = sd.variables().stream().filter(v -> v.getVariableType() == VariableType.VARIABLE)
                .map(SDVariable::name).toList();
        double graph = time(iterations, () -> sd.calculateGradients(feed, wrt));

        double flops = 6.0 * b * l * (4.0 * h * h + 2.0 * h * f + 2.0 * l * h);
        System.out.printf("block %s (batch %dx%d, hidden %d, heads %d, ffn %d), forward + backward, %d iterations:%n",
                size, b, l, h, heads, f, iterations);
        System.out.printf("  hand-written (Kernels): %.1f ms (%.1f GFLOP/s)%n", hand * 1e3, flops / hand / 1e9);
        System.out.printf("  the same in a reused workspace: %.1f ms (%.1f GFLOP/s)%n", pooled * 1e3,
                flops / pooled / 1e9);
        System.out.printf("  SameDiff graph:    %.1f ms (%.1f GFLOP/s)  -> hand-written is %.2fx faster%n",
                graph * 1e3, flops / graph / 1e9, graph / hand);
    }

    /** Median seconds per call after 3 warm-up calls. */
    static double time(int iterations, Runnable r) {
        for (int i = 0; i < 3; i++) {
            r.run();
        }
        double[] t = new double[iterations];
        for (int i = 0; i < iterations; i++) {
            long start = System.nanoTime();
            r.run();
            t[i] = (System.nanoTime() - start) / 1e9;
        }
        Arrays.sort(t);
        return t[iterations / 2];
    }

    /** The model graph's block ({@code GraphBuilder.block}) op for op, with loss Σ y ∘ dy so that dLoss/dy = dy. */
    static SameDiff sameDiffBlock(Map<String, INDArray> p, int b, int l, int h, int heads) {
        SameDiff sd = SameDiff.create();
        Map<String, SDVariable> v = new HashMap<>();
        p.forEach((n, a) -> v.put(n, sd.var(n.replace('/', '_'), a.dup())));
        SDVariable in = sd.placeHolder("x", DataType.FLOAT, -1, h);
        SDVariable bias = sd.placeHolder("bias", DataType.FLOAT, -1, 1, 1, -1);
        SDVariable dy = sd.placeHolder("dy", DataType.FLOAT, -1, h);
        int d = h / heads;
        SDVariable[] qkv = new SDVariable[3];
        String[] names = {ParameterNames.QUERY, ParameterNames.KEY, ParameterNames.VALUE};
        for (int i = 0; i < 3; i++) {
            qkv[i] = in.mmul(v.get(ParameterNames.kernel(names[i]))).add(v.get(ParameterNames.bias(names[i])))
                    .reshape(b, l, heads, d).permute(0, 2, 1, 3);
        }
        SDVariable probs = sd.nn.softmax(sd.mmul(qkv[0], qkv[1], false, true, false).mul(1.0 / Math.sqrt(d))
                .add(bias), 3);
        SDVariable context = sd.mmul(probs, qkv[2]).permute(0, 2, 1, 3).reshape(-1, h);
        SDVariable x1 = sd.nn.layerNorm(in.add(context.mmul(v.get(ParameterNames.kernel(ParameterNames.ATTENTION_OUTPUT)))
                .add(v.get(ParameterNames.bias(ParameterNames.ATTENTION_OUTPUT)))),
                v.get(ParameterNames.gain(ParameterNames.ATTENTION_LN)),
                v.get(ParameterNames.bias(ParameterNames.ATTENTION_LN)), false, 1);
        SDVariable u = x1.mmul(v.get(ParameterNames.kernel(ParameterNames.FFN_INTERMEDIATE)))
                .add(v.get(ParameterNames.bias(ParameterNames.FFN_INTERMEDIATE)));
        SDVariable g = u.mul(sd.nn.sigmoid(u.add(sd.math.pow(u, 3.0).mul(0.044715)).mul(2.0 * Math.sqrt(2.0 / Math.PI))));
        SDVariable out = sd.nn.layerNorm(x1.add(g.mmul(v.get(ParameterNames.kernel(ParameterNames.FFN_OUTPUT)))
                .add(v.get(ParameterNames.bias(ParameterNames.FFN_OUTPUT)))),
                v.get(ParameterNames.gain(ParameterNames.FFN_LN)), v.get(ParameterNames.bias(ParameterNames.FFN_LN)),
                false, 1);
        sd.setLossVariables(out.mul(dy).sum().rename("loss"));
        return sd;
    }
}
