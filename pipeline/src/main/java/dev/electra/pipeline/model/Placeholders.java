package dev.electra.pipeline.model;

import static dev.electra.pipeline.model.graph.GraphNames.ATTENTION_BIAS;
import static dev.electra.pipeline.model.graph.GraphNames.CHOSEN;
import static dev.electra.pipeline.model.graph.GraphNames.CLASS_LABELS;
import static dev.electra.pipeline.model.graph.GraphNames.INPUT_IDS;
import static dev.electra.pipeline.model.graph.GraphNames.ORIGINAL_IDS;
import static dev.electra.pipeline.model.graph.GraphNames.POSITION_IDS;
import static dev.electra.pipeline.model.graph.GraphNames.SAMPLING_NOISE;
import static dev.electra.pipeline.model.graph.GraphNames.SEGMENT_IDS;
import static dev.electra.pipeline.model.graph.GraphNames.SELECTION;
import static dev.electra.pipeline.model.graph.GraphNames.SLOT_INPUT_IDS;
import static dev.electra.pipeline.model.graph.GraphNames.SLOT_TARGET_IDS;
import static dev.electra.pipeline.model.graph.GraphNames.SLOT_WEIGHTS;
import static dev.electra.pipeline.model.graph.GraphNames.TOKEN_MASK;

import dev.electra.pipeline.model.graph.GraphBuilder.DropoutSite;
import dev.electra.pipeline.model.kernels.Backends;
import dev.electra.pipeline.model.kernels.VectorKernels;
import dev.electra.pipeline.model.noise.CounterNoise;
import dev.electra.pipeline.model.noise.UniformNoise;
import dev.electra.pipeline.seeds.Seeds;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The placeholder values a model's passes read, by the graph's names ({@code GraphNames}): ids, masks, the slot
 * selection and weights of a masked batch, or the ids and targets of a classification batch, and the random inputs.
 *
 * <p>Randomness. Sampling noise (uniform [B·N, V]) and dropout masks are placeholders too, drawn here by a
 * counter-based generator ({@link CounterNoise}, the definition; {@link UniformNoise}, the same bits under the fused
 * kernels) keyed with the caller's step seed and each row's global index: a step is then a deterministic function of (parameters, batch, step seed, first row), so a re-run Spark task reproduces it,
 * an example draws the same noise on any worker, and a gradient check sees a fixed function. In-graph random ops are
 * not used because in SameDiff 1.0.0-M2.1 they ignore {@code Nd4j.getRandom().setSeed}, repeat the same numbers on
 * every execution and share values between ops (probed), and {@code nn.dropoutInverted} fails on placeholder shapes.
 */
final class Placeholders {
    /** Added to attention scores of padding keys, as BERT's (1 − mask) × −10000. */
    static final double ATTENTION_MASK_BIAS = -10000.0;

    private final ModelConfig config;
    private final Objective objective;
    private final DataType dataType;
    private final List<DropoutSite> dropoutSites;
    private final int numLabels;

    Placeholders(ModelConfig config, Objective objective, DataType dataType, List<DropoutSite> dropoutSites,
                 int numLabels) {
        this.config = config;
        this.objective = objective;
        this.dataType = dataType;
        this.dropoutSites = dropoutSites;
        this.numLabels = numLabels;
    }

    private boolean regressor() {
        return numLabels == 1;
    }

    /**
     * Placeholders of a classification batch: ids and segments [B, L] (0 = padding beyond each row's length),
     * labels (may be null for prediction), dropout masks drawn row by row as in {@link #pretraining}.
     */
    Map<String, INDArray> classification(int[][] ids, int[][] segments, int[] lengths, int[] labels, long stepSeed,
                                         int firstRow, boolean training, KernelMode kernels) {
        if (regressor()) {
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
        return head(ids, segments, lengths, targets, stepSeed, firstRow, training, kernels);
    }

    /**
     * Placeholders of a regression batch (a classifier with one output): as {@link #classification},
     * with each row's target value (null for prediction).
     */
    Map<String, INDArray> regression(int[][] ids, int[][] segments, int[] lengths, float[] values, long stepSeed,
                                     int firstRow, boolean training, KernelMode kernels) {
        if (!regressor()) {
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
        return head(ids, segments, lengths, targets, stepSeed, firstRow, training, kernels);
    }

    /** The placeholders shared by classification and regression; {@code targets} [B, C] or null. */
    private Map<String, INDArray> head(int[][] ids, int[][] segments, int[] lengths, INDArray targets, long stepSeed,
                                       int firstRow, boolean training, KernelMode kernels) {
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
        addNoise(ph, b, l, 0, stepSeed, firstRow, training, kernels);
        return ph;
    }

    /**
     * The placeholder values of one step.
     *
     * @param stepSeed seeds the sampling noise and (when {@code training}) the dropout masks, row by row
     * @param firstRow index of the batch's first row in the step's global batch (worker × per-worker batch)
     * @param training dropout on (masks drawn) or off (masks of ones, broadcast)
     */
    Map<String, INDArray> pretraining(ModelInput in, long stepSeed, int firstRow, boolean training,
                                      KernelMode kernels) {
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
        addNoise(ph, b, l, objective.hasGenerator() ? n : 0, stepSeed, firstRow, training, kernels);
        return ph;
    }

    /**
     * Sampling noise [B·N, V] (when {@code slots} > 0) and dropout masks (ones when not {@code training}): each
     * example's part of each array is a stream of {@link CounterNoise} keyed by the example's seed, so an example
     * draws the same noise in any batch and on any worker; the examples are drawn on all cores.
     */
    private void addNoise(Map<String, INDArray> ph, int b, int l, int slots, long stepSeed, int firstRow,
                          boolean training, KernelMode kernels) {
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
                    long key = Seeds.row(stepSeed, (long) firstRow + i);
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
            IntStream rows = IntStream.range(0, b);
            // one row at a time on a device backend, where each write also moves the array's host copy
            (Backends.cpu() ? rows.parallel() : rows).forEach(i -> {
                long key = Seeds.row(stepSeed, (long) firstRow + i);
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

    /** The placeholders a classification pass reads (with the labels when {@code labels}), each present. */
    void requireClassification(Map<String, INDArray> ph, boolean labels) {
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

    /** The placeholders a pretraining step reads, each present (as {@link #pretraining} makes them). */
    void requirePretraining(Map<String, INDArray> ph) {
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
