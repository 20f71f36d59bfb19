/**
 * The arithmetic of data-parallel training across workers, as pure functions over flat float vectors (what workers
 * exchange), Spark-free: the weighted sum the workers' results meet in
 * ({@link dev.electra.pipeline.distributed.PayloadSum}, associative, for a tree aggregation), what a worker sends back and in which precision
 * ({@link dev.electra.pipeline.distributed.WorkerPayload}, {@link dev.electra.pipeline.distributed.BFloat16}), and the
 * driver's outer step over the workers' mean ({@link dev.electra.pipeline.distributed.OuterOptimizer}: plain averaging,
 * or DiLoCo's Nesterov SGD over the averaged parameter change). The training loop that uses them is
 * {@code dev.electra.pipeline.train.AveragingRounds}; the Spark wiring is the jobs module's.
 */
package dev.electra.pipeline.distributed;
