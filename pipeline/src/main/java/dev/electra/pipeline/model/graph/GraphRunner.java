package dev.electra.pipeline.model.graph;

import static dev.electra.pipeline.model.ParameterNames.WORD_EMBEDDINGS;
import static dev.electra.pipeline.model.graph.GraphNames.INPUT_IDS;
import static dev.electra.pipeline.model.graph.GraphNames.TOKEN_EMBEDDINGS;

import dev.electra.pipeline.model.ParameterSpec;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scatter.ScatterAdd;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs a built {@link GraphBuilder.Graph}: its outputs, its total loss and SameDiff's gradients of it, the reference
 * the hand-written pass is held to, and what {@code model.kernels = graph} trains with. It also holds the live
 * parameter arrays (the graph's variables) that every kernel mode reads.
 *
 * <p>The one token lookup, E[input ids] as [B·L, E], is done here outside autodiff ({@code Nd4j.pullRows}) and fed
 * into a non-parameter variable of the graph; {@link #gradients} scatter-adds that variable's gradient into E's. Even
 * a single gather on a trainable table failed in SameDiff 1.0.0-M2.1 (its backprop, a while loop of puts, throws
 * "Output array did not match expected shape", probed with [B, L] and flat indices), and a placeholder gets no
 * gradient there, hence a variable.
 *
 * <p>Not thread-safe: one runner per thread, as SameDiff graphs are not.
 */
public final class GraphRunner {
    private final SameDiff sd;
    private final List<ParameterSpec> parameters;
    private final List<String> lossNames;
    private final DataType dataType;
    private boolean gradientGraphBuilt;

    /** Outputs by name and the gradient of the total loss by parameter name, of one batch. */
    public record Gradients(Map<String, INDArray> outputs, Map<String, INDArray> gradients) {}

    public GraphRunner(GraphBuilder.Graph graph, DataType dataType) {
        this.sd = graph.sameDiff();
        this.parameters = graph.parameters();
        this.lossNames = graph.lossNames();
        this.dataType = dataType;
    }

    /** The live array of a parameter (changes to it change the model). */
    public INDArray parameter(String name) {
        INDArray a = sd.getArrForVarName(name);
        if (a == null) {
            throw new IllegalArgumentException("no parameter named '" + name + "'");
        }
        return a;
    }

    /** The named variables of the graph for these placeholders, forward only. */
    public Map<String, INDArray> output(Map<String, INDArray> placeholders, List<String> names) {
        return outsideWorkspaces(() -> sd.output(withTokenEmbeddings(placeholders), names));
    }

    /**
     * Only the total loss (the sum of the terminal loss variables), computing no metric outputs: the function central
     * differences differentiate in the gradient checks, independent of the hand-written pass.
     */
    public double totalLoss(Map<String, INDArray> placeholders) {
        Map<String, INDArray> out = sd.output(withTokenEmbeddings(placeholders), lossNames);
        double total = 0;
        for (String name : lossNames) {
            total += out.get(name).getDouble(0);
        }
        return total;
    }

    /** The named outputs and the gradient of the total loss with respect to every parameter, by SameDiff. */
    public Gradients gradients(Map<String, INDArray> placeholders, List<String> outputs) {
        return outsideWorkspaces(() -> {
            buildGradientGraph();
            OutAndGrad r = sd.calculateGradientsAndOutputs(withTokenEmbeddings(placeholders), outputs,
                    gradientNames());
            return new Gradients(r.getOutputs(), Collections.unmodifiableMap(collectGradients(r, placeholders)));
        });
    }

    /**
     * Runs SameDiff outside the caller's workspace (the trainer's reused one): the graph manages its own memory, and
     * executed inside another workspace it failed on the second step ("Axis array [2] contains values above array
     * rank"). Its results are then ordinary arrays, valid after the workspace closes.
     */
    private static <T> T outsideWorkspaces(Supplier<T> graph) {
        try (MemoryWorkspace none = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return graph.get();
        }
    }

    /**
     * Builds the backward graph once, up front. M2.1 prints a line to standard output for every op it
     * differentiates (hundreds per model); those lines, and only those, are dropped while it does.
     */
    private void buildGradientGraph() {
        if (gradientGraphBuilt) {
            return;
        }
        synchronized (System.class) {
            PrintStream out = System.out;
            System.setOut(new PrintStream(new FilterOutputStream(out) {
                private final ByteArrayOutputStream line = new ByteArrayOutputStream();

                @Override
                public void write(int b) throws IOException {
                    line.write(b);
                    if (b == '\n') {
                        String text = line.toString(StandardCharsets.UTF_8);
                        if (!text.startsWith("Added differentiated op")) {
                            out.write(line.toByteArray());
                        }
                        line.reset();
                    }
                }
            }, true, StandardCharsets.UTF_8));
            try {
                sd.createGradFunction();
            } finally {
                System.out.flush();
                System.setOut(out);
            }
        }
        gradientGraphBuilt = true;
    }

    private List<String> gradientNames() {
        List<String> names = new ArrayList<>(parameters.size() + 1);
        for (ParameterSpec p : parameters) {
            names.add(p.name());
        }
        names.add(TOKEN_EMBEDDINGS);
        return names;
    }

    private Map<String, INDArray> collectGradients(OutAndGrad r, Map<String, INDArray> placeholders) {
        Map<String, INDArray> grads = new LinkedHashMap<>();
        for (ParameterSpec p : parameters) {
            INDArray g = r.getGradients().get(p.name());
            grads.put(p.name(), g == null ? Nd4j.zeros(dataType, p.shape()) : g.dup());
        }
        // The lookup's backward pass: scatter-add the rows' gradients into the table's (duplicates add up).
        INDArray ids = placeholders.get(INPUT_IDS).reshape(-1);
        INDArray table = grads.get(WORD_EMBEDDINGS);
        INDArray[] summed = Nd4j.exec(new ScatterAdd(table, ids, r.getGradients().get(TOKEN_EMBEDDINGS)));
        if (summed[0] != table) {
            table.assign(summed[0]);
        }
        return grads;
    }

    /**
     * Sets the token embedding rows of the input ids, [B·L, E], read from the current table, as the value of the
     * lookup variable; done on every run, so a caller who changed the parameters never sees stale rows.
     */
    private Map<String, INDArray> withTokenEmbeddings(Map<String, INDArray> placeholders) {
        INDArray ids = placeholders.get(INPUT_IDS);
        sd.getVariable(TOKEN_EMBEDDINGS).setArray(
                Nd4j.pullRows(parameter(WORD_EMBEDDINGS), 1, ids.reshape(-1).toIntVector()));
        return placeholders;
    }
}
