package dev.electra.pipeline.errors;

/**
 * A failure whose message alone tells the user what went wrong, which file or setting it concerns and what to do:
 * the command line prints it as it is, as one line, however deep inside Spark's wrappers it was thrown.
 */
public class JobError extends RuntimeException {
    public JobError(String message) {
        super(message);
    }

    public JobError(String message, Throwable cause) {
        super(message, cause);
    }
}
