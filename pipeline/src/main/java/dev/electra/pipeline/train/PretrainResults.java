package dev.electra.pipeline.train;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.distributed.OuterOptimizer;
import dev.electra.pipeline.packing.DataFingerprint;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The results a pretrain run records in its {@code _run.json}: written by {@code pretrain} (its setup before the
 * first round, the outcome added at the end) and read back by a resumed run, {@code evaluate} and the ablation
 * report, so writer and readers share one list of fields. Keys are the fields in snake case. Runs written by older
 * versions lack some fields (null here); fields this version does not know are ignored.
 *
 * @param dataFingerprint  what identifies the shards; a resumed run must be given the same
 * @param heldOutSelection which examples the run holds out; kept on resume whatever eval-batches says later
 * @param distributed      how the workers' results combine: averaging frequency, outer optimizer (with its rate and
 *                         momentum when nesterov), optimizer state and its averaging period, payload precision
 * @param optimizer        the update rule a worker's step applies ({@link #optimizer}: its name and settings)
 * @param resumeChanges    configuration keys changed on resume, over every invocation of the run
 * @param trainingSeconds  training time over every invocation (a resumed run adds to what it recorded)
 * @param heldOut          the last held-out evaluation's metrics
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record PretrainResults(String objective, String data, String vocabSha256, Map<String, Object> dataFingerprint,
                              Integer vocabSize, Integer maxSeqLength, Long parameters, String kernels,
                              String kernelsReason, Double flopsPerStep, Long trainingExamples, Integer heldOutExamples,
                              HeldOutSelection heldOutSelection, Integer workers, Integer globalBatch,
                              Map<String, Object> distributed, Map<String, Object> optimizer, Long resumedFromStep,
                              List<Map<String, Object>> resumeChanges, Long finalStep,
                              Double wallSeconds, Double trainingSeconds, Map<String, Object> heldOut) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The held-out rule as recorded: {@link HeldOut}'s numbers and, for a reader, what they mean. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record HeldOutSelection(String rule, long seed, long wanted, long examples) {
        public static HeldOutSelection of(HeldOut h) {
            return new HeldOutSelection("example g (shard order, then row order) is held out when a hash of g seeded "
                    + "by the run's seed falls below wanted / examples", h.seed(), h.wanted(), h.total());
        }
    }

    /** The results of a {@code _run.json} ({@code {}} for a run not started yet: every field null). */
    public static PretrainResults read(JsonNode results) {
        try {
            return JSON.treeToValue(results, PretrainResults.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("pretrain results that do not read as such: " + e.getOriginalMessage(),
                    e);
        }
    }

    /** The same setup with the run's outcome. */
    public PretrainResults finished(long step, double wall, double training, Map<String, Object> lastHeldOut) {
        return new PretrainResults(objective, data, vocabSha256, dataFingerprint, vocabSize, maxSeqLength, parameters,
                kernels, kernelsReason, flopsPerStep, trainingExamples, heldOutExamples, heldOutSelection, workers,
                globalBatch, distributed, optimizer, resumedFromStep, resumeChanges, step, wall, training, lastHeldOut);
    }

    /**
     * What {@code distributed} records of a run's configuration: the choices that decide how the workers' results
     * combine, under the configuration's own names with dashes as underscores (the outer rate and momentum only where
     * the outer optimizer uses them).
     */
    public static Map<String, Object> distributed(ElectraConfig.DistributedConfig d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("averaging_frequency", d.averagingFrequency());
        m.put("outer_optimizer", name(d.outerOptimizer()));
        if (d.outerOptimizer() == OuterOptimizer.Kind.NESTEROV) {
            m.put("outer_learning_rate", d.outerLearningRate());
            m.put("outer_momentum", d.outerMomentum());
        }
        m.put("optimizer_state", name(d.optimizerState()));
        m.put("optimizer_state_every", d.optimizerStateEvery());
        m.put("payload", name(d.payload()));
        return m;
    }

    /**
     * What {@code optimizer} records of a run's configuration: {@code pretrain.optimizer} under {@code name}, the
     * settings it reads (Adam's β and ε not for SGD), and how a step's gradient is computed (accumulation steps of a
     * micro-batch each), under the configuration's names with dashes as underscores.
     */
    public static Map<String, Object> optimizer(ElectraConfig.PretrainConfig p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name(p.optimizer()));
        m.put("learning_rate", p.learningRate());
        m.put("weight_decay", p.weightDecay());
        if (p.optimizer() != ElectraConfig.OptimizerKind.SGD) {
            m.put("adam_beta1", p.adamBeta1());
            m.put("adam_beta2", p.adamBeta2());
            m.put("adam_epsilon", p.adamEpsilon());
        }
        m.put("clip_norm", p.clipNorm());
        // a step's batch (global_batch = workers × batch-size) is computed in this many passes of micro_batch
        m.put("accumulation_steps", p.accumulationSteps());
        m.put("micro_batch", p.microBatchSize());
        return m;
    }

    private static String name(Enum<?> e) {
        return e.name().replace('_', '-').toLowerCase(Locale.ROOT);
    }

    /** The fields as a map (snake-case keys, null fields left out), for {@code RunInfo#withResults}. */
    public Map<String, Object> toMap() {
        return JSON.convertValue(this, new TypeReference<LinkedHashMap<String, Object>>() { });
    }

    /** The training time recorded so far: {@code training_seconds}, or the wall time of runs that predate it. */
    public double trainingSecondsSoFar() {
        return trainingSeconds != null ? trainingSeconds : wallSeconds != null ? wallSeconds : 0;
    }

    /** The recorded shards' fingerprint (only the vocabulary's checksum for runs written before it existed). */
    public Map<String, Object> recordedData() {
        if (dataFingerprint != null) {
            return dataFingerprint;
        }
        return vocabSha256 == null ? Map.of() : DataFingerprint.ofVocabulary(vocabSha256).toMap();
    }

    /** The configuration changes recorded on earlier resumes (none for a new run). */
    public List<Map<String, Object>> changesSoFar() {
        return resumeChanges == null ? List.of() : resumeChanges;
    }
}
