package dev.electra.pipeline.config;

import dev.electra.pipeline.distributed.OuterOptimizer;
import dev.electra.pipeline.distributed.PayloadPrecision;
import dev.electra.pipeline.model.KernelMode;
import dev.electra.pipeline.model.Objective;
import dev.electra.tokenizer.NormalizerOptions;
import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * The effective configuration of a run: every value of {@code conf/reference.conf} after overlays and
 * {@code --set}, validated. Immutable; {@link #rendered()} is the HOCON text written next to outputs.
 */
public record ElectraConfig(
        long seed,
        SparkConfig spark,
        DataConfig data,
        TokenizerConfig tokenizer,
        VocabConfig vocab,
        InputConfig input,
        PrepareConfig prepare,
        ModelSizeConfig model,
        PretrainConfig pretrain,
        DistributedConfig distributed,
        EvaluateConfig evaluate,
        String rendered) implements Serializable {

    /** Where and how Spark runs. */
    public record SparkConfig(String master, String logLevel, Map<String, String> properties) implements Serializable {
        public SparkConfig {
            properties = Map.copyOf(properties);
        }
    }

    /** Where fetched sample data lives. */
    public record DataConfig(String dir) implements Serializable {}

    /** BERT normalization switches and the WordPiece word-length limit. */
    public record TokenizerConfig(boolean cleanText, boolean handleChineseChars, boolean stripAccents,
                                  boolean lowercase, int maxInputCharsPerWord) implements Serializable {
        public TokenizerConfig {
            Validate.atLeast("tokenizer.max-input-chars-per-word", maxInputCharsPerWord, 1);
        }

        /** The normalizer these flags describe. */
        public NormalizerOptions normalizerOptions() {
            return new NormalizerOptions(cleanText, handleChineseChars, stripAccents, lowercase);
        }
    }

    /** Vocabulary training. */
    public record VocabConfig(int size, long minFrequency, int limitAlphabet) implements Serializable {
        public VocabConfig {
            Validate.atLeast("vocab.size", size, 6);
            Validate.atLeast("vocab.min-frequency", minFrequency, 1);
            Validate.atLeast("vocab.limit-alphabet", limitAlphabet, 1);
        }
    }

    /** How corpus files are read. */
    public record InputConfig(InputFormat format, String textField, int maxLineChars) implements Serializable {
        public InputConfig {
            Validate.atLeast("input.max-line-chars", maxLineChars, 1);
            if (textField.isBlank()) {
                throw new ConfigException("input.text-field must name a field, got an empty string");
            }
        }
    }

    /** Example packing, as ELECTRA's build_pretraining_dataset.py. */
    public record PrepareConfig(int maxSeqLength, int numShards, double singleSegmentProb,
                                double randomLengthProb) implements Serializable {
        public PrepareConfig {
            Validate.atLeast("prepare.max-seq-length", maxSeqLength, 8);
            Validate.atLeast("prepare.num-shards", numShards, 1);
            Validate.probability("prepare.single-segment-prob", singleSegmentProb);
            Validate.probability("prepare.random-length-prob", randomLengthProb);
        }
    }

    /** Network sizes (the discriminator's; the generator's are derived by generator-fraction and -layers). */
    public record ModelSizeConfig(int embeddingSize, int hiddenSize, int layers, int heads, int ffnSize,
                                  double generatorFraction, int generatorLayers, double dropout, int maxPositions,
                                  double initRange, KernelMode kernels)
            implements Serializable {
        public ModelSizeConfig {
            Validate.atLeast("model.embedding-size", embeddingSize, 1);
            Validate.atLeast("model.hidden-size", hiddenSize, 1);
            Validate.atLeast("model.layers", layers, 1);
            Validate.atLeast("model.heads", heads, 1);
            Validate.atLeast("model.ffn-size", ffnSize, 1);
            Validate.atLeast("model.max-positions", maxPositions, 2);
            if (hiddenSize % heads != 0) {
                throw new ConfigException("model.hidden-size (" + hiddenSize + ") must be divisible by model.heads ("
                        + heads + ")");
            }
            if (!(generatorFraction > 0 && generatorFraction <= 1)) {
                throw new ConfigException("model.generator-fraction must be in (0, 1], got " + generatorFraction);
            }
            if (generatorLayers < 0 || generatorLayers > layers) {
                throw new ConfigException("model.generator-layers must be between 0 (as many as model.layers) and "
                        + "model.layers (" + layers + "), got " + generatorLayers);
            }
            Validate.probability("model.dropout", dropout);
            if (!(initRange > 0)) {
                throw new ConfigException("model.init-range must be positive, got " + initRange);
            }
        }
    }

    /**
     * The pretraining objective, masking, sampling, optimizer and schedule. {@code batchSize} is a worker's batch per
     * optimizer step, computed in {@code accumulationSteps} micro-batches of batchSize / accumulationSteps.
     */
    public record PretrainConfig(Objective objective, double maskProb, double genWeight, double discWeight,
                                 double temperature, boolean disallowCorrect, int batchSize,
                                 int accumulationSteps, double learningRate,
                                 long warmupSteps, long steps, double weightDecay, double adamBeta1,
                                 double adamBeta2, double adamEpsilon, double clipNorm, int logEvery,
                                 int checkpointEvery, int keepCheckpoints, int evalBatches, OptimizerKind optimizer,
                                 List<String> resumeMayChange,
                                 String initFrom)
            implements Serializable {
        public PretrainConfig {
            resumeMayChange = List.copyOf(resumeMayChange);
            if (!initFrom.isEmpty() && !objective.hasDiscriminator()) {
                throw new ConfigException("pretrain.init-from starts from an ELECTRA discriminator and generator; "
                        + "objective " + objective.configName() + " has no discriminator (use electra or electra-15)");
            }
            if (!(maskProb > 0 && maskProb < 1)) {
                throw new ConfigException("pretrain.mask-prob must be in (0, 1), got " + maskProb);
            }
            if (!(temperature > 0)) {
                throw new ConfigException("pretrain.temperature must be positive, got " + temperature);
            }
            Validate.atLeast("pretrain.batch-size", batchSize, 1);
            Validate.atLeast("pretrain.accumulation-steps", accumulationSteps, 1);
            if (batchSize % accumulationSteps != 0) {
                throw new ConfigException("pretrain.batch-size (" + batchSize + ") must be a multiple of "
                        + "pretrain.accumulation-steps (" + accumulationSteps + "): a step's batch is split into that "
                        + "many equal micro-batches");
            }
            Validate.atLeast("pretrain.steps", steps, 1);
            Validate.atLeast("pretrain.warmup-steps", warmupSteps, 0);
            if (warmupSteps > steps) {
                throw new ConfigException("pretrain.warmup-steps (" + warmupSteps + ") must not exceed pretrain.steps ("
                        + steps + ")");
            }
            if (!(learningRate > 0)) {
                throw new ConfigException("pretrain.learning-rate must be positive, got " + learningRate);
            }
            if (genWeight < 0 || discWeight < 0) {
                throw new ConfigException("pretrain.gen-weight and pretrain.disc-weight must be >= 0, got "
                        + genWeight + " and " + discWeight);
            }
            Validate.probability("pretrain.adam-beta1", adamBeta1);
            Validate.probability("pretrain.adam-beta2", adamBeta2);
            Validate.atLeast("pretrain.log-every", logEvery, 1);
            Validate.atLeast("pretrain.checkpoint-every", checkpointEvery, 1);
            Validate.atLeast("pretrain.keep-checkpoints", keepCheckpoints, 1);
            Validate.atLeast("pretrain.eval-batches", evalBatches, 0);
            Validate.atLeast("pretrain.weight-decay", weightDecay, 0.0);
            Validate.atLeast("pretrain.clip-norm", clipNorm, 0.0);
            if (!(adamEpsilon > 0)) {
                throw new ConfigException("pretrain.adam-epsilon must be positive, got " + adamEpsilon);
            }
        }

        /** Sequences a worker computes in one pass: batch-size / accumulation-steps. */
        public int microBatchSize() {
            return batchSize / accumulationSteps;
        }
    }

    /**
     * The update rule: the paper's AdamW, plain SGD (for checks of the averaging arithmetic), or LAMB (AdamW's
     * update scaled per tensor by a trust ratio, for large global batches; NVIDIA's ELECTRA recipe).
     */
    public enum OptimizerKind { ADAMW, SGD, LAMB }

    /** What happens to Adam's moments at the end of a parameter-averaging round. */
    public enum OptimizerState {
        /**
         * Averaged across workers like the parameters (every {@code optimizer-state-every} rounds; in between each
         * worker keeps its own).
         */
        AVERAGED,
        /** Each worker keeps its own moments (held by the driver between rounds, so a re-run task gets them). */
        LOCAL
    }

    /**
     * Data-parallel training across Spark tasks: rounds of {@code averagingFrequency} local steps, the workers' mean
     * applied by an outer optimizer, Adam's moments averaged or kept per worker, the workers' results sent back in
     * {@code payload} precision; each worker on the CPU ({@code gpusPerWorker} 0) or on a GPU Spark schedules for it.
     */
    public record DistributedConfig(int workers, int averagingFrequency, OptimizerState optimizerState,
                                    int optimizerStateEvery, OuterOptimizer.Kind outerOptimizer,
                                    double outerLearningRate, double outerMomentum, PayloadPrecision payload,
                                    int gpusPerWorker)
            implements Serializable {
        public DistributedConfig {
            Validate.atLeast("distributed.workers", workers, 1);
            Validate.atLeast("distributed.gpus-per-worker", gpusPerWorker, 0);
            if (gpusPerWorker > 1) {
                throw new ConfigException("distributed.gpus-per-worker = " + gpusPerWorker + ", but a worker trains on "
                        + "one device (ND4J binds a task's thread to one GPU), so the others would sit idle; use 1 and "
                        + "more distributed.workers");
            }
            Validate.atLeast("distributed.averaging-frequency", averagingFrequency, 1);
            Validate.atLeast("distributed.optimizer-state-every", optimizerStateEvery, 1);
            if (optimizerState == OptimizerState.LOCAL && optimizerStateEvery != 1) {
                throw new ConfigException("distributed.optimizer-state-every = " + optimizerStateEvery + " averages "
                        + "Adam's moments every " + optimizerStateEvery + " rounds, but distributed.optimizer-state = "
                        + "local never averages them; set optimizer-state = averaged or leave optimizer-state-every "
                        + "at 1");
            }
            if (!(outerLearningRate > 0)) {
                throw new ConfigException("distributed.outer-learning-rate must be positive, got " + outerLearningRate);
            }
            if (!(outerMomentum >= 0 && outerMomentum < 1)) {
                throw new ConfigException("distributed.outer-momentum must be in [0, 1), got " + outerMomentum);
            }
        }

        /** The driver's outer step of this configuration. */
        public OuterOptimizer outer() {
            return OuterOptimizer.of(outerOptimizer, outerLearningRate, outerMomentum);
        }

        /**
         * Whether Adam's moments are averaged at the end of round {@code round} (1-based: the round that ends at
         * step {@code round × averaging-frequency}, or at the run's last step).
         */
        public boolean averagesMomentsAfter(long round) {
            return optimizerState == OptimizerState.AVERAGED && round % optimizerStateEvery == 0;
        }

        /** The round a run's step {@code step} ends (0 for step 0), by {@link #averagesMomentsAfter}'s numbering. */
        public long roundEndingAt(long step) {
            return Math.floorDiv(step + averagingFrequency - 1, (long) averagingFrequency);
        }
    }

    /** Fine-tuning and zero-shot evaluation of pretrained encoders. */
    public record EvaluateConfig(List<String> tasks, int seeds, int epochs, int batchSize, List<Double> learningRates,
                                 double warmupShare, double weightDecay, double adamBeta1, double adamBeta2,
                                 double adamEpsilon, int maxSeqLength, int maxTrainExamples,
                                 int maxEvalExamples, double layerwiseLrDecay, EvaluateMode mode,
                                 List<Double> probeL2, double clipNorm, List<String> fineTuneTasks)
            implements Serializable {
        public EvaluateConfig {
            tasks = List.copyOf(tasks);
            probeL2 = List.copyOf(probeL2);
            fineTuneTasks = List.copyOf(fineTuneTasks);
            learningRates = List.copyOf(learningRates);
            if (probeL2.isEmpty() || probeL2.stream().anyMatch(v -> !(v >= 0))) {
                throw new ConfigException("evaluate.probe-l2 must list at least one non-negative penalty, got "
                        + probeL2);
            }
            if (!(layerwiseLrDecay > 0 && layerwiseLrDecay <= 1)) {
                throw new ConfigException("evaluate.layerwise-lr-decay must be in (0, 1], got " + layerwiseLrDecay);
            }
            Validate.atLeast("evaluate.seeds", seeds, 1);
            Validate.atLeast("evaluate.epochs", epochs, 1);
            Validate.atLeast("evaluate.batch-size", batchSize, 1);
            Validate.atLeast("evaluate.max-seq-length", maxSeqLength, 3);
            Validate.atLeast("evaluate.max-train-examples", maxTrainExamples, 1);
            Validate.atLeast("evaluate.max-eval-examples", maxEvalExamples, 1);
            Validate.probability("evaluate.warmup-share", warmupShare);
            Validate.atLeast("evaluate.weight-decay", weightDecay, 0.0);
            Validate.probability("evaluate.adam-beta1", adamBeta1);
            Validate.probability("evaluate.adam-beta2", adamBeta2);
            if (!(adamEpsilon > 0)) {
                throw new ConfigException("evaluate.adam-epsilon must be positive, got " + adamEpsilon);
            }
            if (learningRates.isEmpty() || learningRates.stream().anyMatch(v -> !(v > 0))
                    || learningRates.stream().distinct().count() < learningRates.size()) {
                throw new ConfigException("evaluate.learning-rate must be a positive rate or a list of distinct "
                        + "positive rates, got " + learningRates);
            }
            Validate.atLeast("evaluate.clip-norm", clipNorm, 0.0);
        }
    }

    /** What evaluate measures: fine-tuning, frozen-feature probes, or both. */
    public enum EvaluateMode { FINETUNE, PROBE, BOTH }

    /** Corpus formats. */
    public enum InputFormat { AUTO, TEXT, JSONL, PARQUET }

    static final class Validate {
        private Validate() {}

        static void atLeast(String key, long value, long min) {
            if (value < min) {
                throw new ConfigException(key + " must be at least " + min + ", got " + value);
            }
        }

        static void atLeast(String key, double value, double min) {
            if (!(value >= min)) {
                throw new ConfigException(key + " must be at least " + min + ", got " + value);
            }
        }

        static void probability(String key, double value) {
            if (!(value >= 0.0 && value <= 1.0)) {
                throw new ConfigException(key + " must be a probability in [0, 1], got " + value);
            }
        }
    }
}
