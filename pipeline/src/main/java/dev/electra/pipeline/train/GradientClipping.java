package dev.electra.pipeline.train;

/** Clipping by global norm, as {@code tf.clip_by_global_norm}: g ← g · clip / max(‖g‖, clip). */
public final class GradientClipping {
    private GradientClipping() {}

    /** The L2 norm of the whole gradient, accumulated in double so large models do not lose precision. */
    public static double globalNorm(float[] grad) {
        double sum = 0;
        for (float g : grad) {
            sum += (double) g * g;
        }
        return Math.sqrt(sum);
    }

    /** Scales {@code grad} in place when its norm exceeds {@code clip}; returns the norm before clipping. */
    public static double clip(float[] grad, double clip) {
        double norm = globalNorm(grad);
        if (norm > clip) {
            float scale = (float) (clip / norm);
            for (int i = 0; i < grad.length; i++) {
                grad[i] *= scale;
            }
        }
        return norm;
    }
}
