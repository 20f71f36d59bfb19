package dev.electra.pipeline.train;

/**
 * Plain gradient descent with decoupled weight decay: p ← p − lr·(g + wd·p), the decay only where {@code decay[i]}.
 * Not for pretraining; it is linear in the gradient, which makes averaging N workers' updates equal to one update
 * with the N-fold batch, the property the parameter-averaging tests check.
 */
public final class Sgd implements Optimizer {
    private static final float[] NO_STATE = new float[0];

    private final double weightDecay;
    private final boolean[] decay;

    public Sgd(double weightDecay, boolean[] decay) {
        this.weightDecay = weightDecay;
        this.decay = decay;
    }

    @Override
    public void step(float[] params, float[] grad, double lr) {
        if (params.length != decay.length || grad.length != decay.length) {
            throw new IllegalArgumentException("expected " + decay.length + " parameters and gradients, got "
                    + params.length + " and " + grad.length);
        }
        float rate = (float) lr;
        float wd = (float) weightDecay;
        for (int i = 0; i < params.length; i++) {
            float update = grad[i];
            if (decay[i]) {
                update += wd * params[i];
            }
            params[i] -= rate * update;
        }
    }

    @Override
    public float[] firstMoment() {
        return NO_STATE;
    }

    @Override
    public float[] secondMoment() {
        return NO_STATE;
    }
}
