package dev.electra.pipeline.checkpoint;

/**
 * Everything needed to continue training exactly: the step, the flat parameters, the optimizer's moments, the run
 * seed (the random stream of step s is derived from seed and s, so no generator state is stored), each worker's
 * data position and the effective configuration.
 *
 * @param adamM           Adam's first moment: empty (SGD), one vector of the parameters' length (moments averaged
 *                        across workers), or one such vector per worker, concatenated (moments kept per worker)
 * @param adamV           Adam's second moment, laid out as {@code adamM}
 * @param epochs          per worker, passes over its examples completed
 * @param examplesInEpoch per worker, examples consumed in its current pass
 * @param layout          which parameter sits where in {@code params} (and in each moment vector);
 *                        {@link ParameterLayout#UNRECORDED} for checkpoints written before it was recorded
 * @param outerMomentum   the outer optimizer's momentum buffer of a distributed run (DiLoCo's Nesterov), laid out
 *                        as {@code params}; empty when the run has none (plain averaging)
 */
public record TrainingState(long step, float[] params, float[] adamM, float[] adamV, long seed, long[] epochs,
                            long[] examplesInEpoch, String config, ParameterLayout layout, float[] outerMomentum) {
    private static final float[] NONE = new float[0];

    /** A state without an outer momentum. */
    public TrainingState(long step, float[] params, float[] adamM, float[] adamV, long seed, long[] epochs,
                         long[] examplesInEpoch, String config, ParameterLayout layout) {
        this(step, params, adamM, adamV, seed, epochs, examplesInEpoch, config, layout, NONE);
    }

    public TrainingState {
        if (outerMomentum.length != 0 && outerMomentum.length != params.length) {
            throw new IllegalArgumentException("an outer momentum of " + outerMomentum.length + " values for "
                    + params.length + " parameters");
        }
        if (layout.recorded() && layout.length() != params.length) {
            throw new IllegalArgumentException("a parameter layout of " + layout.length() + " values for "
                    + params.length + " parameters");
        }
        if (adamM.length != adamV.length || params.length == 0 && adamM.length != 0
                || params.length != 0 && adamM.length % params.length != 0) {
            throw new IllegalArgumentException("optimizer moments of " + adamM.length + " and " + adamV.length
                    + " values do not fit " + params.length + " parameters");
        }
        if (epochs.length == 0 || epochs.length != examplesInEpoch.length) {
            throw new IllegalArgumentException("data positions for " + epochs.length + " and "
                    + examplesInEpoch.length + " workers");
        }
    }

    /** Workers the run had (one data position each). */
    public int workers() {
        return epochs.length;
    }

    /** How many moment vectors {@code adamM} holds: 0, 1 (averaged) or one per worker. */
    public int momentSets() {
        return params.length == 0 ? 0 : adamM.length / params.length;
    }
}
