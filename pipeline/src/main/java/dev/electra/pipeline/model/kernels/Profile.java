package dev.electra.pipeline.model.kernels;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a training step's time goes: wall time by part of the step (generator forward, discriminator backward,
 * AdamW, …) and, inside each part, by kernel (each projection's GEMM, LayerNorm, attention, …) with the FLOPs or bytes
 * a kernel moved, so that a report can set each against what the machine can do ({@code bin/bench profile}).
 *
 * <p>Off unless the JVM runs with {@code -Delectra.profile=true}: {@link #ON} is a constant, so when it is false
 * every call below is a test the JIT removes, and a step's arithmetic and speed are those of an unprofiled run.
 * Parts nest; a part's time is its own, its inner parts' excluded. Kernels on worker threads of a parallel kernel
 * are timed by the calling thread around the whole call, so a part's kernels and its remainder add up to wall time.
 */
public final class Profile {
    /** Whether this JVM profiles ({@code -Delectra.profile=true}). */
    public static final boolean ON = Boolean.getBoolean("electra.profile");
    private static final Part NONE = new Part(null, 0);
    private static final ThreadLocal<Deque<Part>> PARTS = ThreadLocal.withInitial(ArrayDeque::new);
    private static final Map<String, Totals> PART_TOTALS = new LinkedHashMap<>();
    private static final Map<String, Totals> KERNEL_TOTALS = new LinkedHashMap<>();

    private Profile() {}

    /** Accumulated wall time, calls and work (FLOPs, bytes read and written) of a part or of a kernel in a part. */
    public record Totals(long nanos, long calls, double flops, double bytes) {
        Totals plus(long n, double f, double b) {
            return new Totals(nanos + n, calls + 1, flops + f, bytes + b);
        }
    }

    /** An open part of the step; {@link #close} ends it. */
    public static final class Part implements AutoCloseable {
        private final String name;
        private final long start;
        private long inner;

        private Part(String name, long start) {
            this.name = name;
            this.start = start;
        }

        @Override
        public void close() {
            if (name == null) {
                return;
            }
            long elapsed = System.nanoTime() - start;
            Deque<Part> parts = PARTS.get();
            parts.pop();
            if (!parts.isEmpty()) {
                parts.peek().inner += elapsed;
            }
            add(PART_TOTALS, name, elapsed - inner, 0, 0);
        }
    }

    /** Opens part {@code name} (close it with try-with-resources); a no-op when not profiling. */
    public static Part part(String name) {
        if (!ON) {
            return NONE;
        }
        Part part = new Part(name, System.nanoTime());
        PARTS.get().push(part);
        return part;
    }

    /** A kernel's start time for {@link #kernel}; 0 when not profiling. */
    public static long start() {
        return ON ? System.nanoTime() : 0L;
    }

    /** Records kernel {@code name}, started at {@code start}, with its FLOPs and bytes, in the innermost open part. */
    public static void kernel(String name, long start, double flops, double bytes) {
        if (!ON) {
            return;
        }
        Deque<Part> parts = PARTS.get();
        String part = parts.isEmpty() ? "outside a part" : parts.peek().name;
        add(KERNEL_TOTALS, part + "\t" + name, System.nanoTime() - start, flops, bytes);
    }

    /**
     * Records a parallel kernel that began at {@code start} as several kernels, its wall time shared among them in
     * proportion to {@code nanos}, the time its threads spent in each (summed over threads).
     */
    public static void apportion(long start, String[] names, long[] nanos, double[] flops) {
        if (!ON) {
            return;
        }
        long wall = System.nanoTime() - start;
        long total = 0;
        for (long n : nanos) {
            total += n;
        }
        Deque<Part> parts = PARTS.get();
        String part = parts.isEmpty() ? "outside a part" : parts.peek().name;
        for (int i = 0; i < names.length; i++) {
            long share = total == 0 ? 0 : Math.round((double) wall * nanos[i] / total);
            add(KERNEL_TOTALS, part + "\t" + names[i], share, flops[i], 0);
        }
    }

    private static synchronized void add(Map<String, Totals> totals, String key, long nanos, double flops,
                                         double bytes) {
        totals.merge(key, new Totals(nanos, 1, flops, bytes), (a, b) -> a.plus(nanos, flops, bytes));
    }

    /** What was recorded since the last drain: parts by name, kernels by "part TAB kernel"; then starts afresh. */
    public record Snapshot(Map<String, Totals> parts, Map<String, Totals> kernels) {}

    /** The totals so far, and clears them. */
    public static synchronized Snapshot drain() {
        Snapshot s = new Snapshot(new TreeMap<>(PART_TOTALS), new TreeMap<>(KERNEL_TOTALS));
        PART_TOTALS.clear();
        KERNEL_TOTALS.clear();
        return s;
    }

    /** Bytes of {@code n} floats, for a kernel's traffic. */
    public static double floats(long n) {
        return 4.0 * n;
    }
}
