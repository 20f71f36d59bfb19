/**
 * Training that the model does not own: the step ({@link dev.electra.pipeline.train.Trainer}) and the update that
 * ends it and fine-tuning's steps ({@link dev.electra.pipeline.train.Update}), AdamW with decoupled weight decay,
 * the warmup-then-linear-decay schedule and global-norm clipping, all over one flat parameter vector (what workers
 * exchange); parameter averaging's rounds, the held-out selection, and where a run stands
 * ({@link dev.electra.pipeline.train.RunState}: fresh, resumed from a checkpoint, saved as one).
 */
package dev.electra.pipeline.train;
