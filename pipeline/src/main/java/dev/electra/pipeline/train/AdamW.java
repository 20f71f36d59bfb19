package dev.electra.pipeline.train;

import java.io.Serializable;
import java.util.stream.IntStream;

/**
 * Adam with decoupled weight decay over one flat parameter vector, as ELECTRA's AdamWeightDecayOptimizer:
 * m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; p ← p − lr·(m / (√v + ε) + wd·p), the decay only where
 * {@code decay[i]} (not LayerNorm parameters or biases). Like the reference it applies no bias correction: the
 * warmup covers the first steps, when uncorrected moments are small. Fine-tuning scales the rate per parameter
 * ({@code rateScale}, layer-wise decay); pretraining uses one rate.
 */
public final class AdamW implements Optimizer, Serializable {
    /** Hyperparameters; the paper's are β 0.9/0.999, ε 1e-6, weight decay 0.01. */
    public record Settings(double beta1, double beta2, double epsilon, double weightDecay) implements Serializable {
        public static Settings paper() {
            return new Settings(0.9, 0.999, 1e-6, 0.01);
        }
    }

    private final Settings settings;
    private final boolean[] decay;
    private final float[] m;
    private final float[] v;
    /** Per parameter, the factor its learning rate is multiplied by; null for one rate. */
    private final float[] rateScale;

    public AdamW(Settings settings, boolean[] decay) {
        this(settings, decay, new float[decay.length], new float[decay.length]);
    }

    /** Fresh moments and a learning rate scaled per parameter by {@code rateScale}. */
    public AdamW(Settings settings, boolean[] decay, float[] rateScale) {
        this(settings, decay, new float[decay.length], new float[decay.length], rateScale);
    }

    /** With given moments, e.g. restored from a checkpoint or averaged across workers. */
    public AdamW(Settings settings, boolean[] decay, float[] m, float[] v) {
        this(settings, decay, m, v, null);
    }

    private AdamW(Settings settings, boolean[] decay, float[] m, float[] v, float[] rateScale) {
        if (m.length != decay.length || v.length != decay.length
                || rateScale != null && rateScale.length != decay.length) {
            throw new IllegalArgumentException("moments of length " + m.length + "/" + v.length + " and rate scales of "
                    + (rateScale == null ? "none" : rateScale.length) + " for " + decay.length + " parameters");
        }
        this.settings = settings;
        this.decay = decay;
        this.m = m;
        this.v = v;
        this.rateScale = rateScale;
    }

    @Override
    public void step(float[] params, float[] grad, double lr) {
        if (params.length != m.length || grad.length != m.length) {
            throw new IllegalArgumentException("expected " + m.length + " parameters and gradients, got "
                    + params.length + " and " + grad.length);
        }
        float b1 = (float) settings.beta1();
        float b2 = (float) settings.beta2();
        float eps = (float) settings.epsilon();
        float wd = (float) settings.weightDecay();
        float rate = (float) lr;
        // element-wise, so the split across cores changes no result (14M parameters at small: 2.8% of a step on
        // one core)
        int chunks = Runtime.getRuntime().availableProcessors();
        IntStream.range(0, chunks).parallel().forEach(c -> {
            int to = (int) ((long) params.length * (c + 1) / chunks);
            for (int i = (int) ((long) params.length * c / chunks); i < to; i++) {
                float g = grad[i];
                float mi = b1 * m[i] + (1 - b1) * g;
                float vi = b2 * v[i] + (1 - b2) * g * g;
                m[i] = mi;
                v[i] = vi;
                float update = mi / ((float) Math.sqrt(vi) + eps);
                if (decay[i]) {
                    update += wd * params[i];
                }
                params[i] -= (rateScale == null ? rate : rate * rateScale[i]) * update;
            }
        });
    }

    @Override
    public float[] firstMoment() {
        return m;
    }

    @Override
    public float[] secondMoment() {
        return v;
    }

    public Settings settings() {
        return settings;
    }
}
