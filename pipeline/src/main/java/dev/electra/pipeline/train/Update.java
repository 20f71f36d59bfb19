package dev.electra.pipeline.train;

import dev.electra.pipeline.model.ElectraModel;
import dev.electra.pipeline.model.NativeMemory;
import dev.electra.pipeline.model.kernels.Profile;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The update that ends every training step, pretraining ({@link Trainer}) and fine-tuning ({@code FineTuner})
 * alike: the gradients flattened in the model's layout (their arrays released), clipped to a global norm, checked,
 * and applied by the optimizer to the flat parameters. The caller writes the parameters back
 * ({@link ElectraModel#setFlatParameters}) once it leaves any workspace its step used.
 */
public final class Update {
    private Update() {}

    /** What a non-finite gradient norm becomes: the caller's own error, saying what to do. */
    @FunctionalInterface
    public interface Divergence {
        RuntimeException at(double norm);
    }

    /**
     * @param gradientBuffer reused from step to step (see {@link ElectraModel#flatten(Map, float[])})
     * @param parameterBuffer reused likewise; holds the updated parameters on return
     * @return the gradient's global norm before clipping
     */
    public static double apply(ElectraModel model, Map<String, INDArray> gradients, float[] gradientBuffer,
                               float[] parameterBuffer, Optimizer optimizer, double lr, double clipNorm,
                               Divergence diverged) {
        float[] gradient = model.flatten(gradients, gradientBuffer);
        NativeMemory.release(gradients.values());
        double norm = GradientClipping.clip(gradient, clipNorm);
        if (!Double.isFinite(norm)) {
            throw diverged.at(norm);
        }
        optimizer.step(model.flatParameters(parameterBuffer), gradient, lr);
        return norm;
    }

    /**
     * The same update from a gradient already flattened ({@code gradient}, clipped in place), as update number
     * {@code t} (1 for a run's first; LAMB's bias correction reads it): pretraining's step, whose gradient may be the
     * sum of several micro-batches'.
     */
    public static double apply(ElectraModel model, float[] gradient, float[] parameterBuffer, Optimizer optimizer,
                               double lr, long t, double clipNorm, Divergence diverged) {
        double norm;
        try (Profile.Part part = Profile.part("gradient clipping")) {
            norm = GradientClipping.clip(gradient, clipNorm);
        }
        if (!Double.isFinite(norm)) {
            throw diverged.at(norm);
        }
        float[] parameters;
        try (Profile.Part part = Profile.part("parameters copied out")) {
            parameters = model.flatParameters(parameterBuffer);
        }
        try (Profile.Part part = Profile.part("optimizer update")) {
            optimizer.step(parameters, gradient, lr, t);
        }
        return norm;
    }
}
