/**
 * The array calls the hand-written passes are made of, in two implementations of one function: ND4J's calls (the
 * reference, and the only path in double or off the CPU backend) and fused Java Vector API passes over ND4J's memory
 * ({@link dev.electra.pipeline.model.kernels.VectorKernels}, attention one (sequence, head) at a time in
 * {@link dev.electra.pipeline.model.kernels.VectorAttention}, matrix products in
 * {@link dev.electra.pipeline.model.kernels.VectorGemm}), chosen per call by
 * {@link dev.electra.pipeline.model.kernels.Kernels}. The fused passes exist because ND4J M2.1 spends several calls
 * and a fresh array per operator where one pass reads its inputs once (docs/benchmarks.md); they are tested against
 * ND4J's calls, and both against plain double loops. {@link dev.electra.pipeline.model.kernels.Profile} times them by
 * part of a step when a JVM asks for it ({@code bin/bench profile}).
 *
 * <p>This package owns every host view of ND4J memory: {@link dev.electra.pipeline.model.kernels.HostWrites} is the
 * one class that takes one (a test fails on any other), because on a GPU backend a write through a host view must be
 * tagged or the device reads a stale copy; the fused kernels take raw views only inside a pass that
 * {@code model.KernelMode} allowed them in, which is CPU-only
 * ({@link dev.electra.pipeline.model.kernels.Backends}). Rows are tokens or slots: activations [B·L, H], a dense
 * layer's {@code name/kernel} [in, out] and {@code name/bias} [out], attention probabilities [B, heads, L, L].
 */
package dev.electra.pipeline.model.kernels;
