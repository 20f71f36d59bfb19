package dev.electra.pipeline.model;

import dev.electra.pipeline.config.JobError;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Which ND4J backends training can run on. Training and fine-tuning run the hand-written pass, whose kernels
 * (fused Vector API kernels, {@code Loops}, the noise generator, parameter copies) read and write ND4J arrays through
 * host views. On the CPU backend that is the array itself; on a GPU backend ND4J would not learn of the host writes
 * and its device copies would stay stale, so a step would compute plausible-looking nonsense. Until every host write
 * is tagged for the device and a device path has been run and compared, any other backend is refused, loudly.
 */
public final class Backends {
    private Backends() {}

    /** Whether this JVM's ND4J backend is the CPU one. */
    public static boolean cpu() {
        return Nd4j.getEnvironment().isCPU();
    }

    /** The backend's name, for messages and {@code doctor}. */
    public static String name() {
        return Nd4j.getBackend().getClass().getSimpleName();
    }

    /** Refuses to train or fine-tune on a backend other than the CPU one (see the class comment). */
    public static void requireTrainable() {
        requireTrainable(cpu(), name());
    }

    static void requireTrainable(boolean cpu, String backend) {
        if (!cpu) {
            throw new JobError("ND4J's backend here is " + backend + ": training and fine-tuning write ND4J arrays "
                    + "through host views that a GPU backend does not see, so they would train on stale device "
                    + "copies. GPU workers are not supported yet; run the CPU build (the default jar, without -Pgpu)");
        }
    }
}
