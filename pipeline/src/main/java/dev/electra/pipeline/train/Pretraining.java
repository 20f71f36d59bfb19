package dev.electra.pipeline.train;

import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.distributed.OuterOptimizer;
import dev.electra.pipeline.distributed.RoundBytes;
import dev.electra.pipeline.masking.Masker;
import dev.electra.pipeline.masking.MaskingConfig;
import dev.electra.pipeline.model.ElectraModel;
import dev.electra.pipeline.model.KernelMode;
import dev.electra.pipeline.model.LossWeights;
import dev.electra.pipeline.model.ModelConfig;
import dev.electra.pipeline.model.SamplingConfig;
import org.nd4j.linalg.api.buffer.DataType;

/** Builds the model, masker, optimizer and schedule of a run from its configuration: the one place that wires them. */
public final class Pretraining {
    /** The segment vocabulary of [CLS] A [SEP] B [SEP]. */
    private static final int TYPE_VOCAB_SIZE = 2;

    private Pretraining() {}

    /** The special-token ids the masker needs, from the shards' manifest. */
    public record SpecialIds(int pad, int cls, int sep, int mask) implements java.io.Serializable {}

    public static ModelConfig modelConfig(ElectraConfig config, int vocabSize, int maxSeqLength) {
        ElectraConfig.ModelSizeConfig m = config.model();
        if (maxSeqLength > m.maxPositions()) {
            throw new IllegalArgumentException("the shards hold sequences of up to " + maxSeqLength
                    + " tokens but model.max-positions is " + m.maxPositions());
        }
        return new ModelConfig(vocabSize, m.embeddingSize(), m.hiddenSize(), m.layers(), m.heads(), m.ffnSize(),
                m.maxPositions(), TYPE_VOCAB_SIZE, m.dropout(), m.generatorFraction(), m.initRange(),
                m.generatorLayers());
    }

    public static ElectraModel model(ElectraConfig config, int vocabSize, int maxSeqLength) {
        KernelMode kernels = KernelMode.resolve(config.model().kernels()).mode();
        ElectraConfig.PretrainConfig p = config.pretrain();
        return ElectraModel.build(modelConfig(config, vocabSize, maxSeqLength), p.objective(),
                new LossWeights(p.genWeight(), p.discWeight()), new SamplingConfig(p.temperature(), p.disallowCorrect()),
                DataType.FLOAT, config.seed()).useKernels(kernels);
    }

    public static LearningRateSchedule schedule(ElectraConfig config) {
        ElectraConfig.PretrainConfig p = config.pretrain();
        return new LearningRateSchedule(p.learningRate(), p.warmupSteps(), p.steps());
    }

    public static AdamW.Settings adamSettings(ElectraConfig config) {
        ElectraConfig.PretrainConfig p = config.pretrain();
        return new AdamW.Settings(p.adamBeta1(), p.adamBeta2(), p.adamEpsilon(), p.weightDecay());
    }

    /** A trainer around {@code model} with a fresh optimizer. */
    public static Trainer trainer(ElectraConfig config, ElectraModel model, SpecialIds ids) {
        float[][] fresh = initialMoments(config, model);
        return trainer(config, model, ids, optimizer(config, model, fresh[0], fresh[1]));
    }

    /** A trainer continuing with the given optimizer (e.g. moments restored from a checkpoint). */
    public static Trainer trainer(ElectraConfig config, ElectraModel model, SpecialIds ids, Optimizer optimizer) {
        return new Trainer(model, masker(config, model, ids), optimizer, schedule(config), config.pretrain().clipNorm(),
                config.seed(), config.pretrain().accumulationSteps());
    }

    /** ELECTRA's masking at {@code pretrain.mask-prob} over the vocabulary's special ids. */
    public static Masker masker(ElectraConfig config, ElectraModel model, SpecialIds ids) {
        return new Masker(MaskingConfig.electra(config.pretrain().maskProb()), ids.mask(),
                model.config().vocabSize(), ids.pad(), ids.cls(), ids.sep());
    }

    /**
     * The optimizer of {@code pretrain.optimizer} with moments {@code m} and {@code v} (empty for SGD); LAMB's trust
     * ratios are per tensor of the model's parameter layout.
     */
    public static Optimizer optimizer(ElectraConfig config, ElectraModel model, float[] m, float[] v) {
        return switch (config.pretrain().optimizer()) {
            case ADAMW -> new AdamW(adamSettings(config), model.weightDecayMask(), m, v);
            case SGD -> new Sgd(config.pretrain().weightDecay(), model.weightDecayMask());
            case LAMB -> new Lamb(adamSettings(config), model.parameters(), m, v);
        };
    }

    /** What a round of this run moves through the driver, for checking before the first that it fits there. */
    public static RoundBytes roundBytes(ElectraConfig config, long parameters) {
        return roundBytes(config, parameters, config.distributed().workers());
    }

    /** {@link #roundBytes(ElectraConfig, long)} as if the run had {@code workers} workers (what {@code plan} asks). */
    public static RoundBytes roundBytes(ElectraConfig config, long parameters, int workers) {
        ElectraConfig.DistributedConfig d = config.distributed();
        boolean moments = config.pretrain().optimizer() != ElectraConfig.OptimizerKind.SGD;
        boolean averaged = d.optimizerState() == ElectraConfig.OptimizerState.AVERAGED;
        // optimizer-state-every > 1: the rounds in between keep each worker's moments
        boolean perWorker = !averaged || d.optimizerStateEvery() > 1;
        return RoundBytes.of(parameters, workers, moments, averaged, perWorker, d.payload(),
                d.outerOptimizer() == OuterOptimizer.Kind.NESTEROV);
    }

    /** The optimizer state of step 0: Adam's moments as zeros (AdamW, LAMB), nothing for SGD. */
    public static float[][] initialMoments(ElectraConfig config, ElectraModel model) {
        int n = config.pretrain().optimizer() != ElectraConfig.OptimizerKind.SGD
                ? Math.toIntExact(model.parameterCount()) : 0;
        return new float[][] {new float[n], new float[n]};
    }
}
