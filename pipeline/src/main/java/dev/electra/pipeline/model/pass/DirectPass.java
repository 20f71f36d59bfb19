package dev.electra.pipeline.model.pass;

import static dev.electra.pipeline.model.ParameterNames.ATTENTION_OUTPUT;
import static dev.electra.pipeline.model.ParameterNames.ATTENTION_PROBS;
import static dev.electra.pipeline.model.ParameterNames.CLASSIFIER;
import static dev.electra.pipeline.model.ParameterNames.CLASSIFIER_HIDDEN;
import static dev.electra.pipeline.model.ParameterNames.CLASSIFIER_INPUT;
import static dev.electra.pipeline.model.ParameterNames.DISCRIMINATOR;
import static dev.electra.pipeline.model.ParameterNames.DISCRIMINATOR_HEAD;
import static dev.electra.pipeline.model.ParameterNames.EMBEDDINGS_LN;
import static dev.electra.pipeline.model.ParameterNames.FFN_OUTPUT;
import static dev.electra.pipeline.model.ParameterNames.GENERATOR;
import static dev.electra.pipeline.model.ParameterNames.LN;
import static dev.electra.pipeline.model.ParameterNames.MAIN;
import static dev.electra.pipeline.model.ParameterNames.OUTPUT;
import static dev.electra.pipeline.model.ParameterNames.OUTPUT_BIAS;
import static dev.electra.pipeline.model.ParameterNames.POSITION_EMBEDDINGS;
import static dev.electra.pipeline.model.ParameterNames.SEGMENT_EMBEDDINGS;
import static dev.electra.pipeline.model.ParameterNames.TRANSFORM;
import static dev.electra.pipeline.model.ParameterNames.WORD_EMBEDDINGS;
import static dev.electra.pipeline.model.ParameterNames.copyHead;
import static dev.electra.pipeline.model.ParameterNames.embeddings;
import static dev.electra.pipeline.model.ParameterNames.embeddingsProject;
import static dev.electra.pipeline.model.ParameterNames.in;
import static dev.electra.pipeline.model.ParameterNames.layer;
import static dev.electra.pipeline.model.ParameterNames.mlmHead;
import static dev.electra.pipeline.model.kernels.Kernels.accumulate;
import static dev.electra.pipeline.model.kernels.Kernels.dense;
import static dev.electra.pipeline.model.kernels.Kernels.denseBackward;
import static dev.electra.pipeline.model.kernels.Kernels.denseGelu;
import static dev.electra.pipeline.model.kernels.Kernels.dropout;
import static dev.electra.pipeline.model.kernels.Kernels.geluBackward;
import static dev.electra.pipeline.model.kernels.Kernels.gemm;
import static dev.electra.pipeline.model.kernels.Kernels.layerNorm;
import static dev.electra.pipeline.model.kernels.Kernels.layerNormBackward;

import dev.electra.pipeline.model.LossWeights;
import dev.electra.pipeline.model.ModelConfig;
import dev.electra.pipeline.model.ModelInput;
import dev.electra.pipeline.model.Objective;
import dev.electra.pipeline.model.ParameterNames;
import dev.electra.pipeline.model.ParameterSpec;
import dev.electra.pipeline.model.SamplingConfig;
import dev.electra.pipeline.model.graph.GraphBuilder;
import dev.electra.pipeline.model.graph.GraphNames;
import dev.electra.pipeline.model.kernels.Kernels;
import dev.electra.pipeline.model.kernels.Profile;
import dev.electra.pipeline.model.kernels.VectorKernels;
import dev.electra.pipeline.model.noise.GumbelSampler;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The pretraining graph of every objective ({@link GraphBuilder#pretraining}) computed by ND4J array calls with a
 * hand-written backward pass: the same function of the same parameters and placeholders (dropout masks, sampling
 * noise), with 3× (tiny) to 6× (small) the training tokens/s of SameDiff's differentiation of the graph on CPU,
 * because it runs a few hundred large calls in a reused workspace instead of SameDiff's thousands of small ones
 * (docs/benchmarks.md). {@code DirectPassTest} holds it to the graph's losses, outputs and gradients, and
 * {@code GradientCheckTest} to central differences.
 *
 * <p>The corrupted input is looked up directly at the replaced ids: the graph's E[input] + Sᵀ·(onehot(sample) −
 * onehot(input))·E is exactly that when slot weights are 0 or 1, which {@link ModelInput} guarantees.
 */
public final class DirectPass {
    private final Definition definition;
    private final ModelConfig config;
    private final DataType type;
    private final List<ParameterSpec> parameters;
    private final Function<String, INDArray> arrays;

    /** Outputs under the graph's names (loss terms and metric outputs) and gradients by parameter name. */
    public record Result(Map<String, INDArray> outputs, Map<String, INDArray> gradients) {}

    /**
     * The function a pass computes: the sizes, the objective and its loss weights, the generator's sampling, the
     * classes of a fine-tuning head (0 for pretraining, 1 for a regressor) and the data type.
     */
    public record Definition(ModelConfig config, Objective objective, LossWeights lossWeights,
                             SamplingConfig sampling, int numLabels, DataType dataType) {
        boolean regression() {
            return numLabels == 1;
        }
    }

    /**
     * The pass of {@code definition} over the parameters laid out by {@code parameters}, whose live arrays
     * {@code arrays} returns by name (read at the start of every pass, so an update between passes is seen).
     */
    public DirectPass(Definition definition, List<ParameterSpec> parameters, Function<String, INDArray> arrays) {
        this.definition = definition;
        this.config = definition.config();
        this.type = definition.dataType();
        this.parameters = List.copyOf(parameters);
        this.arrays = arrays;
    }

    /**
     * One forward and backward pass. Every intermediate array lives in a workspace of this thread that is reused
     * from step to step; only the outputs and gradients are copied out of it, into the caller's workspace if one is
     * open (they are then valid until the caller's scope closes). Without the workspace each of a step's few
     * hundred arrays is a fresh native allocation, zero-filled and page-faulted in (an allocating element-wise
     * product of [4096, 512] arrays took 4.4 ms, the in-place one 1.1 ms) and freed only when the collector runs.
     */
    public Result run(Map<String, INDArray> ph) {
        return run(ph, true);
    }

    /** The outputs alone: the forward pass, without gradients (held-out evaluation, scoring). */
    public Map<String, INDArray> forward(Map<String, INDArray> ph) {
        return run(ph, false).outputs();
    }

    private Result run(Map<String, INDArray> ph, boolean train) {
        Map<String, INDArray> p = parameterMap();
        Map<String, INDArray> outputs = new LinkedHashMap<>();
        Map<String, INDArray> grads = new LinkedHashMap<>();
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE, WORKSPACE_ID)) {
            Step s = new Step(p, ph, train);
            s.run();
            lastGradients = new java.util.TreeSet<>(s.grads.keySet());
            // out to the caller's workspace when there is one (Trainer.step's, reused from step to step), else out of
            // every workspace: a step's gradients are fresh native memory otherwise (57 MB at small)
            s.out.forEach((name, value) -> outputs.put(name, value.leverage()));
            if (train) {
                for (ParameterSpec spec : parameters) {
                    INDArray g = s.grads.get(spec.name());
                    grads.put(spec.name(), g == null ? Nd4j.zeros(type, spec.shape()).leverage() : g.leverage());
                }
            }
        }
        return new Result(outputs, grads);
    }

    /**
     * A classifier's loss (NaN without labels), logits [B, C] and, when asked for, gradients by parameter name.
     *
     * @param hidden the main encoder's last hidden states, [B·L, H]
     */
    public record ClassifierResult(double loss, INDArray logits, Map<String, INDArray> gradients, INDArray hidden) {}

    /**
     * The fine-tuning graph ({@link GraphBuilder#classifier}): the main encoder, ELECTRA's head on the [CLS] position
     * and the mean softmax cross-entropy over the batch (a regressor's squared error); the backward pass only when
     * {@code gradients}.
     */
    public ClassifierResult classifier(Map<String, INDArray> ph, boolean gradients) {
        Map<String, INDArray> p = parameterMap();
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE, WORKSPACE_ID)) {
            Step s = new Step(p, ph, gradients);
            double loss = s.classify();
            lastGradients = new java.util.TreeSet<>(s.grads.keySet());
            Map<String, INDArray> grads = new LinkedHashMap<>();
            if (gradients) {
                for (ParameterSpec spec : parameters) {
                    INDArray g = s.grads.get(spec.name());
                    grads.put(spec.name(), g == null ? Nd4j.zeros(type, spec.shape()).detach() : g.detach());
                }
            }
            return new ClassifierResult(loss, s.out.get(GraphNames.OUT_CLASS_LOGITS).detach(), grads,
                    gradients ? null : s.out.get(GraphNames.OUT_MAIN_HIDDEN).detach());
        }
    }

    private Map<String, INDArray> parameterMap() {
        Parameters p = new Parameters();
        for (ParameterSpec spec : parameters) {
            p.put(spec.name(), arrays.apply(spec.name()));
        }
        lastRead = p.read;
        return p;
    }

    /**
     * The model's parameters by name, for one pass: reading a name the model does not have is an error (a misspelt
     * name is found at once, not as a null array), and every name read is kept for {@link #touched}.
     */
    private static final class Parameters extends HashMap<String, INDArray> {
        private static final long serialVersionUID = 1L;
        final java.util.Set<String> read = new java.util.TreeSet<>();

        @Override
        public INDArray get(Object name) {
            INDArray value = super.get(name);
            if (value == null) {
                throw new IllegalStateException("the pass reads the parameter " + name + ", which the model does "
                        + "not have (its parameters: " + new java.util.TreeSet<>(keySet()) + ")");
            }
            read.add((String) name);
            return value;
        }
    }

    /** The parameter names the last pass read, and those it computed gradients for (tests hold both to the graph's). */
    public record Touched(java.util.Set<String> read, java.util.Set<String> gradients) {}

    private java.util.Set<String> lastRead = java.util.Set.of();
    private java.util.Set<String> lastGradients = java.util.Set.of();

    /** What the last {@link #run} or {@link #classifier} call on this thread's pass touched. */
    public Touched touched() {
        return new Touched(java.util.Set.copyOf(lastRead), java.util.Set.copyOf(lastGradients));
    }

    /**
     * Sized by the first step, grown (never spilled for good) when a later batch is longer; one per thread, as ND4J
     * workspaces are, so concurrent models on different threads do not share it.
     */
    private static final WorkspaceConfiguration WORKSPACE = WorkspaceConfiguration.builder()
            .policyAllocation(AllocationPolicy.STRICT).policyLearning(LearningPolicy.FIRST_LOOP)
            .policySpill(SpillPolicy.REALLOCATE).build();
    private static final String WORKSPACE_ID = "electra-direct-pass";

    /** One batch: forward, then backward, the way the graph is laid out. */
    private final class Step {
        final Map<String, INDArray> p;
        final Map<String, INDArray> ph;
        final Map<String, INDArray> grads = new HashMap<>();
        final Map<String, INDArray> out = new LinkedHashMap<>();
        /** Whether the backward pass runs (gradients into {@link #grads}); the backward methods return null when not. */
        final boolean train;
        final int b;
        final int l;
        final int n;
        final int e;
        final int[] inputIds;
        final int[] segmentIds;
        final int[] positionIds;
        /** [B·N] the token position of each slot, −1 for a padding slot (weight 0). */
        final int[] slotPositions;
        final double[] slotWeights;
        final int[] slotTargets;
        final INDArray positionRows;
        final INDArray segmentRows;

        Step(Map<String, INDArray> p, Map<String, INDArray> ph, boolean train) {
            this.p = p;
            this.ph = ph;
            this.train = train;
            INDArray ids = ph.get(GraphNames.INPUT_IDS);
            b = (int) ids.size(0);
            l = (int) ids.size(1);
            n = (int) ph.get(GraphNames.SELECTION).size(1);
            e = config.embeddingSize();
            inputIds = ids.reshape(-1).toIntVector();
            segmentIds = ph.get(GraphNames.SEGMENT_IDS).reshape(-1).toIntVector();
            positionIds = ph.get(GraphNames.POSITION_IDS).toIntVector();
            // a classifier's placeholders have no slots but the [CLS] selection
            INDArray weights = ph.get(GraphNames.SLOT_WEIGHTS);
            slotWeights = weights == null ? new double[0] : weights.reshape(-1).toDoubleVector();
            slotTargets = weights == null ? new int[0]
                    : ph.get(GraphNames.SLOT_TARGET_IDS).reshape(-1).toIntVector();
            slotPositions = slotPositions(ph.get(GraphNames.SELECTION));
            positionRows = Nd4j.pullRows(p.get(POSITION_EMBEDDINGS), 1, positionIds);
            segmentRows = Nd4j.pullRows(p.get(SEGMENT_EMBEDDINGS), 1, segmentIds);
        }

        /**
         * The dropout mask of {@code site}; null where dropout is off (rate 0: the graph has no such placeholder).
         * With dropout on, a site without its mask is an error: read as "no dropout", a misspelt name would train
         * without dropout and say nothing.
         */
        INDArray mask(String site) {
            String name = ParameterNames.dropout(site);
            INDArray m = ph.get(name);
            if (m == null && config.dropout() > 0) {
                throw new IllegalStateException("no dropout mask " + name + " among the placeholders, with dropout "
                        + config.dropout() + " (its sites: " + ph.keySet().stream().filter(k -> k.startsWith(
                        ParameterNames.dropout(""))).sorted().toList() + ")");
            }
            return m;
        }

        private int[] slotPositions(INDArray selection) {
            double[] sel = selection.dup('c').reshape(-1).toDoubleVector();
            int[] positions = new int[b * n];
            for (int r = 0; r < b * n; r++) {
                positions[r] = -1;
                for (int t = 0; t < l; t++) {
                    if (sel[r * l + t] != 0) {
                        positions[r] = t;
                    }
                }
            }
            return positions;
        }

        void run() {
            Objective objective = definition.objective();
            String mainName = objective.hasDiscriminator() ? DISCRIMINATOR : MAIN;
            if (!objective.hasGenerator()) {
                Encoded main = encode(mainName, config.discriminator(), inputIds);
                INDArray dHidden = mlmAtSlots(mainName, main.hidden(), slotTargets, 1.0, GraphNames.LOSS_MAIN,
                        GraphNames.OUT_MAIN_LOSS, GraphNames.OUT_MAIN_CORRECT);
                backward(main, dHidden);
                return;
            }
            Encoded gen;
            try (Profile.Part part = Profile.part("generator forward")) {
                gen = encode(GENERATOR, config.generator(), inputIds);
            }
            MlmHead genHead;
            INDArray dGenLogits;
            try (Profile.Part part = Profile.part("generator head + loss")) {
                genHead = slotHead(GENERATOR, gen.hidden());
                dGenLogits = softmaxLoss(genHead.logits, slotTargets, definition.lossWeights().genWeight(),
                        GraphNames.LOSS_GENERATOR, GraphNames.OUT_GENERATOR_SLOT_LOSS,
                        GraphNames.OUT_GENERATOR_SLOT_CORRECT);
            }
            int[] sampled;
            try (Profile.Part part = Profile.part("sampling")) {
                sampled = sample(genHead.logits);
            }
            INDArray dGenHidden;
            try (Profile.Part part = Profile.part("generator head backward")) {
                dGenHidden = slotHeadBackward(genHead, dGenLogits);
            }
            try (Profile.Part part = Profile.part("generator backward")) {
                backward(gen, dGenHidden);
            }

            int[] corrupted = inputIds.clone();
            double[] replaced = new double[b * l];
            for (int r = 0; r < b * n; r++) {
                if (slotPositions[r] >= 0 && slotWeights[r] != 0) {
                    int row = r / n * l + slotPositions[r];
                    corrupted[row] = sampled[r];
                    replaced[row] = sampled[r] != slotTargets[r] ? slotWeights[r] : 0;
                }
            }
            out.put(GraphNames.OUT_SAMPLED_IDS, Nd4j.createFromArray(sampled));
            out.put(GraphNames.OUT_REPLACED, Nd4j.createFromArray(replaced).castTo(type).reshape(b, l));
            Encoded main;
            try (Profile.Part part = Profile.part("discriminator forward")) {
                main = encode(mainName, config.discriminator(), corrupted);
            }
            INDArray dHidden;
            try (Profile.Part part = Profile.part("discriminator head + loss, forward and backward")) {
                dHidden = switch (objective) {
                    case ELECTRA, ELECTRA_15 -> discriminator(main.hidden(), replaced);
                    case REPLACE_MLM -> mlmAtSlots(mainName, main.hidden(), slotTargets, 1.0, GraphNames.LOSS_MAIN,
                            GraphNames.OUT_MAIN_LOSS, GraphNames.OUT_MAIN_CORRECT);
                    case ALL_TOKENS_MLM -> allTokens(mainName, main.hidden(), replaced);
                    default -> throw new IllegalStateException("objective " + objective + " has no generator");
                };
            }
            try (Profile.Part part = Profile.part("discriminator backward")) {
                backward(main, dHidden);
            }
        }

        /**
         * Encoder → [CLS] → dropout → dense H→H → GELU → dropout → dense H→C; the loss when labels are given
         * (softmax cross-entropy, or the squared error of a regressor's one output), and the backward pass when
         * training. Returns the loss (NaN without labels).
         */
        double classify() {
            String mainName = definition.objective().hasDiscriminator() ? DISCRIMINATOR : MAIN;
            Encoded main = encode(mainName, config.discriminator(), inputIds);
            out.put(GraphNames.OUT_MAIN_HIDDEN, main.hidden());
            int h = config.hiddenSize();
            INDArray pooled = atSlots(main.hidden(), h);
            INDArray inputMask = mask(CLASSIFIER_INPUT);
            INDArray hiddenMask = mask(CLASSIFIER_HIDDEN);
            INDArray x = dropout(pooled, inputMask);
            Kernels.Gelu t1 = denseGelu(x, p, in(CLASSIFIER, TRANSFORM));
            INDArray t1Dropped = Kernels.masked(t1.output(), hiddenMask);
            INDArray logits = dense(t1Dropped, p, in(CLASSIFIER, OUTPUT));
            out.put(GraphNames.OUT_CLASS_LOGITS, logits);
            INDArray labels = ph.get(GraphNames.CLASS_LABELS);
            if (labels == null) {
                return Double.NaN;
            }
            if (definition.regression()) {
                // [B, 1]: loss = mean (y − t)², dLoss/dy = 2 (y − t) / B
                INDArray residual = logits.sub(labels);
                double loss = residual.norm2Number().doubleValue();
                loss = loss * loss / b;
                if (train) {
                    backwardHead(residual.muli(2.0 / b), t1, t1Dropped, x, inputMask, hiddenMask, main, h);
                }
                return loss;
            }
            int[] targets = Nd4j.argMax(labels, 1).toIntVector();
            INDArray probs = Kernels.softmax(logits);
            int[] predicted = Nd4j.argMax(probs, 1).toIntVector();
            double loss = 0;
            for (int r = 0; r < b; r++) {
                loss += crossEntropy(logits, probs, r, predicted[r], targets[r]) / b;
            }
            if (train) {
                backwardHead(probs.subi(labels).divi(b), t1, t1Dropped, x, inputMask, hiddenMask, main, h);
            }
            return loss;
        }

        /** The head's and the encoder's backward pass from the loss gradient of the logits [B, C]. */
        private void backwardHead(INDArray dLogits, Kernels.Gelu t1, INDArray t1Dropped, INDArray x,
                                  INDArray inputMask, INDArray hiddenMask, Encoded main, int h) {
            INDArray dt1 = denseBackward(dLogits, t1Dropped, p, in(CLASSIFIER, OUTPUT), grads);
            dropout(dt1, hiddenMask);
            INDArray dx = denseBackward(geluBackward(dt1, t1), x, p, in(CLASSIFIER, TRANSFORM), grads);
            dropout(dx, inputMask);
            backward(main, slotHeadBackwardInput(dx, h));
        }

        // ---- embeddings and encoders ----

        /** An encoder's forward state: the token ids it looked up, the embedding sum, and each stage's cache. */
        record Encoded(String prefix, int[] ids, INDArray sum, INDArray embeddingMask,
                       INDArray projectInput, List<TransformerBlock> blocks, List<TransformerBlock.Cache> caches,
                       INDArray hidden) {}

        /** Shared embeddings of {@code ids} (tokens + positions + segments, LayerNorm), dropout, projection, blocks. */
        Encoded encode(String prefix, ModelConfig.EncoderSize size, int[] ids) {
            long start = Profile.start();
            INDArray sum = Nd4j.pullRows(p.get(WORD_EMBEDDINGS), 1, ids, 'c');
            sum.reshape(b, (long) l * e).addiRowVector(positionRows.reshape(1, (long) l * e));
            sum.addi(segmentRows);
            Profile.kernel("embedding gather + sum", start, 0, Profile.floats(4 * sum.length()));
            INDArray mask = mask(embeddings(prefix));
            INDArray x = dropout(layerNorm(sum, p, EMBEDDINGS_LN), mask);
            INDArray projectInput = null;
            if (e != size.hidden()) {
                projectInput = x;
                x = dense(x, p, embeddingsProject(prefix));
            }
            List<TransformerBlock> blocks = new ArrayList<>();
            List<TransformerBlock.Cache> caches = new ArrayList<>();
            for (int i = 0; i < size.layers(); i++) {
                String layer = layer(prefix, i);
                TransformerBlock block = new TransformerBlock(p, layer, b, l, size.heads());
                TransformerBlock.Cache c = block.forward(x, ph.get(GraphNames.ATTENTION_BIAS),
                        new TransformerBlock.DropoutMasks(mask(in(layer, ATTENTION_PROBS)),
                                mask(in(layer, ATTENTION_OUTPUT)), mask(in(layer, FFN_OUTPUT))));
                blocks.add(block);
                caches.add(c);
                x = c.output();
            }
            return new Encoded(prefix, ids, sum, mask, projectInput, blocks, caches, x);
        }

        /** dLoss/dHidden [B·L, H] back through the blocks, projection, dropout and embeddings. */
        void backward(Encoded enc, INDArray dHidden) {
            if (!train) {
                return;
            }
            INDArray dx = dHidden;
            for (int i = enc.blocks().size() - 1; i >= 0; i--) {
                dx = enc.blocks().get(i).backward(enc.caches().get(i), dx, grads);
            }
            if (enc.projectInput() != null) {
                dx = denseBackward(dx, enc.projectInput(), p, embeddingsProject(enc.prefix()), grads);
            }
            dropout(dx, enc.embeddingMask());
            INDArray dSum = layerNormBackward(dx, enc.sum(), p, EMBEDDINGS_LN, grads);
            Kernels.scatterAddRows(tableGradient(WORD_EMBEDDINGS), enc.ids(), dSum);
            Kernels.scatterAddRows(tableGradient(SEGMENT_EMBEDDINGS), segmentIds, dSum);
            INDArray dPositions = Kernels.columnSums(dSum.reshape(b, (long) l * e)).reshape(l, e);
            Kernels.scatterAddRows(tableGradient(POSITION_EMBEDDINGS), positionIds, dPositions);
        }

        private INDArray tableGradient(String name) {
            return grads.computeIfAbsent(name, k -> p.get(k).ulike().assign(0));
        }

        // ---- heads and losses ----

        /** [B, N, L] × [B, L, H] → [B·N, H]: the hidden states at the slots (weighted by the slot weights). */
        INDArray atSlots(INDArray hidden, int h) {
            long start = Profile.start();
            INDArray slots = Nd4j.matmul(ph.get(GraphNames.SELECTION), hidden.reshape(b, l, h))
                    .reshape((long) b * n, h);
            Profile.kernel("slot gather (selection · hidden)", start, 2.0 * b * n * l * h, 0);
            return slots;
        }

        /** The MLM head at the slots: logits [B·N, V]. */
        MlmHead slotHead(String prefix, INDArray hidden) {
            return new MlmHead(prefix, atSlots(hidden, (int) hidden.size(1)));
        }

        /** dLogits at the slots → dLoss/dHidden [B·L, H]. */
        INDArray slotHeadBackward(MlmHead head, INDArray dLogits) {
            if (!train) {
                return null;
            }
            INDArray dAtSlots = head.backward(dLogits);
            return slotHeadBackwardInput(dAtSlots, dAtSlots.size(1));
        }

        /** The backward pass of {@link #atSlots}: dLoss/dSlots [B·N, H] → dLoss/dHidden [B·L, H]. */
        INDArray slotHeadBackwardInput(INDArray dAtSlots, long h) {
            long start = Profile.start();
            INDArray d = Nd4j.matmul(ph.get(GraphNames.SELECTION), dAtSlots.reshape(b, n, h), true, false, false)
                    .reshape((long) b * l, h);
            Profile.kernel("slot scatter (selectionᵀ · dSlots)", start, 2.0 * b * n * l * h, 0);
            return d;
        }

        /** The MLM head on the main encoder at the slots, its loss, and dLoss/dHidden. */
        INDArray mlmAtSlots(String prefix, INDArray hidden, int[] targets, double weight, String lossName,
                            String slotLossName, String correctName) {
            MlmHead head = slotHead(prefix, hidden);
            return slotHeadBackward(head, softmaxLoss(head.logits, targets, weight, lossName, slotLossName,
                    correctName));
        }

        /** Dense → GELU → LayerNorm → logits against the tied embedding table + bias, [R, V]. */
        final class MlmHead {
            final String prefix;
            final INDArray x;
            final Kernels.Gelu t1;
            final INDArray t2;
            final INDArray logits;

            MlmHead(String prefix, INDArray x) {
                this.prefix = prefix;
                this.x = x;
                t1 = denseGelu(x, p, in(mlmHead(prefix), TRANSFORM));
                t2 = layerNorm(t1.output(), p, in(mlmHead(prefix), LN));
                logits = Kernels.addBias(gemm(t2, p.get(WORD_EMBEDDINGS), false, true, "output layer"),
                        p.get(in(mlmHead(prefix), OUTPUT_BIAS)));
            }

            INDArray backward(INDArray dLogits) {
                accumulate(grads, in(mlmHead(prefix), OUTPUT_BIAS), Kernels.columnSums(dLogits));
                accumulate(grads, WORD_EMBEDDINGS, gemm(dLogits, t2, true, false, "output layer dW"));
                INDArray dt2 = gemm(dLogits, p.get(WORD_EMBEDDINGS), false, false, "output layer dX");
                INDArray dt0 = geluBackward(layerNormBackward(dt2, t1.output(), p, in(mlmHead(prefix), LN), grads), t1);
                return denseBackward(dt0, x, p, in(mlmHead(prefix), TRANSFORM), grads);
            }
        }

        /** The factor on loss {@code lossName}'s weights ({@link GraphNames#lossShare}); 1 when not given. */
        double share(String lossName) {
            INDArray share = ph.get(GraphNames.lossShare(lossName));
            return share == null ? 1.0 : share.getDouble(0);
        }

        /**
         * Softmax cross-entropy over rows with weights {@code weight} × slot weight, reduced as the graph's
         * MEAN_BY_NONZERO_WEIGHT_COUNT; records the loss, the per-slot −log p and correctness. Returns dLoss/dLogits.
         */
        INDArray softmaxLoss(INDArray logits, int[] targets, double lossWeight, String lossName, String slotLossName,
                             String correctName) {
            double weight = lossWeight * share(lossName);
            int rows = targets.length;
            INDArray probs = Kernels.softmax(logits);
            long start = Profile.start();
            int[] predicted = Nd4j.argMax(probs, 1).toIntVector();
            double[] ce = new double[rows];
            double[] correct = new double[rows];
            int count = 0;
            for (int r = 0; r < rows; r++) {
                ce[r] = crossEntropy(logits, probs, r, predicted[r], targets[r]);
                correct[r] = predicted[r] == targets[r] ? 1 : 0;
                if (weight * slotWeights[r] != 0) {
                    count++;
                }
            }
            double loss = 0;
            double[] scale = new double[rows];
            for (int r = 0; r < rows; r++) {
                scale[r] = count == 0 ? 0 : weight * slotWeights[r] / count;
                loss += scale[r] * ce[r];
            }
            out.put(lossName, Nd4j.scalar(type, loss));
            out.put(slotLossName, Nd4j.createFromArray(ce).castTo(type));
            out.put(correctName, Nd4j.createFromArray(correct).castTo(type));
            // (softmax − onehot) × the row's share of the loss
            INDArray d = probs;
            for (int r = 0; r < rows; r++) {
                d.putScalar(r, targets[r], d.getDouble(r, targets[r]) - 1.0);
            }
            d.muliColumnVector(Nd4j.createFromArray(scale).castTo(type).reshape(rows, 1));
            Profile.kernel("cross-entropy and its gradient", start, 0, Profile.floats(3 * logits.length()));
            return d;
        }

        /**
         * −log p(target) of one row from its logits and softmax: log Σ exp(x − max) − (x_target − max), with
         * log Σ exp(x − max) = −log p(argmax); finite even where p(target) underflows, since p(argmax) ≥ 1/V.
         */
        static double crossEntropy(INDArray logits, INDArray probs, int row, int argmax, int target) {
            return -Math.log(probs.getDouble(row, argmax)) - logits.getDouble(row, target)
                    + logits.getDouble(row, argmax);
        }

        /** Gumbel-max samples [B·N] from the generator's logits, as {@link GumbelSampler} defines them. */
        int[] sample(INDArray genLogits) {
            SamplingConfig sampling = definition.sampling();
            INDArray noise = ph.get(GraphNames.SAMPLING_NOISE);
            int[] disallowed = sampling.disallowCorrect() ? slotTargets : null;
            if (Kernels.vector(noise, genLogits)) {
                long start = Profile.start();
                int[] sampled = VectorKernels.gumbelArgmax(noise, genLogits, (float) sampling.temperature(),
                        disallowed, (float) GumbelSampler.DISALLOWED_PENALTY, (float) GumbelSampler.GUMBEL_EPSILON);
                Profile.kernel("Gumbel-max over the vocabulary", start, 0, Profile.floats(2 * genLogits.length()));
                return sampled;
            }
            // −log(−log(u + ε) + ε), op for op as the graph
            INDArray gumbel = Transforms.log(noise.add(GumbelSampler.GUMBEL_EPSILON), false);
            Transforms.log(gumbel.negi().addi(GumbelSampler.GUMBEL_EPSILON), false).negi();
            INDArray scaled = genLogits;
            if (sampling.temperature() != 1.0 || disallowed != null) {
                scaled = genLogits.div(sampling.temperature());
            }
            if (disallowed != null) {
                for (int r = 0; r < disallowed.length; r++) {
                    scaled.putScalar(r, disallowed[r], scaled.getDouble(r, disallowed[r])
                            - GumbelSampler.DISALLOWED_PENALTY);
                }
            }
            return Nd4j.argMax(gumbel.addi(scaled), 1).toIntVector();
        }

        /** Discriminator head and its weighted sigmoid cross-entropy; returns dLoss/dHidden. */
        INDArray discriminator(INDArray hidden, double[] replaced) {
            String prefix = DISCRIMINATOR_HEAD;
            Kernels.Gelu t1 = denseGelu(hidden, p, in(prefix, TRANSFORM));
            INDArray logits = dense(t1.output(), p, in(prefix, OUTPUT));
            double[] z = logits.reshape(-1).toDoubleVector();
            INDArray tokens = ph.get(definition.objective() == Objective.ELECTRA_15 ? GraphNames.CHOSEN
                    : GraphNames.TOKEN_MASK);
            double[] m = tokens.reshape(-1).toDoubleVector();
            double w = definition.lossWeights().discWeight() * share(GraphNames.LOSS_DISCRIMINATOR);
            int count = 0;
            for (double mi : m) {
                if (mi * w != 0) {
                    count++;
                }
            }
            double loss = 0;
            double[] ce = new double[z.length];
            double[] dz = new double[z.length];
            for (int i = 0; i < z.length; i++) {
                ce[i] = Math.max(z[i], 0) - z[i] * replaced[i] + Math.log1p(Math.exp(-Math.abs(z[i])));
                if (count == 0 || m[i] == 0) {
                    continue;
                }
                double share = w * m[i] / count;
                loss += share * ce[i];
                dz[i] = share * (1.0 / (1.0 + Math.exp(-z[i])) - replaced[i]);
            }
            out.put(GraphNames.LOSS_DISCRIMINATOR, Nd4j.scalar(type, loss));
            out.put(GraphNames.OUT_DISCRIMINATOR_LOGITS, logits.reshape(b, l));
            out.put(GraphNames.OUT_DISCRIMINATOR_TOKEN_LOSS, Nd4j.createFromArray(ce).reshape(b, l));
            if (!train) {
                return null;
            }
            INDArray dLogits = Nd4j.createFromArray(dz).castTo(type).reshape(z.length, 1);
            INDArray dt0 = Kernels.denseGeluBackward(dLogits, t1, p, in(prefix, OUTPUT), grads);
            return denseBackward(dt0, hidden, p, in(prefix, TRANSFORM), grads);
        }

        /**
         * All-tokens MLM with the copy mechanism, p = D·[not replaced] + (1 − D)·softmax(original), loss the mean
         * −log(p + ε) over non-padding tokens; returns dLoss/dHidden.
         */
        INDArray allTokens(String prefix, INDArray hidden, double[] replaced) {
            int rows = b * l;
            int[] targets = ph.get(GraphNames.ORIGINAL_IDS).reshape(-1).toIntVector();
            MlmHead head = new MlmHead(prefix, hidden);
            INDArray probs = Kernels.softmax(head.logits);
            Kernels.Gelu c1 = denseGelu(hidden, p, in(copyHead(prefix), TRANSFORM));
            double[] c2 = dense(c1.output(), p, in(copyHead(prefix), OUTPUT)).reshape(-1).toDoubleVector();
            double[] m = ph.get(GraphNames.TOKEN_MASK).reshape(-1).toDoubleVector();
            int count = 0;
            for (double mi : m) {
                if (mi != 0) {
                    count++;
                }
            }
            double share = share(GraphNames.LOSS_MAIN);
            for (int i = 0; i < m.length; i++) {
                m[i] *= share;
            }
            double eps = GraphBuilder.LOG_LOSS_EPSILON;
            double loss = 0;
            double[] tokenLoss = new double[rows];
            double[] dc2 = new double[rows];
            double[] dTarget = new double[rows];
            for (int i = 0; i < rows; i++) {
                double copy = 1.0 / (1.0 + Math.exp(-c2[i]));
                double st = probs.getDouble(i, targets[i]);
                double same = 1.0 - replaced[i];
                double pr = copy * same + (1.0 - copy) * st;
                tokenLoss[i] = -Math.log(pr + eps);
                if (count == 0 || m[i] == 0) {
                    continue;
                }
                loss += m[i] * tokenLoss[i] / count;
                double dp = -m[i] / (count * (pr + eps));
                dc2[i] = dp * (same - st) * copy * (1.0 - copy);
                // d st / d logits = st·(onehot − softmax)
                dTarget[i] = dp * (1.0 - copy) * st;
            }
            out.put(GraphNames.LOSS_MAIN, Nd4j.scalar(type, loss));
            out.put(GraphNames.OUT_MAIN_LOSS, Nd4j.createFromArray(tokenLoss).castTo(type));
            if (!train) {
                return null;
            }
            INDArray dLogits = probs.negi();
            for (int i = 0; i < rows; i++) {
                dLogits.putScalar(i, targets[i], dLogits.getDouble(i, targets[i]) + 1.0);
            }
            dLogits.muliColumnVector(Nd4j.createFromArray(dTarget).castTo(type).reshape(rows, 1));
            INDArray dHidden = head.backward(dLogits);
            INDArray dc1 = denseBackward(Nd4j.createFromArray(dc2).castTo(type).reshape(rows, 1), c1.output(), p,
                    in(copyHead(prefix), OUTPUT), grads);
            return dHidden.addi(denseBackward(geluBackward(dc1, c1), hidden, p, in(copyHead(prefix), TRANSFORM),
                    grads));
        }
    }
}
