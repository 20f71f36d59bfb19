package dev.electra.pipeline.model;

import static dev.electra.pipeline.model.graph.GraphNames.ATTENTION_BIAS;
import static dev.electra.pipeline.model.graph.GraphNames.CHOSEN;
import static dev.electra.pipeline.model.graph.GraphNames.CLASS_LABELS;
import static dev.electra.pipeline.model.graph.GraphNames.INPUT_IDS;
import static dev.electra.pipeline.model.graph.GraphNames.ORIGINAL_IDS;
import static dev.electra.pipeline.model.graph.GraphNames.OUT_CLASS_LOGITS;
import static dev.electra.pipeline.model.graph.GraphNames.OUT_DISCRIMINATOR_LOGITS;
import static dev.electra.pipeline.model.graph.GraphNames.OUT_GENERATOR_SLOT_CORRECT;
import static dev.electra.pipeline.model.graph.GraphNames.OUT_GENERATOR_SLOT_LOSS;
import static dev.electra.pipeline.model.graph.GraphNames.OUT_MAIN_CORRECT;
import static dev.electra.pipeline.model.graph.GraphNames.OUT_MAIN_HIDDEN;
import static dev.electra.pipeline.model.graph.GraphNames.OUT_MAIN_LOSS;
import static dev.electra.pipeline.model.graph.GraphNames.OUT_REPLACED;
import static dev.electra.pipeline.model.graph.GraphNames.OUT_SAMPLED_IDS;
import static dev.electra.pipeline.model.graph.GraphNames.POSITION_IDS;
import static dev.electra.pipeline.model.graph.GraphNames.SAMPLING_NOISE;
import static dev.electra.pipeline.model.graph.GraphNames.SEGMENT_IDS;
import static dev.electra.pipeline.model.graph.GraphNames.SELECTION;
import static dev.electra.pipeline.model.graph.GraphNames.SLOT_INPUT_IDS;
import static dev.electra.pipeline.model.graph.GraphNames.SLOT_TARGET_IDS;
import static dev.electra.pipeline.model.graph.GraphNames.SLOT_WEIGHTS;
import static dev.electra.pipeline.model.graph.GraphNames.TOKEN_EMBEDDINGS;
import static dev.electra.pipeline.model.graph.GraphNames.TOKEN_MASK;
import static dev.electra.pipeline.model.ParameterNames.WORD_EMBEDDINGS;

import dev.electra.pipeline.masking.Masker;
import dev.electra.pipeline.model.graph.GraphBuilder;
import dev.electra.pipeline.model.graph.GraphBuilder.DropoutSite;
import dev.electra.pipeline.model.graph.GraphNames;
import dev.electra.pipeline.model.kernels.Backends;
import dev.electra.pipeline.model.kernels.HostWrites;
import dev.electra.pipeline.model.kernels.Kernels;
import dev.electra.pipeline.model.kernels.VectorKernels;
import dev.electra.pipeline.model.noise.CounterNoise;
import dev.electra.pipeline.model.noise.UniformNoise;
import dev.electra.pipeline.model.pass.DirectPass;
import dev.electra.pipeline.seeds.Seeds;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scatter.ScatterAdd;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ELECTRA's generator and discriminator (or the main encoder of an MLM-style objective) in ONE SameDiff graph,
 * with the loss of the chosen {@link Objective}. The graph follows the rules of docs/platform.md, each measured on
 * SameDiff 1.0.0-M2.1:
 * <ul>
 *   <li>every loss is a terminal loss op; the loss weights (gen-weight, disc-weight) live in the ops' per-element
 *       {@code weights}, reduced with {@code MEAN_BY_NONZERO_WEIGHT_COUNT} (Σ w·l / #(w ≠ 0), so weights c·m with a
 *       0/1 mask m give c × the mean over m), and the terms are combined by {@code setLossVariables}; nothing
 *       downstream of a loss op feeds the loss. The total is summed in Java;</li>
 *   <li>no gather on a trainable table at all. The one token lookup, E[input ids] as [B·L, E], is done outside
 *       autodiff ({@code Nd4j.pullRows}) and fed into a non-parameter graph variable; {@link #gradients} returns
 *       that variable's gradient and scatter-adds it into E's. (Even a single gather failed here: the M2.1 gather
 *       backprop, a while loop of puts, throws "Output array did not match expected shape".) The discriminator's
 *       input differs from the generator's only at the N chosen slots, so its embedding is that lookup plus
 *       Sᵀ·((onehot(sample) − onehot(input))·E) with S the [B, N, L] slot selection, an [B·N, V] one-hot matmul
 *       rather than a second [B·L, V] one. Positions and segments use one-hot matmuls (tables of 512 and 2 rows);
 *       the tied MLM logits use E inside the graph too, and the gradient check covers the sum of all uses.</li>
 * </ul>
 *
 * <p>Randomness. Sampling noise (uniform [B·N, V]) and dropout masks are placeholders, drawn in
 * {@link #placeholders(ModelInput, long, int, boolean)} by a counter-based generator ({@link UniformNoise}) keyed
 * with the caller's step seed and each row's global index: a step is then a deterministic function of (parameters,
 * batch, step seed, first row), so a re-run Spark task reproduces it, an example draws the same noise on any
 * worker, and a gradient check sees a fixed function. In-graph random ops are not used because in M2.1 they ignore
 * {@code Nd4j.getRandom().setSeed}, repeat the same numbers on every execution and share values between ops
 * (probed), and {@code nn.dropoutInverted} fails on placeholder shapes.
 *
 * <p>The graph defines the function and holds the parameters; training, evaluation and fine-tuning compute it
 * with {@link DirectPass}, a hand-written forward and backward pass of the same function over the same parameters
 * and placeholders, 3–6× faster on CPU. The graph's own differentiation ({@link #graphGradients},
 * {@link #graphForward}, {@link #graphClassifierGradients}) is the reference the tests hold it to, and
 * {@link #totalLoss} the function the gradient checks differentiate numerically.
 *
 * <p>Not thread-safe: one model per thread (SameDiff graphs are not).
 */
public final class ElectraModel {
    /** Added to attention scores of padding keys, as BERT's (1 − mask) × −10000. */
    static final double ATTENTION_MASK_BIAS = -10000.0;
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
    private final SameDiff sd;
    private final List<ParameterSpec> parameters;
    private final List<DropoutSite> dropoutSites;
    private final List<String> lossNames;
    private final List<String> outputNames;
    /** Classes of the fine-tuning head; 0 for a pretraining model. */
    private final int numLabels;
    private boolean gradientGraphBuilt;
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
        this.sd = graph.sameDiff();
        this.parameters = graph.parameters();
        this.dropoutSites = graph.dropoutSites();
        this.lossNames = graph.lossNames();
        this.outputNames = graph.outputNames();
        this.numLabels = numLabels;
        this.direct = new DirectPass(this);
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
            if (!java.util.Arrays.equals(p.shape(), q.shape())) {
                throw new IllegalArgumentException("parameter " + p.name() + " has shape "
                        + java.util.Arrays.toString(q.shape()) + " in the checkpoint but "
                        + java.util.Arrays.toString(p.shape()) + " here (another vocabulary or model size?)");
            }
            System.arraycopy(source, Math.toIntExact(q.offset()), flat, Math.toIntExact(p.offset()),
                    Math.toIntExact(p.length()));
            copied += p.length();
        }
        setFlatParameters(flat);
        return copied;
    }

    /**
     * Placeholders of a classification batch: ids and segments [B, L] (0 = padding beyond each row's length),
     * labels (may be null for prediction), dropout masks drawn row by row as in {@link #placeholders}.
     */
    public Map<String, INDArray> classifierPlaceholders(int[][] ids, int[][] segments, int[] lengths, int[] labels,
                                                        long stepSeed, int firstRow, boolean training) {
        if (regression()) {
            throw new IllegalStateException("a regressor's targets are values: use regressionPlaceholders");
        }
        INDArray targets = null;
        if (labels != null) {
            double[][] oneHot = new double[ids.length][numLabels];
            for (int i = 0; i < ids.length; i++) {
                if (labels[i] < 0 || labels[i] >= numLabels) {
                    throw new IllegalArgumentException("label " + labels[i] + " of row " + i + " is outside [0, "
                            + numLabels + ")");
                }
                oneHot[i][labels[i]] = 1.0;
            }
            targets = Nd4j.createFromArray(oneHot).castTo(dataType);
        }
        return headPlaceholders(ids, segments, lengths, targets, stepSeed, firstRow, training);
    }

    /**
     * Placeholders of a regression batch ({@link #classifier} with one output): as {@link #classifierPlaceholders},
     * with each row's target value (null for prediction).
     */
    public Map<String, INDArray> regressionPlaceholders(int[][] ids, int[][] segments, int[] lengths, float[] values,
                                                        long stepSeed, int firstRow, boolean training) {
        if (!regression()) {
            throw new IllegalStateException("a classifier's targets are labels: use classifierPlaceholders");
        }
        INDArray targets = null;
        if (values != null) {
            for (int i = 0; i < values.length; i++) {
                if (!Float.isFinite(values[i])) {
                    throw new IllegalArgumentException("target " + values[i] + " of row " + i + " is not finite");
                }
            }
            targets = Nd4j.createFromArray(values).reshape(values.length, 1).castTo(dataType);
        }
        return headPlaceholders(ids, segments, lengths, targets, stepSeed, firstRow, training);
    }

    /** The placeholders shared by classification and regression; {@code targets} [B, C] or null. */
    private Map<String, INDArray> headPlaceholders(int[][] ids, int[][] segments, int[] lengths, INDArray targets,
                                                   long stepSeed, int firstRow, boolean training) {
        int b = ids.length;
        int l = ids[0].length;
        double[][][][] bias = new double[b][1][1][l];
        double[][][] cls = new double[b][1][l];
        for (int i = 0; i < b; i++) {
            cls[i][0][0] = 1.0;
            for (int t = lengths[i]; t < l; t++) {
                bias[i][0][0][t] = ATTENTION_MASK_BIAS;
            }
            for (int t = 0; t < l; t++) {
                checkId("input id", ids[i][t], config.vocabSize(), i, t);
                checkId("segment id", segments[i][t], config.typeVocabSize(), i, t);
            }
        }
        if (l > config.maxPositions()) {
            throw new IllegalArgumentException("cannot run a sequence of length " + l + ": max-positions is "
                    + config.maxPositions());
        }
        int[] positionIds = new int[l];
        for (int t = 0; t < l; t++) {
            positionIds[t] = t;
        }
        Map<String, INDArray> ph = new LinkedHashMap<>();
        ph.put(INPUT_IDS, Nd4j.createFromArray(ids));
        ph.put(SEGMENT_IDS, Nd4j.createFromArray(segments));
        ph.put(POSITION_IDS, Nd4j.createFromArray(positionIds));
        ph.put(ATTENTION_BIAS, Nd4j.createFromArray(bias).castTo(dataType));
        ph.put(SELECTION, Nd4j.createFromArray(cls).castTo(dataType));
        if (targets != null) {
            ph.put(CLASS_LABELS, targets);
        }
        addNoise(ph, b, l, 0, stepSeed, firstRow, training);
        return ph;
    }

    /** Class logits [B, C] of a classification batch (no update). */
    public INDArray classify(Map<String, INDArray> placeholders) {
        requireClassifier(placeholders, false);
        if (kernels == KernelMode.GRAPH) {
            return outsideWorkspaces(() -> sd.output(withTokenEmbeddings(placeholders), OUT_CLASS_LOGITS)
                    .get(OUT_CLASS_LOGITS).dup());
        }
        return direct(() -> direct.classifier(placeholders, false).logits());
    }

    /**
     * The main encoder's last hidden states of a classification batch (placeholders from
     * {@link #classifierPlaceholders} with {@code training} false: no dropout), [B, L, H]; rows beyond a sequence's
     * length hold what the encoder computed at padding, which callers mask out. What frozen-feature probes read.
     */
    public INDArray hiddenStates(Map<String, INDArray> placeholders) {
        requireClassifier(placeholders, false);
        long b = placeholders.get(INPUT_IDS).size(0);
        long l = placeholders.get(INPUT_IDS).size(1);
        INDArray hidden = kernels == KernelMode.GRAPH
                ? outsideWorkspaces(() -> sd.output(withTokenEmbeddings(placeholders), OUT_MAIN_HIDDEN)
                .get(OUT_MAIN_HIDDEN).dup())
                : direct(() -> direct.classifier(placeholders, false).hidden());
        return hidden.reshape(b, l, config.hiddenSize());
    }

    /**
     * The classifier's loss and its gradient with respect to every parameter, by {@link DirectPass} as
     * {@link #gradients}; {@link #graphClassifierGradients} is SameDiff's.
     */
    public ClassifierStep classifierGradients(Map<String, INDArray> placeholders) {
        if (kernels == KernelMode.GRAPH) {
            return graphClassifierGradients(placeholders);
        }
        requireClassifier(placeholders, true);
        DirectPass.ClassifierResult r = direct(() -> direct.classifier(placeholders, true));
        return new ClassifierStep(r.loss(), r.logits(), Collections.unmodifiableMap(r.gradients()));
    }

    private void requireClassifier(Map<String, INDArray> ph, boolean labels) {
        if (numLabels == 0) {
            throw new IllegalStateException("not a classifier: build one with ElectraModel.classifier");
        }
        List<String> required = new ArrayList<>(List.of(INPUT_IDS, SEGMENT_IDS, POSITION_IDS, ATTENTION_BIAS,
                SELECTION));
        if (labels) {
            required.add(CLASS_LABELS);
        }
        requirePlaceholders(ph, required);
    }

    /** {@link #classifierGradients}, differentiated by SameDiff through the graph: the direct pass's reference. */
    public ClassifierStep graphClassifierGradients(Map<String, INDArray> placeholders) {
        return outsideWorkspaces(() -> {
            buildGradientGraph();
            OutAndGrad r = sd.calculateGradientsAndOutputs(withTokenEmbeddings(placeholders),
                    List.of(LOSS_CLASSIFIER, OUT_CLASS_LOGITS), gradientNames());
            return new ClassifierStep(r.getOutputs().get(LOSS_CLASSIFIER).getDouble(0),
                    r.getOutputs().get(OUT_CLASS_LOGITS).dup(), collectGradients(r, placeholders));
        });
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
        INDArray a = sd.getArrForVarName(name);
        if (a == null) {
            throw new IllegalArgumentException("no parameter named '" + name + "'");
        }
        return a;
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
                java.util.Arrays.fill(mask, (int) p.offset(), (int) (p.offset() + p.length()), true);
            }
        }
        return mask;
    }

    /** Names of the terminal loss variables the total is the sum of. */
    public List<String> lossNames() {
        return lossNames;
    }

    /** The graph itself, for inspection. */
    public SameDiff graph() {
        return sd;
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

    /** The hand-written pass, with the fused kernels on or off as this model's mode says. */
    /** The hand-written pass, for tests that hold what it touches to the graph's parameter list. */
    DirectPass directPass() {
        return direct;
    }

    private <T> T direct(java.util.function.Supplier<T> pass) {
        return Kernels.with(kernels == KernelMode.FUSED, pass);
    }

    /**
     * Derives the seed of one step from the run seed and the step (SplitMix64 mixing); rows then derive their own
     * from it and their index in the step's global batch.
     */
    public static long stepSeed(long runSeed, long step) {
        return Seeds.child(runSeed, step);
    }

    /**
     * The placeholder values of one step.
     *
     * @param stepSeed seeds the sampling noise and (when {@code training}) the dropout masks, row by row
     * @param firstRow index of the batch's first row in the step's global batch (worker × per-worker batch)
     * @param training dropout on (masks drawn) or off (masks of ones, broadcast)
     */
    public Map<String, INDArray> placeholders(ModelInput in, long stepSeed, int firstRow, boolean training) {
        validate(in);
        int b = in.batchSize();
        int l = in.sequenceLength();
        int n = in.slots();
        int v = config.vocabSize();
        Map<String, INDArray> ph = new LinkedHashMap<>();
        int[][] slotInput = new int[b][n];
        int[][] slotTarget = new int[b][n];
        double[][][] selection = new double[b][n][l];
        double[][] chosen = new double[b][l];
        double[][] weights = new double[b][n];
        double[][] tokenMask = new double[b][l];
        double[][][][] bias = new double[b][1][1][l];
        for (int i = 0; i < b; i++) {
            for (int t = 0; t < l; t++) {
                tokenMask[i][t] = in.attentionMask()[i][t];
                bias[i][0][0][t] = in.attentionMask()[i][t] == 0 ? ATTENTION_MASK_BIAS : 0.0;
            }
            for (int j = 0; j < n; j++) {
                int p = in.positions()[i][j];
                double w = in.positionWeights()[i][j];
                weights[i][j] = w;
                slotInput[i][j] = in.inputIds()[i][p];
                slotTarget[i][j] = in.originalIds()[i][p];
                selection[i][j][p] = w;
                if (w != 0) {
                    chosen[i][p] = 1.0;
                }
            }
        }
        int[] positionIds = new int[l];
        for (int t = 0; t < l; t++) {
            positionIds[t] = t;
        }
        ph.put(INPUT_IDS, Nd4j.createFromArray(in.inputIds()));
        ph.put(SEGMENT_IDS, Nd4j.createFromArray(in.segmentIds()));
        ph.put(POSITION_IDS, Nd4j.createFromArray(positionIds));
        ph.put(ATTENTION_BIAS, Nd4j.createFromArray(bias).castTo(dataType));
        ph.put(TOKEN_MASK, Nd4j.createFromArray(tokenMask).castTo(dataType));
        ph.put(CHOSEN, Nd4j.createFromArray(chosen).castTo(dataType));
        ph.put(SELECTION, Nd4j.createFromArray(selection).castTo(dataType));
        ph.put(SLOT_WEIGHTS, Nd4j.createFromArray(weights).castTo(dataType));
        ph.put(SLOT_INPUT_IDS, Nd4j.createFromArray(slotInput));
        ph.put(SLOT_TARGET_IDS, Nd4j.createFromArray(slotTarget));
        if (objective == Objective.ALL_TOKENS_MLM) {
            ph.put(ORIGINAL_IDS, Nd4j.createFromArray(in.originalIds()));
        }
        addNoise(ph, b, l, objective.hasGenerator() ? n : 0, stepSeed, firstRow, training);
        return ph;
    }

    /**
     * Sampling noise [B·N, V] (when {@code slots} > 0) and dropout masks (ones when not {@code training}): each
     * example's part of each array is a stream of {@link UniformNoise} keyed by the example's seed, so an example
     * draws the same noise in any batch and on any worker; the examples are drawn on all cores.
     */
    private void addNoise(Map<String, INDArray> ph, int b, int l, int slots, long stepSeed, int firstRow,
                          boolean training) {
        int v = config.vocabSize();
        INDArray sampling = slots > 0 ? Nd4j.createUninitialized(dataType, (long) b * slots, v) : null;
        double rate = config.dropout();
        List<INDArray> dropout = new ArrayList<>();
        for (DropoutSite site : dropoutSites) {
            long[] shape = site.attention() ? new long[] {b, site.width(), l, l}
                    : new long[] {site.pooled() ? b : (long) b * l, site.width()};
            dropout.add(training ? Nd4j.createUninitialized(dataType, shape) : null);
        }
        // each example's ranges are streams of its own key: its noise is the same in any batch, on any worker
        long elements = (sampling == null ? 0 : sampling.length())
                + dropout.stream().mapToLong(u -> u == null ? 0 : u.length()).sum();
        if (kernels == KernelMode.FUSED) {
            VectorKernels.forRows(b, dataType == DataType.FLOAT ? elements : 0, (chunk, from, to) -> {
                for (int i = from; i < to; i++) {
                    long key = Masker.rowSeed(stepSeed, (long) firstRow + i);
                    if (sampling != null) {
                        UniformNoise.uniform(sampling, (long) i * slots * v, slots * v, key, 0);
                    }
                    for (int k = 0; k < dropout.size(); k++) {
                        INDArray u = dropout.get(k);
                        if (u != null) {
                            int perExample = (int) (u.length() / b);
                            UniformNoise.dropoutMask(u, (long) i * perExample, perExample, key, k + 1, rate);
                        }
                    }
                }
            });
        } else {
            // the same bits, from the definition, written through HostWrites (no incubator module needed)
            java.util.stream.IntStream rows = java.util.stream.IntStream.range(0, b);
            // one row at a time on a device backend, where each write also moves the array's host copy
            (Backends.cpu() ? rows.parallel() : rows).forEach(i -> {
                long key = Masker.rowSeed(stepSeed, (long) firstRow + i);
                if (sampling != null) {
                    CounterNoise.fill(sampling, (long) i * slots * v, slots * v, key, 0, -1);
                }
                for (int k = 0; k < dropout.size(); k++) {
                    INDArray u = dropout.get(k);
                    if (u != null) {
                        int perExample = (int) (u.length() / b);
                        CounterNoise.fill(u, (long) i * perExample, perExample, key, k + 1, rate);
                    }
                }
            });
        }
        if (sampling != null) {
            ph.put(SAMPLING_NOISE, sampling);
        }
        for (int k = 0; k < dropoutSites.size(); k++) {
            DropoutSite site = dropoutSites.get(k);
            INDArray u = dropout.get(k);
            ph.put(site.name(), u != null ? u
                    : site.attention() ? Nd4j.ones(dataType, 1, 1, 1, 1) : Nd4j.ones(dataType, 1, 1));
        }
    }

    /** Loss terms and metric outputs of one batch; parameters unchanged. Forward only, as {@link #kernels()} says. */
    public ForwardResult forward(Map<String, INDArray> placeholders) {
        if (kernels == KernelMode.GRAPH) {
            return graphForward(placeholders);
        }
        validatePlaceholders(placeholders);
        return result(direct(() -> direct.forward(placeholders)), placeholders);
    }

    /** {@link #forward} by the SameDiff graph: the direct pass's reference. */
    public ForwardResult graphForward(Map<String, INDArray> placeholders) {
        return outsideWorkspaces(() -> result(sd.output(withTokenEmbeddings(placeholders), outputNames),
                placeholders));
    }

    /**
     * Only the total loss (the sum of the loss terms) by the SameDiff graph, computing no metric outputs: the
     * function central differences differentiate in the gradient checks, independent of the direct pass.
     */
    public double totalLoss(Map<String, INDArray> placeholders) {
        Map<String, INDArray> out = sd.output(withTokenEmbeddings(placeholders), lossNames);
        double total = 0;
        for (String name : lossNames) {
            total += out.get(name).getDouble(0);
        }
        return total;
    }

    /**
     * Loss and the gradient of the total loss with respect to every parameter, without applying an update (the
     * optimizer is the caller's). Computed as {@link #kernels()} says: by {@link DirectPass}, the hand-written forward
     * and backward pass of this graph's function (fused or reference kernels; the faster, docs/benchmarks.md), or by
     * {@link #graphGradients}, SameDiff's.
     */
    public StepResult gradients(Map<String, INDArray> placeholders) {
        if (numLabels > 0) {
            throw new IllegalStateException("a classifier's gradients come from classifierGradients");
        }
        if (kernels == KernelMode.GRAPH) {
            return graphGradients(placeholders);
        }
        validatePlaceholders(placeholders);
        DirectPass.Result r = direct(() -> direct.run(placeholders));
        return new StepResult(result(r.outputs(), placeholders), Collections.unmodifiableMap(r.gradients()));
    }

    /** {@link #gradients}, differentiated by SameDiff through the graph itself: the reference of the direct pass. */
    public StepResult graphGradients(Map<String, INDArray> placeholders) {
        return outsideWorkspaces(() -> {
            buildGradientGraph();
            OutAndGrad r = sd.calculateGradientsAndOutputs(withTokenEmbeddings(placeholders), outputNames,
                    gradientNames());
            return new StepResult(result(r.getOutputs(), placeholders),
                    Collections.unmodifiableMap(collectGradients(r, placeholders)));
        });
    }

    /**
     * Runs SameDiff outside the caller's workspace (the trainer's reused one): the graph manages its own memory, and
     * executed inside another workspace it failed on the second step ("Axis array [2] contains values above array
     * rank"). Its results are then ordinary arrays, valid after the workspace closes.
     */
    private static <T> T outsideWorkspaces(java.util.function.Supplier<T> graph) {
        try (org.nd4j.linalg.api.memory.MemoryWorkspace none = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
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
            java.io.PrintStream out = System.out;
            System.setOut(new java.io.PrintStream(new java.io.FilterOutputStream(out) {
                private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();

                @Override
                public void write(int b) throws java.io.IOException {
                    line.write(b);
                    if (b == '\n') {
                        String text = line.toString(java.nio.charset.StandardCharsets.UTF_8);
                        if (!text.startsWith("Added differentiated op")) {
                            out.write(line.toByteArray());
                        }
                        line.reset();
                    }
                }
            }, true, java.nio.charset.StandardCharsets.UTF_8));
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

    /** Named variables of the SameDiff graph for these placeholders (the tests' view of the graph's insides). */
    Map<String, INDArray> graphOutputs(Map<String, INDArray> placeholders, String... names) {
        return outsideWorkspaces(() -> sd.output(withTokenEmbeddings(placeholders), names));
    }

    /**
     * Sets the token embedding rows of the input ids, [B·L, E], read from the current table, as the value of the
     * lookup variable (done on every run, so a caller who changed the parameters never sees stale rows). The
     * lookup stays outside autodiff because the M2.1 gather backprop (a while loop of puts) fails in this graph
     * ("Output array did not match expected shape", probed with [B, L] and flat indices); {@link #gradients} adds
     * its backward pass, a scatter-add. A variable rather than a placeholder because M2.1 returns no gradient for
     * placeholders.
     */
    private Map<String, INDArray> withTokenEmbeddings(Map<String, INDArray> placeholders) {
        INDArray ids = placeholders.get(INPUT_IDS);
        sd.getVariable(TOKEN_EMBEDDINGS).setArray(
                Nd4j.pullRows(parameter(WORD_EMBEDDINGS), 1, ids.reshape(-1).toIntVector()));
        return placeholders;
    }

    private ForwardResult result(Map<String, INDArray> out, Map<String, INDArray> ph) {
        Map<String, Double> terms = new LinkedHashMap<>();
        double total = 0;
        for (String name : lossNames) {
            double value = out.get(name).getDouble(0);
            terms.put(name, value);
            total += value;
        }
        INDArray slotWeights = ph.get(SLOT_WEIGHTS).reshape(-1);
        double genLoss = Double.NaN;
        double genAccuracy = Double.NaN;
        INDArray sampled = null;
        if (objective.hasGenerator()) {
            genLoss = weightedMean(out.get(OUT_GENERATOR_SLOT_LOSS), slotWeights);
            genAccuracy = weightedMean(out.get(OUT_GENERATOR_SLOT_CORRECT), slotWeights);
            sampled = out.get(OUT_SAMPLED_IDS).reshape(ph.get(SLOT_WEIGHTS).shape()).dup();
        }
        double discLoss = Double.NaN;
        INDArray discProbabilities = null;
        INDArray discLogits = null;
        INDArray replaced = null;
        if (objective.hasGenerator()) {
            replaced = out.get(OUT_REPLACED).dup();
        }
        if (objective.hasDiscriminator()) {
            INDArray logits = out.get(OUT_DISCRIMINATOR_LOGITS);
            discLogits = logits.dup();
            INDArray tokens = objective == Objective.ELECTRA_15 ? ph.get(CHOSEN) : ph.get(TOKEN_MASK);
            discLoss = weightedMean(sigmoidCrossEntropy(logits, replaced), tokens);
            discProbabilities = org.nd4j.linalg.ops.transforms.Transforms.sigmoid(logits, true);
        }
        double mainLoss = Double.NaN;
        double mainAccuracy = Double.NaN;
        if (!objective.hasDiscriminator()) {
            INDArray w = objective == Objective.ALL_TOKENS_MLM ? ph.get(TOKEN_MASK).reshape(-1) : slotWeights;
            mainLoss = weightedMean(out.get(OUT_MAIN_LOSS), w);
            if (objective != Objective.ALL_TOKENS_MLM) {
                mainAccuracy = weightedMean(out.get(OUT_MAIN_CORRECT), w);
            }
        }
        return new ForwardResult(objective, total, Collections.unmodifiableMap(terms), genLoss, genAccuracy,
                discLoss, mainLoss, mainAccuracy, discProbabilities, discLogits, replaced, ph.get(TOKEN_MASK), ph.get(CHOSEN),
                sampled);
    }

    private static INDArray sigmoidCrossEntropy(INDArray logits, INDArray labels) {
        INDArray z = logits.castTo(DataType.DOUBLE);
        INDArray y = labels.castTo(DataType.DOUBLE);
        INDArray absZ = org.nd4j.linalg.ops.transforms.Transforms.abs(z, true);
        INDArray softplus = org.nd4j.linalg.ops.transforms.Transforms.log(
                org.nd4j.linalg.ops.transforms.Transforms.exp(absZ.neg(), true).addi(1.0), false);
        return org.nd4j.linalg.ops.transforms.Transforms.max(z, 0.0, true).subi(z.mul(y)).addi(softplus);
    }

    private static double weightedMean(INDArray values, INDArray weights) {
        INDArray v = values.castTo(DataType.DOUBLE).reshape(-1);
        INDArray w = weights.castTo(DataType.DOUBLE).reshape(-1);
        double sw = w.sumNumber().doubleValue();
        return sw == 0 ? Double.NaN : v.mul(w).sumNumber().doubleValue() / sw;
    }

    /** The placeholders a pretraining step reads, each present (as {@link #placeholders} makes them). */
    private void validatePlaceholders(Map<String, INDArray> ph) {
        List<String> required = new ArrayList<>(List.of(INPUT_IDS, SEGMENT_IDS, POSITION_IDS, ATTENTION_BIAS,
                TOKEN_MASK, CHOSEN, SELECTION, SLOT_WEIGHTS, SLOT_INPUT_IDS, SLOT_TARGET_IDS));
        if (objective.hasGenerator()) {
            required.add(SAMPLING_NOISE);
        }
        if (objective == Objective.ALL_TOKENS_MLM) {
            required.add(ORIGINAL_IDS);
        }
        requirePlaceholders(ph, required);
    }

    /** Each of {@code required} and every dropout site's mask is a key of {@code ph}. */
    private void requirePlaceholders(Map<String, INDArray> ph, List<String> required) {
        List<String> names = new ArrayList<>(required);
        for (DropoutSite site : dropoutSites) {
            names.add(site.name());
        }
        for (String name : names) {
            if (!ph.containsKey(name)) {
                throw new IllegalArgumentException("placeholder '" + name + "' is missing (build them with "
                        + (numLabels > 0 ? "classifierPlaceholders" : "placeholders") + "(…))");
            }
        }
    }

    private void validate(ModelInput in) {
        if (in.sequenceLength() > config.maxPositions()) {
            throw new IllegalArgumentException("cannot run a sequence of length " + in.sequenceLength()
                    + ": max-positions is " + config.maxPositions());
        }
        for (int i = 0; i < in.batchSize(); i++) {
            for (int t = 0; t < in.sequenceLength(); t++) {
                checkId("input id", in.inputIds()[i][t], config.vocabSize(), i, t);
                checkId("original id", in.originalIds()[i][t], config.vocabSize(), i, t);
                checkId("segment id", in.segmentIds()[i][t], config.typeVocabSize(), i, t);
            }
        }
    }

    private static void checkId(String what, int id, int limit, int row, int col) {
        if (id < 0 || id >= limit) {
            throw new IllegalArgumentException(what + " " + id + " at [" + row + ", " + col + "] is outside [0, "
                    + limit + ")");
        }
    }
}
