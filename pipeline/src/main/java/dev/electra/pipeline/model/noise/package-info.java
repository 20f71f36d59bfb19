/**
 * The randomness of a step, as pure functions of their keys: the uniform noise behind the dropout masks and the
 * generator's sampling noise ({@link dev.electra.pipeline.model.noise.CounterNoise}, Threefry-2x32 in plain Java,
 * the definition; {@link dev.electra.pipeline.model.noise.UniformNoise}, the same bits with the Vector API for the
 * fused kernels), and Gumbel-max sampling from the generator's softmax over that noise
 * ({@link dev.electra.pipeline.model.noise.GumbelSampler}).
 *
 * <p>Element e of stream s under a row's key is a function of (key, s, e) alone, so an example draws the same noise
 * in any batch, on any worker and in any kernel mode, a re-run task reproduces its step, and a gradient check sees a
 * fixed function; the model feeds the noise to the graph and the passes as placeholders (sampling noise [B·N, V],
 * dropout masks [B·L, H] or [B, heads, L, L]) because SameDiff's in-graph random ops repeat and share their numbers.
 */
package dev.electra.pipeline.model.noise;
