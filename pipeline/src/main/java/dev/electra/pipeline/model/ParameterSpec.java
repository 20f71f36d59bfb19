package dev.electra.pipeline.model;

import java.io.Serializable;
import java.util.Arrays;

/**
 * One trainable array of the graph and where it sits in the flat parameter vector.
 *
 * @param name   graph variable name, e.g. {@code discriminator/layer_0/attention/query/kernel}
 * @param shape  array shape
 * @param offset first index in the flat vector ({@link ElectraModel#flatParameters()})
 * @param owner  which network uses it
 * @param kind   what it is; decides weight decay
 */
public record ParameterSpec(String name, long[] shape, long offset, Owner owner, Kind kind) implements Serializable {

    /** The network a parameter belongs to. */
    public enum Owner {
        /** Token, position and segment embeddings and the embedding LayerNorm, used by both networks. */
        SHARED,
        GENERATOR,
        /** The discriminator, or the main encoder of the MLM-style objectives. */
        MAIN
    }

    /** The role of a parameter. */
    public enum Kind { EMBEDDING, KERNEL, BIAS, LAYER_NORM_GAIN, LAYER_NORM_BIAS }

    public ParameterSpec {
        shape = shape.clone();
    }

    /** Number of elements. */
    public long length() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** AdamW decays kernels and embeddings but not biases or LayerNorm parameters (as ELECTRA's optimizer). */
    public boolean weightDecay() {
        return kind == Kind.EMBEDDING || kind == Kind.KERNEL;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape) + " " + owner + " " + kind;
    }
}
