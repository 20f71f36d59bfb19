package dev.electra.pipeline.train;

import java.io.Serializable;

/**
 * ELECTRA's schedule (optimization.py): linear decay from the peak to 0 over all training steps, multiplied by a
 * linear warmup, lr(step) = peak × (1 − step / total) × min(1, step / warmup).
 */
public record LearningRateSchedule(double peak, long warmupSteps, long totalSteps) implements Serializable {
    public LearningRateSchedule {
        if (!(peak > 0)) {
            throw new IllegalArgumentException("learning rate must be positive, got " + peak);
        }
        if (totalSteps < 1 || warmupSteps < 0 || warmupSteps > totalSteps) {
            throw new IllegalArgumentException("need 0 <= warmup steps (" + warmupSteps + ") <= total steps ("
                    + totalSteps + ") and total >= 1");
        }
    }

    /** The learning rate used for update number {@code step} (0-based). */
    public double at(long step) {
        // 1. decay: linear from the peak at step 0 to zero at the last step
        double decayed = peak * (1.0 - (double) Math.min(step, totalSteps) / totalSteps);
        // 2. warmup: linear from zero over the first warmupSteps steps
        double warm = warmupSteps == 0 ? 1.0 : Math.min(1.0, (double) step / warmupSteps);
        double lr = decayed * warm;
        assert lr >= 0 && lr <= peak : "learning rate " + lr + " outside [0, " + peak + "]";
        return lr;
    }
}
