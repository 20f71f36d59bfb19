package dev.electra.pipeline.model.noise;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;

/**
 * Gumbel-max sampling from a softmax, as ELECTRA's {@code pretrain_helpers.sample_from_softmax}: argmax over
 * logits / temperature + g, g = −log(−log(u)) with u uniform, draws exactly from softmax(logits / temperature).
 * The noise u comes in as a placeholder (drawn by the model's {@code Placeholders}) and the logits pass a
 * StopGradient, so the sample is a deterministic function of the inputs and no gradient flows through it.
 */
public final class GumbelSampler {
    /**
     * Subtracted from the original token's scaled logit when disallow-correct is on (the reference subtracts
     * 1000). Finite, so no inf − inf NaN can arise; far beyond any Gumbel draw (&lt; 40 for u &lt; 1 − 1e-16).
     */
    public static final double DISALLOWED_PENALTY = 1e9;
    /** Keeps both logarithms finite when u is 0 or 1, as the reference's 1e-9. */
    public static final double GUMBEL_EPSILON = 1e-9;

    private GumbelSampler() {}

    /**
     * @param logits     [R, V] logits, R rows to sample (B·N chosen slots)
     * @param uniform    [R, V] uniform noise in [0, 1)
     * @param disallowed [R, V] one-hot of the token that must not be drawn, or null
     * @return [R] sampled token ids (INT)
     */
    public static SDVariable sample(SameDiff sd, SDVariable logits, SDVariable uniform, SDVariable disallowed,
                             double temperature) {
        SDVariable frozen = new StopGradient(sd, logits).outputVariable();
        SDVariable scaled = frozen.div(temperature);
        if (disallowed != null) {
            scaled = scaled.sub(disallowed.mul(DISALLOWED_PENALTY));
        }
        SDVariable gumbel = sd.math.neg(sd.math.log(sd.math.neg(sd.math.log(uniform.add(GUMBEL_EPSILON)))
                .add(GUMBEL_EPSILON)));
        return sd.argmax(scaled.add(gumbel), 1).castTo(DataType.INT);
    }
}
