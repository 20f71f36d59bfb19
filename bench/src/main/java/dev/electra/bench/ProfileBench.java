package dev.electra.bench;

import dev.electra.pipeline.config.ConfigLoader;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.model.ElectraModel;
import dev.electra.pipeline.model.kernels.Kernels;
import dev.electra.pipeline.model.kernels.Profile;
import dev.electra.pipeline.packing.PackedExample;
import dev.electra.pipeline.train.Pretraining;
import dev.electra.pipeline.train.Trainer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Where a training step of the fused path goes (issue: a step profile): the steps of {@link TrainBench}'s synthetic
 * batches timed by {@link Profile}, by part of the step and by kernel within each part, each kernel's achieved
 * GFLOP/s against the GEMM peak (the better of BLAS's and the fused kernels' 1024³ product) and GB/s against the
 * memory bandwidth, all measured in the same JVM. Usage:
 * {@code bin/bench profile tiny|small [STEPS] [BATCH] [VOCAB]}; the JVM must run with {@code -Delectra.profile=true}
 * (bin/bench sets it).
 */
public final class ProfileBench {
    private ProfileBench() {}

    public static void main(String[] args) {
        if (!Profile.ON) {
            throw new IllegalStateException("run with -Delectra.profile=true (bin/bench profile does)");
        }
        String size = args.length > 0 ? args[0] : "small";
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 6;
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        int vocab = args.length > 3 ? Integer.parseInt(args[3]) : size.equals("tiny") ? 8000 : 30522;
        int length = 128;
        ElectraConfig config = ConfigLoader.load(List.of(size), List.of("pretrain.batch-size=" + batch,
                "pretrain.warmup-steps=0", "pretrain.steps=100000", "model.kernels=auto"));
        ElectraModel model = Pretraining.model(config, vocab, length);
        Trainer trainer = Pretraining.trainer(config, model, new Pretraining.SpecialIds(0, 2, 3, 4));
        List<PackedExample> examples = TrainBench.examples(batch, length, vocab);
        double blasPeak = TrainBench.gemmPeak();
        double fusedPeak = fusedGemmPeak();
        double peak = Math.max(blasPeak, fusedPeak);
        double bandwidth = bandwidth();
        for (int s = 0; s < 2; s++) {
            trainer.step(examples, s, 0);
        }
        Profile.drain();
        double seconds = 0;
        for (int s = 2; s < 2 + steps; s++) {
            seconds += trainer.step(examples, s, 0).seconds();
        }
        Profile.Snapshot snapshot = Profile.drain();
        double step = seconds / steps;
        System.out.printf("profile size=%s batch=%dx%d vocab=%d params=%d threads=%s: %.3f s/step, %.0f tokens/s "
                + "(%d steps); GEMM peak %.1f GFLOP/s (1024³: BLAS sgemm %.1f, the fused kernels' %.1f), memory "
                + "bandwidth %.1f GB/s (2-thread triad)%n", size, batch, length, vocab, model.parameterCount(),
                System.getenv("OMP_NUM_THREADS"), step, batch * length / step, steps, peak, blasPeak, fusedPeak,
                bandwidth);
        print(snapshot, steps, step, peak, bandwidth);
    }

    /** One row of the report: seconds a step, FLOPs and bytes a step. */
    private record Row(String part, String kernel, double seconds, double calls, double flops, double bytes) {}

    private static void print(Profile.Snapshot s, int steps, double step, double peak, double bandwidth) {
        List<Row> rows = new ArrayList<>();
        Map<String, Double> timed = new LinkedHashMap<>();
        s.kernels().forEach((key, t) -> {
            String[] k = key.split("\t", 2);
            rows.add(new Row(k[0], k[1], t.nanos() / 1e9 / steps, (double) t.calls() / steps, t.flops() / steps,
                    t.bytes() / steps));
            timed.merge(k[0], t.nanos() / 1e9 / steps, Double::sum);
        });
        double partTotal = 0;
        for (Map.Entry<String, Profile.Totals> e : s.parts().entrySet()) {
            double own = e.getValue().nanos() / 1e9 / steps;
            partTotal += own;
            double rest = own - timed.getOrDefault(e.getKey(), 0.0);
            rows.add(new Row(e.getKey(), "(not in a timed kernel: Java loops, ND4J calls, allocation)", rest,
                    e.getValue().calls() / (double) steps, 0, 0));
        }
        rows.add(new Row("step: outside every part (metrics, workspaces)", "", step - partTotal, 1, 0, 0));
        rows.sort(Comparator.comparingDouble(Row::seconds).reversed());

        System.out.println();
        System.out.println("| by kind of work | ms/step | share of step | GFLOP/s | % of GEMM peak | GB/s |");
        System.out.println("|---|---:|---:|---:|---:|---:|");
        Map<String, double[]> kinds = new LinkedHashMap<>();
        for (Row r : rows) {
            double[] k = kinds.computeIfAbsent(kind(r), x -> new double[3]);
            k[0] += r.seconds();
            k[1] += r.flops();
            k[2] += r.bytes();
        }
        kinds.entrySet().stream().sorted(Comparator.comparingDouble(e -> -e.getValue()[0])).forEach(e -> {
            double[] k = e.getValue();
            System.out.printf("| %s | %.1f | %.1f%% | %s | %s | %s |%n", e.getKey(), 1e3 * k[0], 100 * k[0] / step,
                    k[1] > 0 ? String.format("%.1f", k[1] / k[0] / 1e9) : "",
                    k[1] > 0 ? String.format("%.0f%%", 100 * k[1] / k[0] / 1e9 / peak) : "",
                    k[2] > 0 ? String.format("%.1f", k[2] / k[0] / 1e9) : "");
        });

        System.out.println();
        System.out.println("| part | kernel | calls/step | ms/step | share | GFLOP/s | % of GEMM peak | GB/s | "
                + "% of bandwidth |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        for (Row r : rows) {
            if (r.seconds() < 0.0005 * step) {
                continue;
            }
            double gflops = r.flops() / r.seconds() / 1e9;
            double gbs = r.bytes() / r.seconds() / 1e9;
            System.out.printf("| %s | %s | %.0f | %.1f | %.1f%% | %s | %s | %s | %s |%n", r.part(), r.kernel(),
                    r.calls(), 1e3 * r.seconds(), 100 * r.seconds() / step,
                    r.flops() > 0 ? String.format("%.1f", gflops) : "",
                    r.flops() > 0 ? String.format("%.0f%%", 100 * gflops / peak) : "",
                    r.bytes() > 0 && r.flops() == 0 ? String.format("%.1f", gbs) : "",
                    r.bytes() > 0 && r.flops() == 0 ? String.format("%.0f%%", 100 * gbs / bandwidth) : "");
        }
    }

    /** The kind of work a row is, for the summary: GEMMs, attention, element-wise kernels, … . */
    private static String kind(Row r) {
        String k = r.kernel();
        if (k.startsWith("GEMM") || k.startsWith("slot ")) {
            return k.contains("output layer") ? "GEMM: generator output layer (tied embeddings)" : "GEMM: dense layers";
        }
        if (k.startsWith("attention")) {
            return k.contains("copies") ? "attention: tile copies" : k.contains("softmax") ? "attention: softmax"
                    : k.contains("dropout") ? "attention: dropout" : "attention: products";
        }
        if (k.startsWith("LayerNorm")) {
            return "LayerNorm";
        }
        if (k.contains("GELU")) {
            return "bias + GELU";
        }
        if (k.contains("dropout") || k.contains("residual") || k.equals("bias add")) {
            return "bias, dropout, residual";
        }
        if (k.contains("embedding")) {
            return "embeddings: gather and scatter-add";
        }
        if (k.contains("vocabulary") || k.contains("cross-entropy")) {
            return "softmax, losses, sampling over the vocabulary";
        }
        if (k.isEmpty() || k.startsWith("(")) {
            return "untimed: " + r.part();
        }
        return "other kernels (bias gradients, QKV concatenation, shared-parameter sums)";
    }

    /** Best of several 1024³ float products through the fused pass's GEMM ({@code Kernels.gemm} on float arrays). */
    static double fusedGemmPeak() {
        INDArray a = Nd4j.rand(DataType.FLOAT, 1024, 1024);
        INDArray b = Nd4j.rand(DataType.FLOAT, 1024, 1024);
        double best = 0;
        for (int i = 0; i < 20; i++) {
            long start = System.nanoTime();
            Kernels.gemm(a, b, false, false);
            best = Math.max(best, 2.0 * 1024 * 1024 * 1024 / ((System.nanoTime() - start) / 1e9) / 1e9);
        }
        return best;
    }

    /**
     * The memory bandwidth two threads reach here: best of several a = b + s·c over 3 × 64 MB float arrays (the
     * STREAM triad; 12 bytes moved per element), the traffic the element-wise kernels are bound by.
     */
    static double bandwidth() {
        int n = 16 << 20;
        float[] a = new float[n];
        float[] b = new float[n];
        float[] c = new float[n];
        java.util.Arrays.fill(b, 1f);
        java.util.Arrays.fill(c, 2f);
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        double best = 0;
        for (int rep = 0; rep < 10; rep++) {
            long start = System.nanoTime();
            IntStream.range(0, threads).parallel().forEach(t -> {
                int from = (int) ((long) n * t / threads);
                int to = (int) ((long) n * (t + 1) / threads);
                for (int i = from; i < to; i++) {
                    a[i] = b[i] + 3f * c[i];
                }
            });
            best = Math.max(best, 12.0 * n / ((System.nanoTime() - start) / 1e9) / 1e9);
        }
        return best;
    }
}
