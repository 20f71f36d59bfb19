/**
 * The model as the rest of the code uses it: {@link dev.electra.pipeline.model.ElectraModel} builds ELECTRA's
 * networks and the loss of an {@link dev.electra.pipeline.model.Objective} (electra, electra-15, replace-mlm,
 * all-tokens-mlm, mlm) or a fine-tuning classifier, feeds a {@link dev.electra.pipeline.model.ModelInput}, and
 * returns losses, metric outputs ({@link dev.electra.pipeline.model.ForwardResult},
 * {@link dev.electra.pipeline.model.StepResult}) and gradients without applying them; its parameters are a list of
 * named arrays ({@link dev.electra.pipeline.model.ParameterSpec}) and one flat vector for the optimizer and parameter
 * averaging. The configuration it is built from ({@link dev.electra.pipeline.model.ModelConfig}, the generator's
 * sizes derived from the discriminator's; {@link dev.electra.pipeline.model.LossWeights},
 * {@link dev.electra.pipeline.model.SamplingConfig}) and how it computes
 * ({@link dev.electra.pipeline.model.KernelMode}) live here too. The jobs and the training, evaluation and export code
 * import this package only; the block benchmark also times {@code pass.TransformerBlock} alone.
 *
 * <p>Behind the façade, one package a role:
 * <ul>
 *   <li>{@link dev.electra.pipeline.model.graph}: the SameDiff graph, the definition of the function and the
 *       reference its hand-written pass is tested against ({@code model.kernels = graph} trains with it);</li>
 *   <li>{@link dev.electra.pipeline.model.pass}: the hand-written forward and backward pass of the same function,
 *       what training, evaluation and fine-tuning run;</li>
 *   <li>{@link dev.electra.pipeline.model.kernels}: the array calls the pass is made of, fused Vector API kernels or
 *       ND4J's calls, and the one place that touches ND4J memory through host views;</li>
 *   <li>{@link dev.electra.pipeline.model.noise}: dropout masks and sampling noise as counter-based streams, and
 *       Gumbel-max sampling.</li>
 * </ul>
 *
 * <p>Shapes are written with B (batch), L (sequence length), N (chosen slots per sequence), V (vocabulary),
 * E (embedding) and H (hidden): a batch's ids [B, L], hidden states [B·L, H], the generator's logits at the slots
 * [B·N, V]. The rules the graph obeys (terminal weighted loss ops, no gather on a trainable table) are explained on
 * {@link dev.electra.pipeline.model.graph.GraphBuilder}, why sampling and dropout noise are placeholders on
 * {@code Placeholders}. The sub-packages never import the façade ({@code ModelPackagesTest}; {@code bin/import-circles} lists
 * the import circles of the compiled classes).
 */
package dev.electra.pipeline.model;
