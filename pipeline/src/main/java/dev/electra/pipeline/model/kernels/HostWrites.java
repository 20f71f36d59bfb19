package dev.electra.pipeline.model.kernels;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The one place this code touches ND4J memory through host views (a test fails on any {@code asNio} elsewhere).
 * On a GPU backend an array has a host and a device copy, and ND4J counts host reads but never host writes, so a
 * write through a host view must first bring the host copy up to date ({@code ensureLocation}) and then mark it as
 * the newer one ({@code tagLocation}), or the next device op reads the stale device copy. On the CPU backend both
 * calls are empty methods.
 *
 * <p>{@link #write} and {@link #read} are safe on any backend. {@link #cpuBytes} hands out raw views to the fused
 * Vector API kernels only, which {@code KernelMode.resolve} never selects on another backend; it refuses to in a
 * pass run without them ({@code reference} or {@code graph}), so those modes provably take no raw view.
 */
public final class HostWrites {
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    private HostWrites() {}

    /** a's elements offset … offset + n − 1 ← src[from … from + n), tagged as a host write (a contiguous float array). */
    public static void write(INDArray a, long offset, float[] src, int from, int n) {
        AffinityManager affinity = Nd4j.getAffinityManager();
        affinity.ensureLocation(a, AffinityManager.Location.HOST);
        a.data().asNioFloat().put(Math.toIntExact(a.offset() + offset), src, from, n);
        affinity.tagLocation(a, AffinityManager.Location.HOST);
    }

    /** dst[from … from + n) ← a's elements offset … offset + n − 1 (a contiguous float array; synced to the host). */
    public static void read(INDArray a, long offset, float[] dst, int from, int n) {
        Nd4j.getAffinityManager().ensureLocation(a, AffinityManager.Location.HOST);
        a.data().asNioFloat().get(Math.toIntExact(a.offset() + offset), dst, from, n);
    }

    /**
     * An array's memory as a native-order buffer whose byte 0 is its first element; CPU backend only, and only in a
     * pass with the fused kernels on ({@link Kernels#fusedPass}).
     */
    static ByteBuffer cpuBytes(INDArray a) {
        if (!Kernels.fusedPass()) {
            throw new IllegalStateException("a raw host view of ND4J memory was asked for in a pass without the "
                    + "fused kernels (model.kernels = reference or graph), which must run on any backend");
        }
        return a.data().asNio().slice(4 * Math.toIntExact(a.offset()), 4 * Math.toIntExact(a.length()))
                .order(NATIVE);
    }
}
