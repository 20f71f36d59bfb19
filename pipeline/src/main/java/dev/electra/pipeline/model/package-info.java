/**
 * ELECTRA's networks and objectives as one SameDiff graph: {@link dev.electra.pipeline.model.ModelConfig} (sizes,
 * the generator's derived from the discriminator's), {@link dev.electra.pipeline.model.Objective} (electra,
 * electra-15, replace-mlm, all-tokens-mlm, mlm), and {@link dev.electra.pipeline.model.ElectraModel}, which builds
 * the graph, feeds a {@link dev.electra.pipeline.model.ModelInput}, and returns losses, metric outputs and
 * gradients without applying them. Parameters are exposed as a list of named arrays and as one flat vector for
 * the optimizer and parameter averaging. The graph defines the function; {@code DirectPass} computes it (forward
 * and a hand-written backward pass, of {@link dev.electra.pipeline.model.TransformerBlock}s and the heads, with
 * {@code Kernels}: fused Vector API kernels or ND4J's calls) for training, evaluation and fine-tuning, held by the tests to the graph's own
 * differentiation and to central differences.
 *
 * <p>Shapes are written with B (batch), L (sequence length), N (chosen slots per sequence), V (vocabulary),
 * E (embedding) and H (hidden). The rules the graph obeys (terminal weighted loss ops, one trainable gather) and
 * why sampling and dropout noise are placeholders are explained on {@link dev.electra.pipeline.model.ElectraModel}.
 */
package dev.electra.pipeline.model;
