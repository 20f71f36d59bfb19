package dev.electra.pipeline.train;

/** Training stopped because a loss became NaN or infinite; the parameters of the step before are kept. */
public final class NonFiniteLossException extends RuntimeException {
    private final long step;

    public NonFiniteLossException(long step, String detail) {
        super("loss is not finite at step " + step + " (" + detail + "); training stopped, the last good "
                + "checkpoint is kept. Lower pretrain.learning-rate or check the data of this step.");
        this.step = step;
    }

    public long step() {
        return step;
    }
}
