package dev.electra.pipeline.train;

/**
 * An update rule over one flat parameter vector. Its state is its two moment vectors (empty for rules without
 * state), which checkpoints store and parameter averaging averages or keeps per worker.
 */
public interface Optimizer {
    /** Updates {@code params} in place with gradient {@code grad} at learning rate {@code lr}. */
    void step(float[] params, float[] grad, double lr);

    /**
     * {@link #step(float[], float[], double)} as update number {@code t} (1 for a run's first): the rules that
     * correct their moments' bias by it ({@link Lamb}) override this; the others ignore it.
     */
    default void step(float[] params, float[] grad, double lr, long t) {
        step(params, grad, lr);
    }

    /** Adam's m; empty when the rule keeps no state. */
    float[] firstMoment();

    /** Adam's v; empty when the rule keeps no state. */
    float[] secondMoment();
}
