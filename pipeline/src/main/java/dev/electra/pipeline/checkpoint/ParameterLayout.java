package dev.electra.pipeline.checkpoint;

import dev.electra.pipeline.errors.JobError;
import dev.electra.pipeline.model.ParameterSpec;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which parameter sits where in a flat parameter vector (and in a checkpoint's {@code params.npy}, {@code adam_m.npy},
 * {@code adam_v.npy}): each tensor's name, shape and offset, in order. Checkpoints record it so that a vector is never
 * read into the wrong tensors: resuming, evaluating and averaging compare it with the layout the code builds and
 * refuse a difference, naming the first parameter that differs.
 */
public record ParameterLayout(List<Tensor> tensors) implements Serializable {
    private static final Logger LOG = LoggerFactory.getLogger(ParameterLayout.class);

    /** One parameter: its name, its shape, and the index of its first value in the flat vector. */
    public record Tensor(String name, long[] shape, long offset) implements Serializable {
        public Tensor {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        public long length() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        boolean sameAs(Tensor o) {
            return name.equals(o.name) && Arrays.equals(shape, o.shape) && offset == o.offset;
        }

        @Override
        public String toString() {
            return name + " " + Arrays.toString(shape);
        }
    }

    /**
     * The layout of a checkpoint written before layouts were recorded (format electra-checkpoint/1): its vector is
     * in the order the code declared the parameters then, which is the order it declares them now (a test keeps such
     * a checkpoint and checks that every value lands in its tensor).
     */
    public static final ParameterLayout UNRECORDED = new ParameterLayout(List.of());

    public ParameterLayout {
        tensors = List.copyOf(tensors);
        long next = 0;
        for (Tensor t : tensors) {
            if (t.offset() != next) {
                throw new IllegalArgumentException("parameter " + t + " starts at " + t.offset() + ", expected " + next
                        + " (offsets must follow each other)");
            }
            next += t.length();
        }
    }

    /** The layout of a model's parameters. */
    public static ParameterLayout of(List<ParameterSpec> specs) {
        List<Tensor> tensors = new ArrayList<>();
        for (ParameterSpec p : specs) {
            tensors.add(new Tensor(p.name(), p.shape(), p.offset()));
        }
        return new ParameterLayout(tensors);
    }

    public boolean recorded() {
        return !tensors.isEmpty();
    }

    /** Values in the flat vector. */
    public long length() {
        return tensors.isEmpty() ? 0 : tensors.get(tensors.size() - 1).offset() + tensors.get(tensors.size() - 1)
                .length();
    }

    /**
     * Refuses this (recorded) layout unless it is {@code expected}, naming the first parameter that differs; an
     * unrecorded layout is accepted (its vector's length is the caller's to check).
     *
     * @param where the checkpoint or vector, for the message
     */
    public void requireSame(ParameterLayout expected, String where) {
        if (!recorded()) {
            LOG.info("{} predates recorded parameter layouts ({}): its values are read in the order the model "
                    + "declares its parameters", where, Checkpoints.FORMAT_WITHOUT_LAYOUT);
            return;
        }
        int n = Math.max(tensors.size(), expected.tensors.size());
        for (int i = 0; i < n; i++) {
            Tensor mine = i < tensors.size() ? tensors.get(i) : null;
            Tensor theirs = i < expected.tensors.size() ? expected.tensors.get(i) : null;
            if (mine != null && theirs != null && mine.sameAs(theirs)) {
                continue;
            }
            throw new JobError(where + " does not fit this model: its parameter " + (i + 1) + " is "
                    + (mine == null ? "missing" : mine + " at offset " + mine.offset()) + ", the model's is "
                    + (theirs == null ? "missing" : theirs + " at offset " + theirs.offset()) + " ("
                    + tensors.size() + " parameters recorded, " + expected.tensors.size() + " built); use the "
                    + "configuration the checkpoint was written with, or convert the checkpoint to this layout");
        }
    }
}
