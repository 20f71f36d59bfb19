package dev.electra.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.electra.pipeline.errors.JobError;
import dev.electra.pipeline.model.kernels.Backends;
import java.io.IOException;
import java.io.Serializable;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.apache.spark.SparkConf;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.util.CollectionAccumulator;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GPU executors ({@code distributed.gpus-per-worker}): the Spark settings that give every averaging task a whole GPU
 * (the driver's side), and the binding of a task's ND4J thread to the GPU Spark gave it, before the task builds
 * anything (the executor's side). Not run on a GPU: on ND4J's CPU backend the binding call is an empty method, and
 * the tests check which address each task was given with stand-in discovery scripts.
 */
final class Gpus {
    private static final Logger LOG = LoggerFactory.getLogger(Gpus.class);
    /** Spark's name of the resource. */
    static final String GPU = "gpu";
    /** Where Spark finds a YARN or Kubernetes executor's GPUs (a standalone Worker finds its own and assigns them). */
    static final String DISCOVERY_SCRIPT = "spark.executor.resource.gpu.discoveryScript";
    /**
     * Spark property: ND4J's CPU backend accepts the GPU addresses Spark gives and binds nothing (its binding is
     * empty). For checking a cluster's GPU scheduling where there is no GPU, as the tests do; never for training.
     */
    static final String SIMULATED = "spark.electra.gpus-simulated";
    /** The project's discovery script, relative to its root. */
    static final String PROJECT_SCRIPT = "bin/gpu-discovery";

    private Gpus() {}

    /**
     * Adds to {@code conf} (whose master is set) what {@code gpusPerWorker} asks for: that many GPUs per executor and
     * per task, so each executor runs one averaging task on its own GPU, CUDA numbering the GPUs as nvidia-smi does,
     * and on YARN or Kubernetes the discovery script (the project's, unless {@link #DISCOVERY_SCRIPT} is set).
     * Settings already given (spark-submit, {@code spark.properties}) win. Refuses a GPU run on the CPU backend and
     * on a local master, where Spark schedules no GPUs.
     */
    static void schedule(SparkConf conf, int gpusPerWorker, boolean cpuBackend, String backend) {
        if (gpusPerWorker == 0) {
            return;
        }
        String master = conf.get("spark.master", "");
        if (cpuBackend && !conf.getBoolean(SIMULATED, false)) {
            throw new JobError("a GPU run on a CPU backend: distributed.gpus-per-worker = " + gpusPerWorker + " but "
                    + "ND4J's backend here is " + backend + "; run the CUDA fat jar (mvn -Pgpu -DskipTests package "
                    + "builds electra-jobs-*-spark-cuda.jar) or set distributed.gpus-per-worker = 0");
        }
        if (master.startsWith("local") && !master.startsWith("local-cluster")) {
            throw new JobError("distributed.gpus-per-worker = " + gpusPerWorker + " with spark.master = " + master
                    + ": Spark schedules GPUs only on a cluster (standalone, YARN, Kubernetes); on one machine set "
                    + "it to 0 and ND4J's CUDA backend uses its default device");
        }
        conf.setIfMissing("spark.executor.resource.gpu.amount", String.valueOf(gpusPerWorker));
        conf.setIfMissing("spark.task.resource.gpu.amount", String.valueOf(gpusPerWorker));
        // CUDA numbers the GPUs fastest first unless told otherwise; nvidia-smi (so the discovery script) by PCI bus.
        conf.setIfMissing("spark.executorEnv.CUDA_DEVICE_ORDER", "PCI_BUS_ID");
        if ((master.startsWith("yarn") || master.startsWith("k8s")) && !conf.contains(DISCOVERY_SCRIPT)) {
            Path script = projectScript().orElseThrow(() -> new JobError("distributed.gpus-per-worker = "
                    + gpusPerWorker + " on " + master + " needs a GPU discovery script on every executor host, and "
                    + "this driver has no " + PROJECT_SCRIPT + " beside its code (" + codeLocation() + "); set "
                    + DISCOVERY_SCRIPT + " to the script's path on the executors (e.g. spark-submit --conf "
                    + DISCOVERY_SCRIPT + "=/opt/electra/" + PROJECT_SCRIPT + ")"));
            conf.set(DISCOVERY_SCRIPT, script.toString());
        }
    }

    /**
     * Binds this task's ND4J thread to the GPU Spark gave it ({@code TaskContext.resources()}) and returns the
     * addresses; none on a CPU run. Call before the task builds any array.
     */
    static List<String> bindTask(int gpusPerWorker, boolean simulated) {
        TaskContext task = TaskContext.get();
        List<String> addresses = new ArrayList<>();
        if (task != null) {
            ResourceInformation gpus = task.resourcesJMap().get(GPU);
            if (gpus != null) {
                addresses.addAll(List.of(gpus.addresses()));
            }
        }
        boolean cpu = Backends.cpu();
        List<String> bound = bind(addresses, gpusPerWorker, cpu, Backends.name(), simulated,
                device -> Nd4j.getAffinityManager().unsafeSetDevice(device));
        if (!bound.isEmpty() && !cpu) {
            // Not run on a GPU: CUDA's current device of this thread, as ND4J reads it back.
            int now = Nd4j.getAffinityManager().getDeviceForCurrentThread();
            if (now != Integer.parseInt(bound.get(0))) {
                throw new IllegalStateException("ND4J did not bind this task to GPU " + bound.get(0) + ": its thread "
                        + "is on device " + now);
            }
        }
        return bound;
    }

    /**
     * The binding's rule, apart from Spark and ND4J: the task's {@code addresses} (its GPUs as Spark names them, the
     * discovery script's nvidia-smi indices) bound through {@code setDevice}; refuses GPUs on the CPU backend
     * (unless simulated) and a GPU run whose task got none.
     */
    static List<String> bind(List<String> addresses, int gpusPerWorker, boolean cpuBackend, String backend,
                             boolean simulated, IntConsumer setDevice) {
        if (addresses.isEmpty()) {
            if (gpusPerWorker > 0) {
                throw new JobError("Spark gave this averaging task no GPU although distributed.gpus-per-worker = "
                        + gpusPerWorker + "; check spark.task.resource.gpu.amount and the cluster's GPU discovery "
                        + "(bin/electra doctor)");
            }
            return List.of();
        }
        if (cpuBackend && !simulated) {
            throw new JobError("a CPU backend given GPUs: Spark gave this averaging task GPU " + addresses + " but "
                    + "ND4J's backend here is " + backend + "; run the CUDA fat jar (electra-jobs-*-spark-cuda.jar) "
                    + "or remove spark.task.resource.gpu.amount and keep distributed.gpus-per-worker = 0");
        }
        int device;
        try {
            device = Integer.parseInt(addresses.get(0));
        } catch (NumberFormatException e) {
            throw new JobError("GPU address '" + addresses.get(0) + "' is not a device index; the discovery script "
                    + "must print nvidia-smi's indices, as " + PROJECT_SCRIPT + " does");
        }
        setDevice.accept(device);
        return List.copyOf(addresses);
    }

    /**
     * The GPUs each worker's task was bound to in the latest round: the tasks report them through an accumulator
     * (a failed attempt's report is not merged; a re-run's replaces it), and they go into the round's metric line
     * and the run's {@code _run.json}.
     */
    static final class Bound implements Serializable {
        private final CollectionAccumulator<String> reports;
        private final int gpusPerWorker;
        private final boolean simulated;
        private final Map<Integer, List<String>> latest = new TreeMap<>();

        Bound(JavaSparkContext jsc, int gpusPerWorker) {
            this.reports = jsc.sc().collectionAccumulator("gpus bound per worker");
            this.gpusPerWorker = gpusPerWorker;
            this.simulated = jsc.getConf().getBoolean(SIMULATED, false);
        }

        /** On the executor: binds the task of {@code worker} ({@link #bindTask}) and reports its GPUs. */
        void bind(int worker) {
            List<String> gpus = bindTask(gpusPerWorker, simulated);
            if (!gpus.isEmpty()) {
                reports.add(worker + "=" + String.join(",", gpus));
            }
        }

        /** On the driver, before a round. */
        void startRound() {
            reports.reset();
        }

        /** On the driver, after a round: keeps what its tasks reported, and logs it when it changed. */
        void endRound() {
            Map<Integer, List<String>> before = new TreeMap<>(latest);
            for (String report : reports.value()) {
                int eq = report.indexOf('=');
                latest.put(Integer.parseInt(report.substring(0, eq)), List.of(report.substring(eq + 1).split(",")));
            }
            if (!latest.equals(before)) {
                LOG.info("pretrain: GPUs by worker {}{}", latest, simulated ? " (simulated: CPU backend)" : "");
            }
        }

        /** Adds {@code "gpu"} (its addresses) to each worker's figures in a round's metric line. */
        @SuppressWarnings("unchecked")
        void addTo(Map<String, Object> line) {
            if (latest.isEmpty() || !(line.get("workers") instanceof List<?> workers)) {
                return;
            }
            for (Object w : workers) {
                if (w instanceof Map<?, ?> m && m.get("worker") instanceof Number n && latest.containsKey(n.intValue())) {
                    ((Map<String, Object>) m).put(GPU, latest.get(n.intValue()));
                }
            }
        }

        /** What {@code _run.json} records: GPUs per worker and each worker's in the last round. */
        Map<String, Object> toMap() {
            Map<String, Object> m = new TreeMap<>();
            m.put("gpus_per_worker", gpusPerWorker);
            Map<String, Object> workers = new TreeMap<>();
            latest.forEach((w, gpus) -> workers.put(String.valueOf(w), gpus));
            m.put("workers", workers);
            if (simulated) {
                m.put("simulated", true);
            }
            return m;
        }
    }

    /** The project's discovery script beside the running code (its classes or fat jar under jobs/target), if any. */
    static Optional<Path> projectScript() {
        // jobs/target/classes or jobs/target/<fat jar>: the root is three levels up.
        Path dir = codeLocation();
        for (int up = 0; up < 4 && dir != null; up++, dir = dir.getParent()) {
            Path script = dir.resolve(PROJECT_SCRIPT);
            if (Files.isRegularFile(script)) {
                return Optional.of(script.toAbsolutePath().normalize());
            }
        }
        return Optional.empty();
    }

    private static Path codeLocation() {
        try {
            return Path.of(Gpus.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
        } catch (URISyntaxException | RuntimeException e) {
            return Path.of("").toAbsolutePath();
        }
    }

    /** What a discovery script announced: the addresses, or why there are none. */
    record Discovery(String script, List<String> addresses, String error) {}

    /** Runs a discovery script as Spark would and reads its {@code {"name":"gpu","addresses":[...]}}. */
    static Discovery discover(String script) {
        return discover(script, Map.of());
    }

    /** {@link #discover(String)} with {@code env} added to the script's environment. */
    static Discovery discover(String script, Map<String, String> env) {
        try {
            ProcessBuilder pb = new ProcessBuilder(script);
            pb.environment().putAll(env);
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Discovery(script, List.of(), "did not finish within 60 s");
            }
            if (p.exitValue() != 0) {
                return new Discovery(script, List.of(), "exit status " + p.exitValue() + (err.isEmpty() ? "" : ": " + err));
            }
            JsonNode json = new ObjectMapper().readTree(out);
            if (!GPU.equals(json.path("name").asText())) {
                return new Discovery(script, List.of(), "printed " + json + ", not a \"gpu\" resource");
            }
            List<String> addresses = new ArrayList<>();
            json.path("addresses").forEach(a -> addresses.add(a.asText()));
            return new Discovery(script, addresses, null);
        } catch (IOException e) {
            return new Discovery(script, List.of(), "cannot run it: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Discovery(script, List.of(), "interrupted");
        }
    }
}
