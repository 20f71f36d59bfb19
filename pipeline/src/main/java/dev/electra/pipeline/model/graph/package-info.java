/**
 * ELECTRA as one SameDiff graph, the definition of the function every kernel mode computes:
 * {@link dev.electra.pipeline.model.graph.GraphBuilder} declares the placeholders, initialises the parameters and
 * builds the encoders, heads and terminal loss ops of an objective (or of a fine-tuning classifier),
 * {@link dev.electra.pipeline.model.graph.GraphRunner} executes and differentiates it, and
 * {@link dev.electra.pipeline.model.graph.GraphNames} names what goes in and comes out, the contract the model and
 * the hand-written pass share with it. The graph is kept although training computes the same function by hand
 * because its autodiff is the independent reference the hand-written backward pass is tested against.
 *
 * <p>Shapes: token rows [B·L, H] (E before the projection), slots [B·N, V] for the generator's logits, the slot
 * selection [B, N, L], attention [B, heads, L, L]; the rules the graph obeys are explained on
 * {@link dev.electra.pipeline.model.graph.GraphBuilder}. Nothing here reads the model's façade.
 */
package dev.electra.pipeline.model.graph;
