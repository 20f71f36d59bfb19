/**
 * Checkpoints: flat float32 arrays in NumPy's .npy format plus a JSON state with checksums, written atomically
 * through a small {@link dev.electra.pipeline.checkpoint.Storage} interface (local here, Hadoop in the jobs module).
 * No Java serialization of anything read from disk.
 */
package dev.electra.pipeline.checkpoint;
