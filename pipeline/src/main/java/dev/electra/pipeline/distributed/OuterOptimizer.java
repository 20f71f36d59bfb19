package dev.electra.pipeline.distributed;

import java.io.Serializable;

/**
 * The driver's step at the end of a round, from the global parameters θ it broadcast and the workers' weighted mean
 * ({@link PayloadSum}) to the next global parameters. DiLoCo (Douillard et al. 2023, arXiv:2311.08105) treats the
 * averaged change Δ = mean_k(θ_k − θ) as an outer gradient g = −Δ and applies it with an outer optimizer;
 * plain parameter averaging is the outer step θ ← θ + Δ, Nesterov SGD at learning rate 1 and momentum 0.
 */
public sealed interface OuterOptimizer extends Serializable {
    /** {@code distributed.outer-optimizer}. */
    enum Kind { AVERAGE, NESTEROV }

    /** The next global parameters and outer momentum; neither input array is modified. */
    Outer step(float[] global, float[] momentum, PayloadSum mean);

    /** The outer momentum buffer of step 0: none for plain averaging, zeros for Nesterov. */
    float[] initialMomentum(int parameters);

    /** The driver's state after an outer step: the global parameters and the outer momentum (empty without one). */
    record Outer(float[] params, float[] momentum) {}

    /** An outer optimizer of {@code kind}; {@code learningRate} and {@code momentum} serve Nesterov only. */
    static OuterOptimizer of(Kind kind, double learningRate, double momentum) {
        return kind == Kind.AVERAGE ? new Average() : new Nesterov(learningRate, momentum);
    }

    /**
     * Parameter averaging as DL4J's ParameterAveragingTrainingMaster does it: the mean of the workers' parameters
     * (rounded from double once), or, from bfloat16 changes, θ + Δ. Keeps no state.
     */
    record Average() implements OuterOptimizer {
        private static final float[] NONE = new float[0];

        @Override
        public Outer step(float[] global, float[] momentum, PayloadSum mean) {
            if (!mean.ofChanges()) {
                return new Outer(mean.meanAsFloat(), momentum);
            }
            requireLength(global, mean);
            float[] next = new float[global.length];
            for (int i = 0; i < next.length; i++) {
                next[i] = (float) (global[i] + mean.mean(i));
            }
            return new Outer(next, momentum);
        }

        @Override
        public float[] initialMomentum(int parameters) {
            return NONE;
        }
    }

    /**
     * SGD with Nesterov momentum on the outer gradient g = −Δ, as PyTorch's {@code SGD(nesterov=True)} (which DiLoCo
     * uses): v ← μ·v + g; θ ← θ − lr·(g + μ·v). DiLoCo's lr 0.7 and μ 0.9 were tuned for H = 500 inner steps.
     * Computed in double per coordinate from float32 state; v and θ are stored as float32.
     */
    record Nesterov(double learningRate, double momentum) implements OuterOptimizer {
        public Nesterov {
            if (!(learningRate > 0)) {
                throw new IllegalArgumentException("outer learning rate must be positive, got " + learningRate);
            }
            if (!(momentum >= 0 && momentum < 1)) {
                throw new IllegalArgumentException("outer momentum must be in [0, 1), got " + momentum);
            }
        }

        @Override
        public Outer step(float[] global, float[] v, PayloadSum mean) {
            requireLength(global, mean);
            if (v.length != global.length) {
                throw new IllegalArgumentException("an outer momentum of " + v.length + " values for "
                        + global.length + " parameters");
            }
            float[] next = new float[global.length];
            float[] nextV = new float[global.length];
            for (int i = 0; i < next.length; i++) {
                double delta = mean.ofChanges() ? mean.mean(i) : mean.mean(i) - global[i];
                double g = -delta;
                nextV[i] = (float) (momentum * v[i] + g);
                next[i] = (float) (global[i] - learningRate * (g + momentum * nextV[i]));
            }
            return new Outer(next, nextV);
        }

        @Override
        public float[] initialMomentum(int parameters) {
            return new float[parameters];
        }
    }

    private static void requireLength(float[] global, PayloadSum mean) {
        if (mean.length() != global.length) {
            throw new IllegalArgumentException("the workers returned " + mean.length() + " values for "
                    + global.length + " parameters");
        }
    }
}
