package dev.electra.pipeline.checkpoint;

/**
 * Everything needed to continue training exactly: the step, the flat parameters, Adam's moments, the run seed
 * (the random stream of step s is derived from seed and s, so no generator state is stored), the data position
 * and the effective configuration.
 *
 * @param epoch          passes over the data completed
 * @param examplesInEpoch examples consumed in the current epoch
 */
public record TrainingState(long step, float[] params, float[] adamM, float[] adamV, long seed, long epoch,
                            long examplesInEpoch, String config) {
    public TrainingState {
        if (adamM.length != params.length || adamV.length != params.length) {
            throw new IllegalArgumentException("Adam moments (" + adamM.length + ", " + adamV.length
                    + ") do not match the " + params.length + " parameters");
        }
    }
}
