package dev.electra.pipeline.model;

import java.util.Collection;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Frees the native memory of arrays a training step no longer needs. */
public final class NativeMemory {
    private NativeMemory() {}

    /**
     * Frees each array's native buffer now rather than when the collector next runs: a step barely grows the Java
     * heap, so the collector seldom runs, and a step's placeholders and gradients (tens of MB: dropout masks,
     * sampling noise) would otherwise pile up to the JavaCPP limit. Null, view, workspace and already-freed arrays
     * are skipped.
     */
    public static void release(Collection<INDArray> arrays) {
        for (INDArray a : arrays) {
            if (a != null && a.closeable()) {
                a.close();
            }
        }
    }
}
