/**
 * Evaluation of pretrained encoders: the task file format ({@link dev.electra.pipeline.eval.Task}), fine-tuning a
 * classification head over the discriminator ({@link dev.electra.pipeline.eval.FineTuner}) and the zero-shot
 * minimal-pair test ({@link dev.electra.pipeline.eval.MinimalPairs}), and the record evaluate writes as
 * evaluation.json and the report reads back ({@link dev.electra.pipeline.eval.Evaluation}). Plain Java and ND4J; the
 * evaluate job spreads the fine-tuning runs over Spark tasks.
 */
package dev.electra.pipeline.eval;
