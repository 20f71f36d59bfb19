/**
 * The error a user reads: {@link dev.electra.pipeline.errors.JobError}, whose message alone says what went wrong and
 * what to do. A package of its own, below every other, so that the model, the data readers and the configuration can
 * all refuse bad input in the same way without depending on each other.
 */
package dev.electra.pipeline.errors;
