package dev.electra.pipeline.train;

import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.masking.Masker;
import dev.electra.pipeline.masking.MaskingConfig;
import dev.electra.pipeline.model.ElectraModel;
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
    public record SpecialIds(int pad, int cls, int sep, int mask) {}

    public static ModelConfig modelConfig(ElectraConfig config, int vocabSize, int maxSeqLength) {
        ElectraConfig.ModelSizeConfig m = config.model();
        if (maxSeqLength > m.maxPositions()) {
            throw new IllegalArgumentException("the shards hold sequences of up to " + maxSeqLength
                    + " tokens but model.max-positions is " + m.maxPositions());
        }
        return new ModelConfig(vocabSize, m.embeddingSize(), m.hiddenSize(), m.layers(), m.heads(), m.ffnSize(),
                m.maxPositions(), TYPE_VOCAB_SIZE, m.dropout(), m.generatorFraction(), m.initRange());
    }

    public static ElectraModel model(ElectraConfig config, int vocabSize, int maxSeqLength) {
        ElectraConfig.PretrainConfig p = config.pretrain();
        return ElectraModel.build(modelConfig(config, vocabSize, maxSeqLength), p.objective(),
                new LossWeights(p.genWeight(), p.discWeight()), new SamplingConfig(p.temperature(), p.disallowCorrect()),
                DataType.FLOAT, config.seed());
    }

    public static LearningRateSchedule schedule(ElectraConfig config) {
        ElectraConfig.PretrainConfig p = config.pretrain();
        return new LearningRateSchedule(p.learningRate(), p.warmupSteps(), p.steps());
    }

    public static AdamW.Settings adamSettings(ElectraConfig config) {
        ElectraConfig.PretrainConfig p = config.pretrain();
        return new AdamW.Settings(p.adamBeta1(), p.adamBeta2(), p.adamEpsilon(), p.weightDecay());
    }

    /** A trainer for worker {@code worker} around {@code model}, with fresh Adam moments. */
    public static Trainer trainer(ElectraConfig config, ElectraModel model, SpecialIds ids, int worker) {
        return trainer(config, model, ids, worker, new AdamW(adamSettings(config), model.weightDecayMask()));
    }

    /** A trainer continuing with the given optimizer (e.g. moments restored from a checkpoint). */
    public static Trainer trainer(ElectraConfig config, ElectraModel model, SpecialIds ids, int worker, AdamW adam) {
        Masker masker = new Masker(MaskingConfig.electra(config.pretrain().maskProb()), ids.mask(),
                model.config().vocabSize(), ids.pad(), ids.cls(), ids.sep());
        return new Trainer(model, masker, adam, schedule(config), config.pretrain().clipNorm(), config.seed(), worker);
    }
}
