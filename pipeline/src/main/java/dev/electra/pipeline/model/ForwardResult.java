package dev.electra.pipeline.model;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Loss terms and metric outputs of one batch. Means are NaN where the objective has no such network or the
 * batch has no token to average over.
 *
 * @param objective                  the objective the model was built for
 * @param totalLoss                  the optimised loss: the sum of {@code lossTerms}
 * @param lossTerms                  each terminal loss variable's value, weights applied (e.g. disc-weight × mean CE)
 * @param generatorLoss              generator MLM cross-entropy, mean over the chosen positions (no gen-weight)
 * @param generatorAccuracy          share of chosen positions where the generator's argmax is the original token
 * @param discriminatorLoss          discriminator sigmoid cross-entropy (no disc-weight), mean over the tokens its
 *                                   loss covers: all non-padding tokens ({@code electra}) or the chosen ones
 *                                   ({@code electra-15})
 * @param mainLoss                   loss of the main encoder of mlm / replace-mlm (mean over chosen positions) or
 *                                   all-tokens-mlm (mean −log p over non-padding tokens)
 * @param mainAccuracy               argmax accuracy of the main encoder at the chosen positions (mlm, replace-mlm)
 * @param discriminatorProbabilities [B, L] P(replaced) per token, or null without a discriminator
 * @param discriminatorLogits        [B, L] the discriminator's logits (before the sigmoid), or null without one
 * @param replaced                   [B, L] 1 where the token was chosen and the sample differs from the original
 *                                   (the discriminator's label), or null without a generator
 * @param attentionMask              [B, L] 1 for real tokens
 * @param chosen                     [B, L] 1 at the chosen positions
 * @param sampledIds                 [B, N] the generator's samples per slot, or null without a generator
 */
public record ForwardResult(Objective objective, double totalLoss, Map<String, Double> lossTerms,
                            double generatorLoss, double generatorAccuracy, double discriminatorLoss,
                            double mainLoss, double mainAccuracy, INDArray discriminatorProbabilities,
                            INDArray discriminatorLogits, INDArray replaced, INDArray attentionMask, INDArray chosen, INDArray sampledIds) {
}
