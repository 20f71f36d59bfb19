package dev.electra.pipeline.train;

import dev.electra.pipeline.model.ParameterSpec;
import java.util.List;

/**
 * LAMB, "Layer-wise Adaptive Moments optimizer for Batch training" (You et al. 2019, "Large Batch Optimization for
 * Deep Learning: Training BERT in 76 minutes", arXiv:1904.00962, Algorithm 2), the optimizer of NVIDIA's ELECTRA
 * recipe for large global batches. Per update t (1 for the first) and per parameter tensor ("layer") θ:
 * <pre>
 *   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
 *   m̂ = m / (1−β1^t);  v̂ = v / (1−β2^t)                     (bias correction: unlike {@link AdamW}, LAMB's
 *                                                           trust ratio sees the step's size from the first update)
 *   r = m̂ / (√v̂ + ε) + λ·θ                                  (λ only where AdamW decays: not biases, not LayerNorm)
 *   θ ← θ − lr · φ(‖θ‖)/‖r‖ · r                             (the trust ratio; 1 when either norm is 0)
 * </pre>
 * with φ the identity (the paper allows a clipped φ; NVIDIA's apex FusedLAMB uses the identity). The norms are the L2 norms of
 * each tensor of the parameter layout ({@link ParameterSpec}), accumulated in double. The element-wise arithmetic is
 * float, as AdamW's; each tensor is computed by one thread, so the result does not depend on the number of cores.
 *
 * <p>The paper adapts every layer; some implementations (TensorFlow Addons' LAMB, by default) also leave the tensors
 * without weight decay out of the adaptation (ratio 1). Here every tensor is adapted, as Algorithm 2 says: a bias starts at
 * zero (ratio 1 until it moves) and then moves in proportion to its own norm.
 */
public final class Lamb implements Optimizer {
    private final AdamW.Settings settings;
    private final List<ParameterSpec> tensors;
    private final float[] m;
    private final float[] v;
    /** r of the current update, kept between the pass that measures its norm and the one that applies it. */
    private final float[] update;

    /**
     * @param tensors the parameter layout: each tensor's offset and length in the flat vector, and whether it decays
     * @param m       Adam's first moment (restored, averaged or zeros), updated in place
     * @param v       Adam's second moment, likewise
     */
    public Lamb(AdamW.Settings settings, List<ParameterSpec> tensors, float[] m, float[] v) {
        ParameterSpec last = tensors.get(tensors.size() - 1);
        long n = last.offset() + last.length();
        if (m.length != n || v.length != n) {
            throw new IllegalArgumentException("moments of length " + m.length + "/" + v.length + " for " + n
                    + " parameters");
        }
        this.settings = settings;
        this.tensors = List.copyOf(tensors);
        this.m = m;
        this.v = v;
        this.update = new float[m.length];
    }

    /** LAMB's bias correction needs the update's number: see {@link #step(float[], float[], double, long)}. */
    @Override
    public void step(float[] params, float[] grad, double lr) {
        throw new IllegalStateException("LAMB corrects its moments' bias by the update's number: call "
                + "step(params, grad, lr, t)");
    }

    @Override
    public void step(float[] params, float[] grad, double lr, long t) {
        if (params.length != m.length || grad.length != m.length) {
            throw new IllegalArgumentException("expected " + m.length + " parameters and gradients, got "
                    + params.length + " and " + grad.length);
        }
        if (t < 1) {
            throw new IllegalArgumentException("LAMB's updates are numbered from 1, got " + t);
        }
        float b1 = (float) settings.beta1();
        float b2 = (float) settings.beta2();
        float eps = (float) settings.epsilon();
        float wd = (float) settings.weightDecay();
        float correction1 = (float) (1 - Math.pow(settings.beta1(), t));
        float correction2 = (float) (1 - Math.pow(settings.beta2(), t));
        tensors.parallelStream().forEach(tensor -> {
            int from = Math.toIntExact(tensor.offset());
            int to = Math.toIntExact(tensor.offset() + tensor.length());
            boolean decay = tensor.weightDecay();
            double paramNorm = 0;
            double updateNorm = 0;
            for (int i = from; i < to; i++) {
                float g = grad[i];
                float mi = b1 * m[i] + (1 - b1) * g;
                float vi = b2 * v[i] + (1 - b2) * g * g;
                m[i] = mi;
                v[i] = vi;
                float r = (mi / correction1) / ((float) Math.sqrt(vi / correction2) + eps);
                if (decay) {
                    r += wd * params[i];
                }
                update[i] = r;
                paramNorm += (double) params[i] * params[i];
                updateNorm += (double) r * r;
            }
            double ratio = paramNorm > 0 && updateNorm > 0 ? Math.sqrt(paramNorm) / Math.sqrt(updateNorm) : 1.0;
            float rate = (float) (lr * ratio);
            for (int i = from; i < to; i++) {
                params[i] -= rate * update[i];
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
}
