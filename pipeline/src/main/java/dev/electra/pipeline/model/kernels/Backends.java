package dev.electra.pipeline.model.kernels;

import org.nd4j.linalg.factory.Nd4j;

/**
 * This JVM's ND4J backend. The fused Vector API kernels read and write ND4J arrays through host views: on the CPU
 * backend that is the array itself, on a GPU backend a stale copy, so {@code KernelMode.resolve} allows them only on
 * the CPU backend.
 */
public final class Backends {
    private Backends() {}

    /** Whether this JVM's ND4J backend is the CPU one. */
    public static boolean cpu() {
        return Nd4j.getEnvironment().isCPU();
    }

    /** The backend's name, for messages and {@code doctor}. */
    public static String name() {
        return Nd4j.getBackend().getClass().getSimpleName();
    }
}
