package dev.electra.pipeline.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
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
 * <p>{@link #write} and {@link #read} are safe on any backend. {@link #cpuBytes}, {@link #cpuFloats} and
 * {@link #cpuDoubles} hand out raw views for the CPU-only kernels (the fused Vector API kernels and {@code Loops}),
 * which {@link KernelMode#resolve} never selects on another backend.
 */
final class HostWrites {
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    private HostWrites() {}

    /** a's elements offset … offset + n − 1 ← src[from … from + n), tagged as a host write (a contiguous float array). */
    static void write(INDArray a, long offset, float[] src, int from, int n) {
        AffinityManager affinity = Nd4j.getAffinityManager();
        affinity.ensureLocation(a, AffinityManager.Location.HOST);
        a.data().asNioFloat().put(Math.toIntExact(a.offset() + offset), src, from, n);
        affinity.tagLocation(a, AffinityManager.Location.HOST);
    }

    /** dst[from … from + n) ← a's elements offset … offset + n − 1 (a contiguous float array; synced to the host). */
    static void read(INDArray a, long offset, float[] dst, int from, int n) {
        Nd4j.getAffinityManager().ensureLocation(a, AffinityManager.Location.HOST);
        a.data().asNioFloat().get(Math.toIntExact(a.offset() + offset), dst, from, n);
    }

    /** An array's memory as a native-order buffer whose byte 0 is its first element; CPU backend only. */
    static ByteBuffer cpuBytes(INDArray a) {
        return a.data().asNio().slice(4 * Math.toIntExact(a.offset()), 4 * Math.toIntExact(a.length()))
                .order(NATIVE);
    }

    /** The float view of an array's whole buffer (its elements start at {@code a.offset()}); CPU backend only. */
    static FloatBuffer cpuFloats(INDArray a) {
        return a.data().asNioFloat();
    }

    /** The double view of an array's whole buffer (its elements start at {@code a.offset()}); CPU backend only. */
    static DoubleBuffer cpuDoubles(INDArray a) {
        return a.data().asNioDouble();
    }
}
