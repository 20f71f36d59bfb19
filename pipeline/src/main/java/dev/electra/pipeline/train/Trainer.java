package dev.electra.pipeline.train;

import dev.electra.pipeline.masking.Batch;
import dev.electra.pipeline.masking.MaskedBatch;
import dev.electra.pipeline.masking.Masker;
import dev.electra.pipeline.metrics.BinaryMetrics;
import dev.electra.pipeline.model.ElectraModel;
import dev.electra.pipeline.model.ForwardResult;
import dev.electra.pipeline.model.ModelInput;
import dev.electra.pipeline.model.NativeMemory;
import dev.electra.pipeline.model.kernels.Profile;
import dev.electra.pipeline.model.StepResult;
import dev.electra.pipeline.packing.PackedExample;
import dev.electra.pipeline.seeds.Seeds;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One worker's training steps, as the paper's loop: mask the input → generator → sample → discriminator → loss of
 * the objective → clip → AdamW. It owns no data and no schedule position: the caller gives each step's examples
 * and number, so the same class serves one worker and the parameter-averaging rounds of many.
 */
public final class Trainer {
    private static final double DECISION_THRESHOLD = 0.5;
    /**
     * The step's placeholders and metric arrays: sized by the first step, grown when a later batch is longer (as
     * DirectPass's workspace); one per thread.
     */
    private static final WorkspaceConfiguration WORKSPACE = WorkspaceConfiguration.builder()
            .policyAllocation(AllocationPolicy.STRICT).policyLearning(LearningPolicy.FIRST_LOOP)
            .policySpill(SpillPolicy.REALLOCATE).build();
    private static final String WORKSPACE_ID = "electra-training-step";

    private final ElectraModel model;
    private final Masker masker;
    private final Optimizer optimizer;
    private final LearningRateSchedule schedule;
    private final double clipNorm;
    private final long seed;
    /** Micro-batches per optimizer step (pretrain.accumulation-steps); 1: the whole batch in one pass. */
    private final int accumulationSteps;
    /** Flat parameters and gradient of a step, reused from step to step (see ElectraModel#flatten). */
    private final float[] parameterBuffer;
    private final float[] gradientBuffer;
    /** A micro-batch's gradient before it is added to the step's (empty without accumulation). */
    private final float[] microGradientBuffer;

    /** @param seed the run seed: with the step and each row's global index it seeds masking, sampling and dropout */
    public Trainer(ElectraModel model, Masker masker, Optimizer optimizer, LearningRateSchedule schedule,
                   double clipNorm, long seed) {
        this(model, masker, optimizer, schedule, clipNorm, seed, 1);
    }

    /**
     * @param accumulationSteps micro-batches per optimizer step: each step's examples are split into this many
     *                          micro-batches, whose gradients sum to the whole batch's before the one update
     */
    public Trainer(ElectraModel model, Masker masker, Optimizer optimizer, LearningRateSchedule schedule,
                   double clipNorm, long seed, int accumulationSteps) {
        if (accumulationSteps < 1) {
            throw new IllegalArgumentException("accumulation steps must be at least 1, got " + accumulationSteps);
        }
        this.accumulationSteps = accumulationSteps;
        this.model = model;
        this.masker = masker;
        this.optimizer = optimizer;
        this.schedule = schedule;
        this.clipNorm = clipNorm;
        this.seed = seed;
        this.parameterBuffer = new float[Math.toIntExact(model.parameterCount())];
        this.gradientBuffer = new float[parameterBuffer.length];
        this.microGradientBuffer = new float[accumulationSteps > 1 ? parameterBuffer.length : 0];
    }

    public ElectraModel model() {
        return model;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    /** Masks and pads {@code examples}, rows {@code firstRow…} of the global batch of {@code step}. */
    public ModelInput input(List<PackedExample> examples, long step, int firstRow) {
        return input(masker, seed, examples, step, firstRow);
    }

    /** As {@link #input(List, long, int)} for any masker and run seed (held-out evaluation masks as training does). */
    static ModelInput input(Masker masker, long seed, List<PackedExample> examples, long step, int firstRow) {
        MaskedBatch masked = masker.mask(Batch.pad(examples, 0), Seeds.step(seed, step), firstRow);
        return ModelInput.of(masked);
    }

    /**
     * One optimizer step on {@code examples} as update number {@code step} (0-based); the metrics' step is the
     * number of updates applied once it is done ({@code step + 1}).
     *
     * @param firstRow index of {@code examples}' first row in the step's global batch (worker × batch size), so
     *                 that every row draws its own randomness whichever worker trains it
     * @throws NonFiniteLossException before touching the parameters when the loss or gradient is not finite
     */
    public StepMetrics step(List<PackedExample> examples, long step, int firstRow) {
        if (accumulationSteps > 1) {
            return accumulatedStep(examples, step, firstRow);
        }
        long start = System.nanoTime();
        ModelInput in;
        try (Profile.Part part = Profile.part("masking (the step's input)")) {
            in = input(examples, step, firstRow);
        }
        long stepSeed = Seeds.step(seed, step);
        double lr = schedule.at(step);
        StepMetrics metrics;
        // The placeholders (dropout masks and sampling noise, hundreds of MB at small) and the metrics' arrays live
        // in a workspace reused from step to step: fresh native memory is page-faulted in at every step otherwise.
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE, WORKSPACE_ID)) {
            Map<String, INDArray> placeholders;
            try (Profile.Part part = Profile.part("placeholders (dropout masks, sampling noise)")) {
                placeholders = model.placeholders(in, stepSeed, firstRow, true);
            }
            StepResult result;
            try (Profile.Part part = Profile.part("pass: outside its parts (outputs, gradients copied out)")) {
                result = model.gradients(placeholders);
            }
            ForwardResult out = result.outputs();
            if (!Double.isFinite(out.totalLoss())) {
                throw new NonFiniteLossException(step, "total loss " + out.totalLoss() + ", terms " + out.lossTerms());
            }
            float[] gradient;
            try (Profile.Part part = Profile.part("gradients flattened")) {
                gradient = model.flatten(result.gradients(), gradientBuffer);
                NativeMemory.release(result.gradients().values());
            }
            double norm = Update.apply(model, gradient, parameterBuffer, optimizer, lr, step + 1, clipNorm,
                    n -> new NonFiniteLossException(step, "gradient norm " + n));
            metrics = metrics(step + 1, lr, out, norm, tokens(in), 0);
        }
        try (Profile.Part part = Profile.part("parameters copied back")) {
            model.setFlatParameters(parameterBuffer);
        }
        return metrics.withSeconds((System.nanoTime() - start) / 1e9);
    }

    /**
     * One optimizer step over {@code accumulationSteps} micro-batches of {@code examples}, its update that of the
     * whole batch in one pass (to float rounding): each micro-batch is padded to the whole batch's length, and its
     * rows keep their index in the global batch, so each row is masked as in the whole batch (how many positions a
     * row may have depends on the length) and draws the same dropout and sampling noise (laid out by the length);
     * each loss of a micro-batch is weighted by its share of the positions that loss averages over in the whole
     * batch ({@link ElectraModel#lossPositions}), so the micro-batches' losses and gradients sum to the whole
     * batch's; the summed gradient is clipped and applied once. The step's loss and loss terms are those sums; its
     * other figures (accuracies, AUC) are token-weighted means over the micro-batches, as a round's over its workers.
     */
    private StepMetrics accumulatedStep(List<PackedExample> examples, long step, int firstRow) {
        long start = System.nanoTime();
        if (examples.size() % accumulationSteps != 0) {
            throw new IllegalArgumentException("a step of " + examples.size() + " examples cannot be split into "
                    + accumulationSteps + " equal micro-batches");
        }
        int micro = examples.size() / accumulationSteps;
        int length = 0;
        for (PackedExample e : examples) {
            length = Math.max(length, e.length());
        }
        long stepSeed = Seeds.step(seed, step);
        ModelInput[] inputs = new ModelInput[accumulationSteps];
        Map<String, Long> totals = new java.util.HashMap<>();
        for (int k = 0; k < accumulationSteps; k++) {
            List<PackedExample> part = examples.subList(k * micro, (k + 1) * micro);
            inputs[k] = ModelInput.of(masker.mask(Batch.pad(part, length), stepSeed, firstRow + k * micro));
            model.lossPositions(inputs[k]).forEach((loss, n) -> totals.merge(loss, n, Long::sum));
        }
        double lr = schedule.at(step);
        List<StepMetrics> parts = new java.util.ArrayList<>(accumulationSteps);
        double totalLoss = 0;
        Map<String, Double> terms = new java.util.LinkedHashMap<>();
        for (int k = 0; k < accumulationSteps; k++) {
            Map<String, Double> shares = new java.util.HashMap<>();
            model.lossPositions(inputs[k]).forEach((loss, n) -> {
                long all = totals.get(loss);
                shares.put(loss, all == 0 ? 1.0 : (double) n / all);
            });
            try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE, WORKSPACE_ID)) {
                Map<String, INDArray> placeholders = model.placeholders(inputs[k], stepSeed, firstRow + k * micro,
                        true, shares);
                StepResult result = model.gradients(placeholders);
                ForwardResult out = result.outputs();
                if (!Double.isFinite(out.totalLoss())) {
                    throw new NonFiniteLossException(step, "total loss " + out.totalLoss() + " in micro-batch " + k
                            + ", terms " + out.lossTerms());
                }
                float[] gradient = model.flatten(result.gradients(), k == 0 ? gradientBuffer : microGradientBuffer);
                NativeMemory.release(result.gradients().values());
                if (k > 0) {
                    for (int i = 0; i < gradient.length; i++) {
                        gradientBuffer[i] += gradient[i];
                    }
                }
                totalLoss += out.totalLoss();
                out.lossTerms().forEach((name, value) -> terms.merge(name, value, Double::sum));
                parts.add(metrics(step + 1, lr, out, Double.NaN, tokens(inputs[k]), 0));
            }
        }
        double norm = Update.apply(model, gradientBuffer, parameterBuffer, optimizer, lr, step + 1, clipNorm,
                n -> new NonFiniteLossException(step, "gradient norm " + n));
        model.setFlatParameters(parameterBuffer);
        StepMetrics m = StepMetrics.mean(parts, step + 1);
        return new StepMetrics(m.step(), lr, totalLoss, terms, m.generatorLoss(), m.generatorAccuracy(),
                m.discriminatorLoss(), m.discriminatorAccuracy(), m.discriminatorPrecision(),
                m.discriminatorRecall(), m.discriminatorAuc(), m.replacedShare(), m.mainLoss(), m.mainAccuracy(), norm,
                m.tokens(), (System.nanoTime() - start) / 1e9);
    }

    static long tokens(ModelInput in) {
        long n = 0;
        for (int[] row : in.attentionMask()) {
            for (int m : row) {
                n += m;
            }
        }
        return n;
    }

    /** Discriminator metrics over the real tokens of the batch (label: replaced). */
    static StepMetrics metrics(long step, double lr, ForwardResult out, double norm, long tokens, double seconds) {
        double acc = Double.NaN;
        double precision = Double.NaN;
        double recall = Double.NaN;
        double auc = Double.NaN;
        double replacedShare = Double.NaN;
        if (out.discriminatorProbabilities() != null && out.replaced() != null) {
            float[] p = out.discriminatorProbabilities().castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT)
                    .reshape(-1).toFloatVector();
            float[] replaced = out.replaced().castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).reshape(-1).toFloatVector();
            float[] mask = out.attentionMask().castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).reshape(-1).toFloatVector();
            int real = 0;
            for (float m : mask) {
                real += m > 0 ? 1 : 0;
            }
            float[] scores = new float[real];
            byte[] labels = new byte[real];
            int k = 0;
            long positives = 0;
            for (int i = 0; i < mask.length; i++) {
                if (mask[i] > 0) {
                    scores[k] = p[i];
                    labels[k] = (byte) (replaced[i] > 0.5f ? 1 : 0);
                    positives += labels[k];
                    k++;
                }
            }
            BinaryMetrics m = BinaryMetrics.of(scores, labels, DECISION_THRESHOLD);
            acc = m.accuracy();
            precision = m.precision();
            recall = m.recall();
            auc = m.auc();
            replacedShare = real == 0 ? Double.NaN : (double) positives / real;
        }
        return new StepMetrics(step, lr, out.totalLoss(), out.lossTerms(), out.generatorLoss(),
                out.generatorAccuracy(), out.discriminatorLoss(), acc, precision, recall, auc, replacedShare,
                out.mainLoss(), out.mainAccuracy(), norm, tokens, seconds);
    }
}
