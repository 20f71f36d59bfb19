package dev.electra.pipeline.model;

import dev.electra.pipeline.errors.JobError;
import dev.electra.pipeline.model.kernels.Backends;
import dev.electra.pipeline.model.kernels.Kernels;

/**
 * How a model computes its losses and gradients ({@code model.kernels}). All three compute the same function (tested
 * against each other); they differ in speed and in where they can run.
 */
public enum KernelMode {
    /** {@link #FUSED} on the CPU backend when the Vector API module is there, {@link #REFERENCE} on the CPU backend
     * without it, {@link #GRAPH} on any other backend. */
    AUTO,
    /** The hand-written pass with the fused Java Vector API kernels: the fast path; CPU backend only. */
    FUSED,
    /**
     * The hand-written pass with ND4J's calls instead of the fused kernels: no host view of ND4J memory, so any
     * backend (run on the CPU only so far); about 3× slower than fused on the CPU.
     */
    REFERENCE,
    /** The SameDiff graph computes the losses and, by autodiff, the gradients: ND4J ops only, so any backend. */
    GRAPH;

    /** A concrete mode and why it was chosen (logged, written to {@code _run.json}, printed by {@code doctor}). */
    public record Choice(KernelMode mode, String reason) {
        @Override
        public String toString() {
            return mode.configName() + " (" + reason + ")";
        }
    }

    public String configName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The mode to run in this JVM for the configured one; refuses a mode this backend or JVM cannot run. */
    public static Choice resolve(KernelMode configured) {
        return resolve(configured, Backends.cpu(), Kernels.MODULE, Backends.name());
    }

    static Choice resolve(KernelMode configured, boolean cpu, boolean module, String backend) {
        return switch (configured) {
            case AUTO -> !cpu ? new Choice(GRAPH, "auto: backend " + backend + " computes the SameDiff graph on its "
                    + "device; not yet run on a GPU")
                    : module ? new Choice(FUSED, "auto: CPU backend with the Vector API module")
                    : new Choice(REFERENCE, "auto: CPU backend without the module jdk.incubator.vector (add "
                            + "--add-modules=jdk.incubator.vector to the JVM for the fused kernels, about 3x faster)");
            case FUSED -> {
                if (!cpu) {
                    throw new JobError("model.kernels = fused runs only on ND4J's CPU backend, this JVM has "
                            + backend + "; the fused kernels write ND4J arrays through host views, which a GPU backend "
                            + "does not see. Use model.kernels = graph, reference or auto there");
                }
                if (!module) {
                    throw new JobError("model.kernels = fused needs the Java Vector API: start the JVM with "
                            + "--add-modules=jdk.incubator.vector, or set model.kernels = reference (or auto)");
                }
                yield new Choice(FUSED, "as configured");
            }
            case REFERENCE, GRAPH -> new Choice(configured, cpu ? "as configured" : "as configured; backend "
                    + backend + ", not yet run on a GPU");
        };
    }
}
