package dev.electra.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.electra.pipeline.config.ConfigException;
import dev.electra.pipeline.config.ConfigLoader;
import dev.electra.pipeline.errors.JobError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GPU executors without a GPU: the Spark settings distributed.gpus-per-worker makes, the binding's rule through a
 * recording stand-in for ND4J's {@code unsafeSetDevice}, the refusals, and bin/gpu-discovery with a stand-in
 * nvidia-smi and with none.
 */
class GpusTest {
    @TempDir
    Path dir;

    @Test
    void aTaskIsBoundToTheDeviceIndexOfItsAddressBeforeAnythingElse() {
        List<Integer> calls = new ArrayList<>();
        assertEquals(List.of("3"), Gpus.bind(List.of("3"), 1, false, "JCublasBackend", false, calls::add));
        assertEquals(List.of(3), calls, "unsafeSetDevice(3), once");
        // On the CPU backend only when simulated (the tests' fake GPUs): ND4J's binding is empty there.
        assertEquals(List.of("1"), Gpus.bind(List.of("1"), 1, true, "CpuBackend", true, calls::add));
        assertEquals(List.of(3, 1), calls);
    }

    @Test
    void aCpuRunBindsNothing() {
        List<Integer> calls = new ArrayList<>();
        assertEquals(List.of(), Gpus.bind(List.of(), 0, true, "CpuBackend", false, calls::add));
        assertEquals(List.of(), Gpus.bind(List.of(), 0, false, "JCublasBackend", false, calls::add));
        assertTrue(calls.isEmpty());
    }

    @Test
    void aCpuBackendGivenGpusIsRefusedInOneLine() {
        JobError e = assertThrows(JobError.class,
                () -> Gpus.bind(List.of("0"), 0, true, "CpuBackend", false, d -> { }));
        assertTrue(e.getMessage().startsWith("a CPU backend given GPUs: Spark gave this averaging task GPU [0] but "
                + "ND4J's backend here is CpuBackend"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void aGpuRunWhoseTaskGotNoGpuOrAnAddressThatIsNoIndexIsRefused() {
        JobError none = assertThrows(JobError.class,
                () -> Gpus.bind(List.of(), 1, false, "JCublasBackend", false, d -> { }));
        assertTrue(none.getMessage().contains("no GPU although distributed.gpus-per-worker = 1"), none.getMessage());
        JobError uuid = assertThrows(JobError.class,
                () -> Gpus.bind(List.of("GPU-5d1e"), 1, false, "JCublasBackend", false, d -> { }));
        assertTrue(uuid.getMessage().contains("'GPU-5d1e' is not a device index"), uuid.getMessage());
    }

    @Test
    void gpusPerWorkerSetsTheExecutorsAndTasksGpus() {
        SparkConf conf = new SparkConf(false).setMaster("spark://127.0.0.1:7077");
        Gpus.schedule(conf, 1, false, "JCublasBackend");
        assertEquals("1", conf.get("spark.executor.resource.gpu.amount"));
        assertEquals("1", conf.get("spark.task.resource.gpu.amount"));
        assertEquals("PCI_BUS_ID", conf.get("spark.executorEnv.CUDA_DEVICE_ORDER"));
        assertFalse(conf.contains(Gpus.DISCOVERY_SCRIPT), "a standalone Worker discovers its own GPUs");

        SparkConf yarn = new SparkConf(false).setMaster("yarn");
        Gpus.schedule(yarn, 1, false, "JCublasBackend");
        assertEquals(Path.of("..", Gpus.PROJECT_SCRIPT).toAbsolutePath().normalize().toString(),
                yarn.get(Gpus.DISCOVERY_SCRIPT), "the project's script, from the code's location");

        SparkConf given = new SparkConf(false).setMaster("yarn").set(Gpus.DISCOVERY_SCRIPT, "/opt/gpus.sh")
                .set("spark.task.resource.gpu.amount", "0.5");
        Gpus.schedule(given, 1, false, "JCublasBackend");
        assertEquals("/opt/gpus.sh", given.get(Gpus.DISCOVERY_SCRIPT), "settings given to Spark win");
        assertEquals("0.5", given.get("spark.task.resource.gpu.amount"));

        SparkConf cpu = new SparkConf(false).setMaster("yarn");
        Gpus.schedule(cpu, 0, true, "CpuBackend");
        assertFalse(cpu.contains("spark.task.resource.gpu.amount"), "0 = the CPU, nothing scheduled");
    }

    @Test
    void aGpuRunOnACpuBackendOrALocalMasterIsRefusedInOneLine() {
        JobError cpu = assertThrows(JobError.class,
                () -> Gpus.schedule(new SparkConf(false).setMaster("yarn"), 1, true, "CpuBackend"));
        assertTrue(cpu.getMessage().startsWith("a GPU run on a CPU backend: distributed.gpus-per-worker = 1 but "
                + "ND4J's backend here is CpuBackend"), cpu.getMessage());
        // Simulated (the tests' fake GPUs), the CPU backend takes them.
        SparkConf simulated = new SparkConf(false).setMaster("local-cluster[2,1,1024]").set(Gpus.SIMULATED, "true");
        Gpus.schedule(simulated, 1, true, "CpuBackend");
        assertEquals("1", simulated.get("spark.task.resource.gpu.amount"));
        JobError local = assertThrows(JobError.class,
                () -> Gpus.schedule(new SparkConf(false).setMaster("local[4]"), 1, false, "JCublasBackend"));
        assertTrue(local.getMessage().contains("Spark schedules GPUs only on a cluster"), local.getMessage());
    }

    @Test
    void moreThanOneGpuPerWorkerIsRefusedWhenTheConfigurationLoads() {
        assertEquals(0, ConfigLoader.load(List.of(), List.of()).distributed().gpusPerWorker(), "the CPU by default");
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(List.of(), List.of("distributed.gpus-per-worker=2")));
        assertTrue(e.getMessage().contains("a worker trains on one device"), e.getMessage());
    }

    @Test
    void theDiscoveryScriptPrintsNvidiaSmisIndicesOrSaysThereIsNone() throws IOException {
        String script = Path.of("..", Gpus.PROJECT_SCRIPT).toAbsolutePath().normalize().toString();
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Gpus.Discovery none = Gpus.discover(script, Map.of("PATH", bin + ":/usr/bin:/bin"));
        assertEquals(List.of(), none.addresses());
        assertTrue(none.error().contains("no nvidia-smi on this host's PATH"), none.error());

        Path smi = bin.resolve("nvidia-smi");
        Files.writeString(smi, "#!/bin/sh\n[ \"$1\" = --query-gpu=index ] || exit 9\nprintf '0\\n1\\n'\n");
        Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"));
        Gpus.Discovery two = Gpus.discover(script, Map.of("PATH", bin + ":/usr/bin:/bin"));
        assertNull(two.error());
        assertEquals(List.of("0", "1"), two.addresses());
    }
}
