package dev.electra.pipeline.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.electra.pipeline.config.JobError;
import org.junit.jupiter.api.Test;

class BackendsTest {
    @Test
    void theCpuBackendTrainsAndAnyOtherIsRefused() {
        assertTrue(Backends.cpu(), "the tests run ND4J's CPU backend: " + Backends.name());
        Backends.requireTrainable();
        Backends.requireTrainable(true, "CpuBackend");
        JobError e = assertThrows(JobError.class, () -> Backends.requireTrainable(false, "JCublasBackend"));
        assertTrue(e.getMessage().contains("JCublasBackend") && e.getMessage().contains("not supported yet")
                && e.getMessage().contains("without -Pgpu"), e.getMessage());
    }
}
