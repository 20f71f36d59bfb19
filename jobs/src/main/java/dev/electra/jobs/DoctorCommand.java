package dev.electra.jobs;

import dev.electra.pipeline.config.CodeVersion;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.model.kernels.Backends;
import dev.electra.pipeline.model.KernelMode;
import dev.electra.pipeline.model.Objective;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code doctor}: what this JVM would train with. The ND4J backend (CPU or CUDA) and its BLAS, the threads it
 * uses, the heap and off-heap limits, the versions of Spark, Hadoop and the code, and a measured matrix product as
 * proof that the backend computes. Run it on a worker (or through spark-submit) before a long run.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Print the ND4J backend, BLAS, threads, memory limits, versions, the objectives this build "
                + "trains and the GPUs Spark would give an averaging task (distributed.gpus-per-worker, the "
                + "discovery script), and time a matrix product to show the backend works."})
public final class DoctorCommand implements Callable<Integer> {
    private static final int GEMM_SIZE = 1024;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() {
        ElectraConfig config = common.config();
        Runtime rt = Runtime.getRuntime();
        row("code", CodeVersion.current().toString());
        row("java", System.getProperty("java.vm.name") + " " + Runtime.version());
        row("cores", String.valueOf(rt.availableProcessors()));
        row("heap limit", megabytes(rt.maxMemory()));
        row("spark", org.apache.spark.package$.MODULE$.SPARK_VERSION());
        row("hadoop", org.apache.hadoop.util.VersionInfo.getVersion());
        row("nd4j backend", Nd4j.getBackend().getClass().getSimpleName());
        Properties info = Nd4j.getExecutioner().getEnvironmentInformation();
        row("blas", String.valueOf(info.getOrDefault("blas.vendor", "unknown")));
        row("nd4j threads", Nd4j.getEnvironment().maxMasterThreads() + " (OMP_NUM_THREADS="
                + System.getenv().getOrDefault("OMP_NUM_THREADS", "unset") + ")");
        row("openblas spin", System.getenv().getOrDefault(Sparks.OPENBLAS_THREAD_TIMEOUT, "unset")
                + " (OPENBLAS_THREAD_TIMEOUT; 4 = threads sleep right after a GEMM, freeing the cores)");
        row("devices", String.valueOf(Nd4j.getAffinityManager().getNumberOfDevices()));
        row("kernels", describe(KernelMode.AUTO) + " with model.kernels = auto; fused: " + describe(KernelMode.FUSED)
                + "; reference: " + describe(KernelMode.REFERENCE));
        row("objectives", String.join(",", Objective.configNames()));
        gpus(config);
        row("off-heap limit", megabytes(Pointer.maxBytes()) + " (org.bytedeco.javacpp.maxbytes)");
        row("physical limit", megabytes(Pointer.maxPhysicalBytes()) + " (org.bytedeco.javacpp.maxphysicalbytes), "
                + megabytes(Pointer.physicalBytes()) + " in use");
        row("total memory", megabytes(Pointer.totalPhysicalBytes()));
        for (String key : info.stringPropertyNames().stream().sorted().toList()) {
            if (!key.equals("blas.vendor")) {
                row("  " + key, info.getProperty(key));
            }
        }
        INDArray a = Nd4j.rand(DataType.FLOAT, GEMM_SIZE, GEMM_SIZE);
        INDArray b = Nd4j.rand(DataType.FLOAT, GEMM_SIZE, GEMM_SIZE);
        a.mmul(b);
        int repeats = 10;
        long start = System.nanoTime();
        for (int i = 0; i < repeats; i++) {
            a.mmul(b);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        row("gemm " + GEMM_SIZE, String.format("%.1f GFLOP/s (float32)",
                2.0 * GEMM_SIZE * GEMM_SIZE * GEMM_SIZE * repeats / seconds / 1e9));
        return 0;
    }

    /** The GPUs Spark would give an averaging task here: the configuration, the discovery script's answer, the binding. */
    private static void gpus(ElectraConfig config) {
        int perWorker = config.distributed().gpusPerWorker();
        row("gpus per worker", perWorker == 0 ? "0 (distributed.gpus-per-worker: averaging tasks train on the CPU)"
                : perWorker + " (distributed.gpus-per-worker: spark.executor.resource.gpu.amount = "
                + "spark.task.resource.gpu.amount = " + perWorker + ")");
        String configured = config.spark().properties().get(Gpus.DISCOVERY_SCRIPT);
        String script = configured != null ? configured
                : Gpus.projectScript().map(Object::toString).orElse(null);
        if (script == null) {
            row("gpu discovery", "no " + Gpus.PROJECT_SCRIPT + " beside this code and no " + Gpus.DISCOVERY_SCRIPT);
        } else {
            Gpus.Discovery found = Gpus.discover(script);
            row("gpu discovery", script + (found.error() != null ? ": " + found.error()
                    : " finds " + found.addresses()));
            if (found.error() == null && perWorker > 0) {
                row("  a task gets", perWorker + " of " + found.addresses() + " on a host like this one");
            }
        }
        row("gpu binding", Backends.cpu()
                ? "none: ND4J's backend is " + Backends.name() + ", a GPU run is refused here"
                : "each averaging task binds its thread to its GPU (backend " + Backends.name()
                        + "; not yet run on a GPU)");
    }

    private static void row(String key, String value) {
        System.out.printf("%-16s %s%n", key, value);
    }

    private static String megabytes(long bytes) {
        return bytes / (1024 * 1024) + " MB";
    }

    /** What a configured mode becomes here, or why it cannot run. */
    private static String describe(KernelMode configured) {
        try {
            return KernelMode.resolve(configured).toString();
        } catch (RuntimeException e) {
            return "refused: " + e.getMessage();
        }
    }
}
