/**
 * The hand-written forward and backward pass that training, evaluation and fine-tuning run: the function the
 * graph ({@link dev.electra.pipeline.model.graph}) defines, each objective's loss computed as training computes it
 * ({@link dev.electra.pipeline.model.pass.DirectPass}), over encoders of
 * {@link dev.electra.pipeline.model.pass.TransformerBlock}s, made of the calls in
 * {@link dev.electra.pipeline.model.kernels}. It exists because SameDiff's differentiation of the graph runs thousands
 * of small calls where this runs a few hundred large ones in a reused workspace (3–6× the tokens/s on CPU,
 * docs/benchmarks.md); it reads the same placeholders and returns its outputs under the graph's names, so the tests
 * hold its losses, outputs and gradients to the graph's and to central differences.
 *
 * <p>Rows are tokens: hidden states [B·L, H] (row b·L + t), the heads at the chosen slots [B·N, H] → logits
 * [B·N, V], the discriminator's logits [B, L], attention probabilities [B, heads, L, L].
 */
package dev.electra.pipeline.model.pass;
