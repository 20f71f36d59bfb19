package dev.electra.pipeline.train;

import dev.electra.pipeline.checkpoint.ParameterLayout;
import dev.electra.pipeline.checkpoint.TrainingState;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.config.ElectraConfig.OptimizerState;
import dev.electra.pipeline.config.ResumeCheck;
import dev.electra.pipeline.config.RunInfo;
import dev.electra.pipeline.train.ParameterAveraging.DataPosition;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a pretrain run's training stands: the step, the flat (global) parameters, the optimizer's moments, each
 * worker's data position and the outer optimizer's momentum. A run starts {@link #fresh} at step 0 or
 * {@link #resume}s from its newest checkpoint ({@link #resumeChecked} checks the data and configuration first), which
 * must fit the configuration; {@link #checkpoint} is what it saves. Spark-free, so the resume rules are unit-tested
 * (RunStateTest); {@code PretrainJob} makes one and {@link AveragingRounds} trains from it.
 *
 * @param moments       one {m, v} pair per moment set: none (SGD), one (averaged across workers) or one per worker
 *                      (distributed.optimizer-state = local, or averaged only every optimizer-state-every rounds
 *                      and this step not at such a round's end)
 * @param positions     per worker, its pass over its examples and the examples consumed in it
 * @param outerMomentum the driver's outer momentum buffer (distributed.outer-optimizer = nesterov), else empty
 */
public record RunState(long step, float[] params, List<float[][]> moments, List<DataPosition> positions,
                       float[] outerMomentum) {
    private static final Logger LOG = LoggerFactory.getLogger(RunState.class);


    /**
     * Step 0: {@code params}, zero moments ({@code initial}, copied per moment set), every worker at the start, the
     * outer optimizer's initial momentum.
     */
    public static RunState fresh(float[] params, float[][] initial, ElectraConfig config) {
        int workers = config.distributed().workers();
        List<float[][]> moments = new ArrayList<>();
        int sets = config.distributed().optimizerState() == OptimizerState.LOCAL ? workers : 1;
        for (int w = 0; w < sets; w++) {
            moments.add(new float[][] {initial[0].clone(), initial[1].clone()});
        }
        List<DataPosition> positions = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            positions.add(new DataPosition(0, 0));
        }
        return new RunState(0, params, moments, positions,
                config.distributed().outer().initialMomentum(params.length));
    }

    /**
     * A checkpoint's state once the data ({@code fingerprint} against what the run recorded), the configuration and
     * the layout are checked against it: a configuration change is logged and added to {@code changes}, anything
     * else that differs refused.
     *
     * @param where the run and checkpoint, for messages
     */
    public static RunState resumeChecked(TrainingState s, ElectraConfig config, String where,
                                         Map<String, Object> recordedData, Map<String, Object> fingerprint,
                                         String data, ParameterLayout layout, long parameterCount,
                                         List<Map<String, Object>> changes) {
        ResumeCheck.data(recordedData, fingerprint, where, data);
        for (ResumeCheck.Change c : ResumeCheck.configuration(s.config(), config, where)) {
            LOG.warn("pretrain: {} changes from {} to {} at step {} (recorded in {})", c.key(), c.from(), c.to(),
                    s.step(), RunInfo.FILE_NAME);
            changes.add(c.toMap(s.step()));
        }
        s.layout().requireSame(layout, "the checkpoint of " + where);
        return resume(s, config, parameterCount);
    }

    /**
     * The checkpoint's state, after checking it fits this configuration: as many parameters as the model builds, as
     * many workers (each one's data position is part of the run), the moment sets the optimizer settings imply and
     * the same seed.
     *
     * @throws IllegalArgumentException saying what differs and what to do
     */
    public static RunState resume(TrainingState s, ElectraConfig config, long parameterCount) {
        if (s.params().length != parameterCount) {
            throw new IllegalArgumentException("the checkpoint at step " + s.step() + " has " + s.params().length
                    + " parameters but this configuration builds " + parameterCount
                    + "; use the run's own configuration (its _effective.conf) or another --output");
        }
        int workers = config.distributed().workers();
        if (s.workers() != workers) {
            throw new IllegalArgumentException("the checkpoint at step " + s.step() + " was written by a run of "
                    + s.workers() + " workers but distributed.workers is " + workers + "; each worker's data "
                    + "position is part of the run, so resume with " + s.workers() + " workers or use another --output");
        }
        int expectedSets = momentSets(config, s.step());
        if (s.momentSets() != expectedSets) {
            throw new IllegalArgumentException("the checkpoint at step " + s.step() + " holds " + s.momentSets()
                    + " sets of optimizer moments, this configuration (pretrain.optimizer, "
                    + "distributed.optimizer-state, distributed.optimizer-state-every) expects " + expectedSets);
        }
        int expectedOuter = config.distributed().outer().initialMomentum(s.params().length).length;
        if (s.outerMomentum().length != expectedOuter) {
            throw new IllegalArgumentException("the checkpoint at step " + s.step() + " holds an outer momentum of "
                    + s.outerMomentum().length + " values, distributed.outer-optimizer = "
                    + config.distributed().outerOptimizer().name().toLowerCase(java.util.Locale.ROOT) + " expects "
                    + expectedOuter + "; resume with the run's own configuration (its _effective.conf)");
        }
        if (s.seed() != config.seed()) {
            throw new IllegalArgumentException("the checkpoint was trained with seed " + s.seed() + ", not "
                    + config.seed() + "; resuming with another seed would not reproduce the run");
        }
        int n = s.params().length;
        List<float[][]> moments = new ArrayList<>();
        for (int k = 0; k < Math.max(1, s.momentSets()); k++) {
            int from = Math.min(s.adamM().length, k * n);
            int to = Math.min(s.adamM().length, (k + 1) * n);
            moments.add(new float[][] {Arrays.copyOfRange(s.adamM(), from, to), Arrays.copyOfRange(s.adamV(), from, to)});
        }
        List<DataPosition> positions = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            positions.add(new DataPosition(s.epochs()[w], s.examplesInEpoch()[w]));
        }
        return new RunState(s.step(), s.params(), moments, positions, s.outerMomentum());
    }

    /**
     * The moment sets a run of {@code config} holds after step {@code step}: none for SGD; one per worker when the
     * moments stay local or the round that ended at {@code step} did not average them; else one.
     */
    static int momentSets(ElectraConfig config, long step) {
        int workers = config.distributed().workers();
        if (config.pretrain().optimizer() == ElectraConfig.OptimizerKind.SGD) {
            return 0;
        }
        if (config.distributed().optimizerState() == OptimizerState.LOCAL) {
            return workers;
        }
        return config.distributed().averagesMomentsAfter(config.distributed().roundEndingAt(step)) ? 1 : workers;
    }

    /**
     * This state as a checkpoint: the moment sets end to end, the outer momentum, the run's seed and rendered
     * configuration.
     */
    public TrainingState checkpoint(ElectraConfig config, ParameterLayout layout) {
        return new TrainingState(step, params, concat(0), concat(1), config.seed(),
                positions.stream().mapToLong(DataPosition::epoch).toArray(),
                positions.stream().mapToLong(DataPosition::examplesInEpoch).toArray(), config.rendered(), layout,
                outerMomentum);
    }

    private float[] concat(int which) {
        float[] out = new float[moments.stream().mapToInt(m -> m[which].length).sum()];
        int at = 0;
        for (float[][] m : moments) {
            System.arraycopy(m[which], 0, out, at, m[which].length);
            at += m[which].length;
        }
        return out;
    }
}
