/**
 * Training arithmetic that the model does not own: AdamW with decoupled weight decay, the warmup-then-linear-decay
 * schedule and global-norm clipping, all over one flat parameter vector (what workers exchange).
 */
package dev.electra.pipeline.train;
