package dev.electra.pipeline.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.electra.pipeline.errors.JobError;
import org.junit.jupiter.api.Test;

class KernelModeTest {
    @Test
    void autoPicksByBackendAndModule() {
        assertEquals(KernelMode.FUSED, KernelMode.resolve(KernelMode.AUTO, true, true, "CpuBackend").mode());
        KernelMode.Choice noModule = KernelMode.resolve(KernelMode.AUTO, true, false, "CpuBackend");
        assertEquals(KernelMode.REFERENCE, noModule.mode());
        assertTrue(noModule.reason().contains("--add-modules=jdk.incubator.vector"), noModule.reason());
        KernelMode.Choice gpu = KernelMode.resolve(KernelMode.AUTO, false, true, "JCublasBackend");
        assertEquals(KernelMode.GRAPH, gpu.mode());
        assertTrue(gpu.reason().contains("JCublasBackend") && gpu.reason().contains("not yet run on a GPU"),
                gpu.reason());
        assertEquals(KernelMode.FUSED, KernelMode.resolve(KernelMode.AUTO).mode(), "this JVM: CPU with the module");
    }

    @Test
    void aModeThisJvmCannotRunIsRefused() {
        JobError fusedOnGpu = assertThrows(JobError.class,
                () -> KernelMode.resolve(KernelMode.FUSED, false, true, "JCublasBackend"));
        assertTrue(fusedOnGpu.getMessage().contains("JCublasBackend") && fusedOnGpu.getMessage().contains("graph"),
                fusedOnGpu.getMessage());
        JobError noModule = assertThrows(JobError.class,
                () -> KernelMode.resolve(KernelMode.FUSED, true, false, "CpuBackend"));
        assertTrue(noModule.getMessage().contains("--add-modules=jdk.incubator.vector"), noModule.getMessage());
        assertEquals(KernelMode.GRAPH, KernelMode.resolve(KernelMode.GRAPH, false, false, "JCublasBackend").mode());
        KernelMode.Choice referenceOnGpu = KernelMode.resolve(KernelMode.REFERENCE, false, true, "JCublasBackend");
        assertEquals(KernelMode.REFERENCE, referenceOnGpu.mode(), "ND4J calls only: allowed on any backend");
        assertTrue(referenceOnGpu.reason().contains("not yet run on a GPU"), referenceOnGpu.reason());
        assertEquals(KernelMode.REFERENCE, KernelMode.resolve(KernelMode.REFERENCE, true, false, "CpuBackend").mode());
    }
}
