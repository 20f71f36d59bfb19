package dev.electra.pipeline.model;

import static dev.electra.pipeline.model.graph.GraphNames.INPUT_IDS;
import static dev.electra.pipeline.model.graph.GraphNames.LOSS_CLASSIFIER;
import static dev.electra.pipeline.model.graph.GraphNames.OUT_CLASS_LOGITS;
import static dev.electra.pipeline.model.graph.GraphNames.OUT_MAIN_HIDDEN;

import dev.electra.pipeline.model.graph.GraphBuilder;
import dev.electra.pipeline.model.graph.GraphNames;
import dev.electra.pipeline.model.graph.GraphRunner;
import dev.electra.pipeline.model.kernels.Backends;
import dev.electra.pipeline.model.kernels.HostWrites;
import dev.electra.pipeline.model.kernels.Kernels;
import dev.electra.pipeline.model.pass.DirectPass;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ELECTRA's generator and discriminator (or the main encoder of an MLM-style objective) with the loss of the chosen
 * {@link Objective}, or a fine-tuning classifier: what the training, evaluation, export and jobs code hold. A façade:
 * it builds the SameDiff graph ({@link GraphBuilder}, the definition of the function; {@link GraphRunner} holds its
 * live parameter arrays), makes the placeholders a pass reads ({@link Placeholders}, which also explains why noise and dropout
 * masks are inputs), and hands each pass to what {@link #kernels()} says computes it: {@link DirectPass}, the
 * hand-written forward and backward pass, 3–6× faster on CPU, or {@link GraphRunner}, SameDiff's own execution and
 * differentiation of the graph, which the tests hold the direct pass to ({@link #graphGradients},
 * {@link #graphForward}, {@link #graphClassifierGradients}; {@link #totalLoss} is the function the gradient checks
 * differentiate numerically). Either pass's outputs become a {@link ForwardResult} in {@link Outputs}. The parameters
 * are also one flat vector, the layout of checkpoints, the optimizer and parameter averaging.
 *
 * <p>Not thread-safe: one model per thread (SameDiff graphs are not).
 */
public final class ElectraModel {
    /** Loss variable of the generator's MLM loss (× gen-weight). */
    public static final String LOSS_GENERATOR = GraphNames.LOSS_GENERATOR;
    /** Loss variable of the discriminator's sigmoid cross-entropy (× disc-weight). */
    public static final String LOSS_DISCRIMINATOR = GraphNames.LOSS_DISCRIMINATOR;
    /** Loss variable of the main encoder of mlm, replace-mlm and all-tokens-mlm. */
    public static final String LOSS_MAIN = GraphNames.LOSS_MAIN;
    /** Loss variable of a fine-tuned classifier's softmax cross-entropy. */
    public static final String LOSS_CLASSIFIER = GraphNames.LOSS_CLASSIFIER;

    private final ModelConfig config;
    private final Objective objective;
    private final LossWeights lossWeights;
    private final SamplingConfig sampling;
    private final DataType dataType;
    private final List<ParameterSpec> parameters;
    private final List<String> lossNames;
    private final List<String> outputNames;
    /** Classes of the fine-tuning head; 0 for a pretraining model. */
    private final int numLabels;
    private final GraphRunner graph;
    private final Placeholders placeholders;
    private final DirectPass direct;
    /** How passes are computed (a run's model.kernels, resolved); by default the fastest this JVM can run. */
    private KernelMode kernels = Kernels.MODULE && Backends.cpu() ? KernelMode.FUSED : KernelMode.REFERENCE;

    private ElectraModel(ModelConfig config, Objective objective, LossWeights lossWeights, SamplingConfig sampling,
                         DataType dataType, int numLabels, GraphBuilder.Graph graph) {
        this.config = config;
        this.objective = objective;
        this.lossWeights = lossWeights;
        this.sampling = sampling;
        this.dataType = dataType;
        this.parameters = graph.parameters();
        this.lossNames = graph.lossNames();
        this.outputNames = graph.outputNames();
        this.numLabels = numLabels;
        this.graph = new GraphRunner(graph, dataType);
        this.placeholders = new Placeholders(config, objective, dataType, graph.dropoutSites(), numLabels);
        this.direct = new DirectPass(new DirectPass.Definition(config, objective, lossWeights, sampling, numLabels,
                dataType), parameters, this.graph::parameter);
    }

    /**
     * Builds the graph and initialises the parameters from {@code seed} (truncated normal with standard deviation
     * {@code initRange} for kernels and embeddings, zeros for biases, ones for LayerNorm gains).
     *
     * @param dataType FLOAT for training, DOUBLE for gradient checks
     */
    public static ElectraModel build(ModelConfig config, Objective objective, LossWeights lossWeights,
                                     SamplingConfig sampling, DataType dataType, long seed) {
        if (dataType != DataType.FLOAT && dataType != DataType.DOUBLE) {
            throw new IllegalArgumentException("data type must be FLOAT or DOUBLE, got " + dataType);
        }
        return new ElectraModel(config, objective, lossWeights, sampling, dataType, 0,
                GraphBuilder.pretraining(config, objective, lossWeights, sampling, dataType, seed));
    }

    /**
     * A sequence classifier for fine-tuning: the main encoder of a model pretrained with {@code pretrained} (the
     * discriminator, or the MLM encoder of the baselines; same parameter names, so {@link #loadMatching} copies a
     * pretrained checkpoint in) with ELECTRA's classification head on the [CLS] position: dropout → dense H→H →
     * GELU → dropout → dense H→C, trained with softmax cross-entropy. With {@code numLabels} 1 the head is a
     * regressor, as transformers' {@code ElectraForSequenceClassification} with {@code num_labels=1}: one output,
     * trained with the mean squared error against the target value (GLUE's STS-B). The head is initialised from
     * {@code seed}.
     */
    public static ElectraModel classifier(ModelConfig config, Objective pretrained, int numLabels, DataType dataType,
                                          long seed) {
        if (numLabels < 1) {
            throw new IllegalArgumentException("a classifier needs at least 2 labels (or 1 output for regression), "
                    + "got " + numLabels);
        }
        return new ElectraModel(config, pretrained, new LossWeights(1, 1), new SamplingConfig(1, false), dataType,
                numLabels, GraphBuilder.classifier(config, pretrained, numLabels, dataType, seed));
    }

    /** Classes of the fine-tuning head (0 for a pretraining model, 1 for a regressor). */
    public int numLabels() {
        return numLabels;
    }

    /** A fine-tuning head with one output trained by squared error. */
    public boolean regression() {
        return numLabels == 1;
    }

    /**
     * Copies the parameters of {@code source} (a flat vector laid out by {@code sourceSpecs}) whose names this
     * model has too, with the same shapes: the shared embeddings and the main encoder of a pretrained model.
     *
     * @return how many values were copied
     * @throws IllegalArgumentException when a parameter of the same name has another shape (another vocabulary or
     *                                  model size)
     */
    public long loadMatching(float[] source, List<ParameterSpec> sourceSpecs) {
        Map<String, ParameterSpec> byName = new LinkedHashMap<>();
        for (ParameterSpec p : sourceSpecs) {
            byName.put(p.name(), p);
        }
        float[] flat = flatParameters();
        long copied = 0;
        for (ParameterSpec p : parameters) {
            ParameterSpec q = byName.get(p.name());
            if (q == null) {
                continue;
            }
            if (!Arrays.equals(p.shape(), q.shape())) {
                throw new IllegalArgumentException("parameter " + p.name() + " has shape "
                        + Arrays.toString(q.shape()) + " in the checkpoint but "
                        + Arrays.toString(p.shape()) + " here (another vocabulary or model size?)");
            }
            System.arraycopy(source, Math.toIntExact(q.offset()), flat, Math.toIntExact(p.offset()),
                    Math.toIntExact(p.length()));
            copied += p.length();
        }
        setFlatParameters(flat);
        return copied;
    }


    /**
     * The placeholder values of one step.
     *
     * @param stepSeed seeds the sampling noise and (when {@code training}) the dropout masks, row by row
     *                 ({@code Seeds.step} derives it from the run's seed)
     * @param firstRow index of the batch's first row in the step's global batch (worker × per-worker batch)
     * @param training dropout on (masks drawn) or off (masks of ones, broadcast)
     */
    public Map<String, INDArray> placeholders(ModelInput in, long stepSeed, int firstRow, boolean training) {
        return placeholders(in, stepSeed, firstRow, training, Map.of());
    }

    /**
     * For each loss of {@link #lossNames()}, the number of positions of {@code in} it averages over: the chosen
     * positions for the MLM losses (generator, replace-mlm, mlm) and electra-15's discriminator, every real token for
     * electra's discriminator and all-tokens-mlm. A micro-batch's share of a batch is its count over the batch's.
     */
    public Map<String, Long> lossPositions(ModelInput in) {
        long chosen = 0;
        long tokens = 0;
        for (int i = 0; i < in.batchSize(); i++) {
            for (float w : in.positionWeights()[i]) {
                chosen += w != 0 ? 1 : 0;
            }
            for (int m : in.attentionMask()[i]) {
                tokens += m != 0 ? 1 : 0;
            }
        }
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String loss : lossNames) {
            boolean overTokens = loss.equals(LOSS_DISCRIMINATOR) ? objective == Objective.ELECTRA
                    : loss.equals(LOSS_MAIN) && objective == Objective.ALL_TOKENS_MLM;
            counts.put(loss, overTokens ? tokens : chosen);
        }
        return counts;
    }

    /**
     * {@link #placeholders(ModelInput, long, int, boolean)} of a micro-batch: each loss of {@link #lossNames()}
     * weighted by {@code shares} (1 where not given), the micro-batch's share of the positions that loss averages over
     * in the whole batch, so that the micro-batches' losses and gradients sum to the whole batch's.
     */
    public Map<String, INDArray> placeholders(ModelInput in, long stepSeed, int firstRow, boolean training,
                                              Map<String, Double> shares) {
        Map<String, INDArray> ph = placeholders.pretraining(in, stepSeed, firstRow, training, kernels);
        for (String loss : lossNames) {
            ph.put(GraphNames.lossShare(loss), Nd4j.scalar(dataType, shares.getOrDefault(loss, 1.0)));
        }
        return ph;
    }

    /**
     * Placeholders of a classification batch: ids and segments [B, L] (0 = padding beyond each row's length),
     * labels (may be null for prediction), dropout masks drawn row by row as in {@link #placeholders}.
     */
    public Map<String, INDArray> classifierPlaceholders(int[][] ids, int[][] segments, int[] lengths, int[] labels,
                                                        long stepSeed, int firstRow, boolean training) {
        return placeholders.classification(ids, segments, lengths, labels, stepSeed, firstRow, training, kernels);
    }

    /**
     * Placeholders of a regression batch ({@link #classifier} with one output): as {@link #classifierPlaceholders},
     * with each row's target value (null for prediction).
     */
    public Map<String, INDArray> regressionPlaceholders(int[][] ids, int[][] segments, int[] lengths, float[] values,
                                                        long stepSeed, int firstRow, boolean training) {
        return placeholders.regression(ids, segments, lengths, values, stepSeed, firstRow, training, kernels);
    }

    /** Loss terms and metric outputs of one batch; parameters unchanged. Forward only, as {@link #kernels()} says. */
    public ForwardResult forward(Map<String, INDArray> ph) {
        if (kernels == KernelMode.GRAPH) {
            return graphForward(ph);
        }
        placeholders.requirePretraining(ph);
        return Outputs.forward(objective, lossNames, direct(() -> direct.forward(ph)), ph);
    }

    /** {@link #forward} by the SameDiff graph: the direct pass's reference. */
    public ForwardResult graphForward(Map<String, INDArray> ph) {
        return Outputs.forward(objective, lossNames, graph.output(ph, outputNames), ph);
    }

    /**
     * Only the total loss (the sum of the loss terms) by the SameDiff graph, computing no metric outputs: the
     * function central differences differentiate in the gradient checks, independent of the direct pass.
     */
    public double totalLoss(Map<String, INDArray> ph) {
        return graph.totalLoss(ph);
    }

    /**
     * Loss and the gradient of the total loss with respect to every parameter, without applying an update (the
     * optimizer is the caller's). Computed as {@link #kernels()} says: by {@link DirectPass}, the hand-written forward
     * and backward pass of the graph's function (fused or reference kernels; the faster, docs/benchmarks.md), or by
     * {@link #graphGradients}, SameDiff's.
     */
    public StepResult gradients(Map<String, INDArray> ph) {
        if (numLabels > 0) {
            throw new IllegalStateException("a classifier's gradients come from classifierGradients");
        }
        if (kernels == KernelMode.GRAPH) {
            return graphGradients(ph);
        }
        placeholders.requirePretraining(ph);
        DirectPass.Result r = direct(() -> direct.run(ph));
        return new StepResult(Outputs.forward(objective, lossNames, r.outputs(), ph),
                Collections.unmodifiableMap(r.gradients()));
    }

    /** {@link #gradients}, differentiated by SameDiff through the graph itself: the reference of the direct pass. */
    public StepResult graphGradients(Map<String, INDArray> ph) {
        GraphRunner.Gradients r = graph.gradients(ph, outputNames);
        return new StepResult(Outputs.forward(objective, lossNames, r.outputs(), ph), r.gradients());
    }

    /** Class logits [B, C] of a classification batch (no update). */
    public INDArray classify(Map<String, INDArray> ph) {
        placeholders.requireClassification(ph, false);
        if (kernels == KernelMode.GRAPH) {
            return graph.output(ph, List.of(OUT_CLASS_LOGITS)).get(OUT_CLASS_LOGITS).dup();
        }
        return direct(() -> direct.classifier(ph, false).logits());
    }

    /**
     * The main encoder's last hidden states of a classification batch (placeholders from
     * {@link #classifierPlaceholders} with {@code training} false: no dropout), [B, L, H]; rows beyond a sequence's
     * length hold what the encoder computed at padding, which callers mask out. What frozen-feature probes read.
     */
    public INDArray hiddenStates(Map<String, INDArray> ph) {
        placeholders.requireClassification(ph, false);
        long b = ph.get(INPUT_IDS).size(0);
        long l = ph.get(INPUT_IDS).size(1);
        INDArray hidden = kernels == KernelMode.GRAPH
                ? graph.output(ph, List.of(OUT_MAIN_HIDDEN)).get(OUT_MAIN_HIDDEN).dup()
                : direct(() -> direct.classifier(ph, false).hidden());
        return hidden.reshape(b, l, config.hiddenSize());
    }

    /**
     * The classifier's loss and its gradient with respect to every parameter, by {@link DirectPass} as
     * {@link #gradients}; {@link #graphClassifierGradients} is SameDiff's.
     */
    public ClassifierStep classifierGradients(Map<String, INDArray> ph) {
        if (kernels == KernelMode.GRAPH) {
            return graphClassifierGradients(ph);
        }
        placeholders.requireClassification(ph, true);
        DirectPass.ClassifierResult r = direct(() -> direct.classifier(ph, true));
        return new ClassifierStep(r.loss(), r.logits(), Collections.unmodifiableMap(r.gradients()));
    }

    /** {@link #classifierGradients}, differentiated by SameDiff through the graph: the direct pass's reference. */
    public ClassifierStep graphClassifierGradients(Map<String, INDArray> ph) {
        GraphRunner.Gradients r = graph.gradients(ph, List.of(LOSS_CLASSIFIER, OUT_CLASS_LOGITS));
        return new ClassifierStep(r.outputs().get(LOSS_CLASSIFIER).getDouble(0),
                r.outputs().get(OUT_CLASS_LOGITS).dup(), r.gradients());
    }

    /** A classifier's loss, logits [B, C] and gradients by parameter name. */
    public record ClassifierStep(double loss, INDArray logits, Map<String, INDArray> gradients) {}

    public ModelConfig config() {
        return config;
    }

    public Objective objective() {
        return objective;
    }

    public LossWeights lossWeights() {
        return lossWeights;
    }

    public SamplingConfig sampling() {
        return sampling;
    }

    public DataType dataType() {
        return dataType;
    }

    /** Trainable parameters in flat-vector order. */
    public List<ParameterSpec> parameters() {
        return parameters;
    }

    /** The live array of a parameter (changes to it change the model). */
    public INDArray parameter(String name) {
        return graph.parameter(name);
    }

    /** Length of the flat parameter vector. */
    public long parameterCount() {
        ParameterSpec last = parameters.get(parameters.size() - 1);
        return last.offset() + last.length();
    }

    /** All parameters concatenated in {@link #parameters()} order, each in row-major (C) order. */
    public float[] flatParameters() {
        return flatParameters(new float[Math.toIntExact(parameterCount())]);
    }

    /** {@link #flatParameters()} into {@code into} (of length {@link #parameterCount()}), which is returned. */
    public float[] flatParameters(float[] into) {
        Map<String, INDArray> values = new LinkedHashMap<>();
        for (ParameterSpec p : parameters) {
            values.put(p.name(), parameter(p.name()));
        }
        return flatten(values, into);
    }

    /** Overwrites every parameter from a vector laid out as {@link #flatParameters()}. */
    public void setFlatParameters(float[] flat) {
        if (flat.length != parameterCount()) {
            throw new IllegalArgumentException("flat parameter vector has " + flat.length + " values, the model has "
                    + parameterCount());
        }
        for (ParameterSpec p : parameters) {
            INDArray target = parameter(p.name());
            if (isPlainFloat(target)) {
                HostWrites.write(target, 0, flat, (int) p.offset(), (int) p.length());
                continue;
            }
            float[] part = new float[(int) p.length()];
            System.arraycopy(flat, (int) p.offset(), part, 0, part.length);
            target.assign(Nd4j.createFromArray(part).reshape(p.shape()).castTo(dataType));
        }
    }

    /**
     * A contiguous row-major float array, whose values can be copied to and from a Java array in one bulk copy,
     * with no native allocation: the per-step copies of parameters and gradients then leave no native garbage
     * behind for the collector (resident memory stays flat).
     */
    private static boolean isPlainFloat(INDArray a) {
        return a.dataType() == DataType.FLOAT && a.ordering() == 'c' && a.elementWiseStride() == 1
                && a.length() <= Integer.MAX_VALUE;
    }

    /** Lays out per-parameter arrays (e.g. {@link StepResult#gradients()}) as one flat vector. */
    public float[] flatten(Map<String, INDArray> byName) {
        return flatten(byName, new float[Math.toIntExact(parameterCount())]);
    }

    /**
     * {@link #flatten(Map)} into {@code flat} (of length {@link #parameterCount()}), which is returned: a trainer
     * reuses its buffers, since a new array of millions of floats every step is a humongous allocation for G1 and
     * made the heap grow through a run.
     */
    public float[] flatten(Map<String, INDArray> byName, float[] flat) {
        if (flat.length != parameterCount()) {
            throw new IllegalArgumentException("flat parameter vector has " + flat.length + " values, the model has "
                    + parameterCount());
        }
        for (ParameterSpec p : parameters) {
            INDArray a = byName.get(p.name());
            if (a == null) {
                throw new IllegalArgumentException("no array for parameter '" + p.name() + "'");
            }
            if (isPlainFloat(a)) {
                HostWrites.read(a, 0, flat, (int) p.offset(), (int) p.length());
                continue;
            }
            float[] part = a.castTo(DataType.FLOAT).dup('c').data().asFloat();
            System.arraycopy(part, 0, flat, (int) p.offset(), part.length);
        }
        return flat;
    }

    /** Per flat index: true where AdamW applies weight decay (kernels, embeddings). */
    public boolean[] weightDecayMask() {
        boolean[] mask = new boolean[Math.toIntExact(parameterCount())];
        for (ParameterSpec p : parameters) {
            if (p.weightDecay()) {
                Arrays.fill(mask, (int) p.offset(), (int) (p.offset() + p.length()), true);
            }
        }
        return mask;
    }

    /** Names of the terminal loss variables the total is the sum of. */
    public List<String> lossNames() {
        return lossNames;
    }

    /**
     * Computes this model's passes in {@code mode} (concrete: {@link KernelMode#resolve} turns a configured one into
     * one this JVM can run); returns this model.
     */
    public ElectraModel useKernels(KernelMode mode) {
        if (mode == KernelMode.AUTO) {
            throw new IllegalArgumentException("resolve model.kernels = auto first (KernelMode.resolve)");
        }
        kernels = mode;
        return this;
    }

    public KernelMode kernels() {
        return kernels;
    }

    /** Named variables of the SameDiff graph for these placeholders (the tests' view of the graph's insides). */
    Map<String, INDArray> graphOutputs(Map<String, INDArray> ph, String... names) {
        return graph.output(ph, List.of(names));
    }

    /** The hand-written pass, for tests that hold what it touches to the graph's parameter list. */
    DirectPass directPass() {
        return direct;
    }

    /** Runs a pass of the direct kernels with the fused kernels on or off as this model's mode says. */
    private <T> T direct(Supplier<T> pass) {
        return Kernels.with(kernels == KernelMode.FUSED, pass);
    }
}
