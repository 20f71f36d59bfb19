package dev.electra.pipeline.model;

import static dev.electra.pipeline.model.graph.GraphNames.CHOSEN;
import static dev.electra.pipeline.model.graph.GraphNames.OUT_DISCRIMINATOR_LOGITS;
import static dev.electra.pipeline.model.graph.GraphNames.OUT_DISCRIMINATOR_TOKEN_LOSS;
import static dev.electra.pipeline.model.graph.GraphNames.OUT_GENERATOR_SLOT_CORRECT;
import static dev.electra.pipeline.model.graph.GraphNames.OUT_GENERATOR_SLOT_LOSS;
import static dev.electra.pipeline.model.graph.GraphNames.OUT_MAIN_CORRECT;
import static dev.electra.pipeline.model.graph.GraphNames.OUT_MAIN_LOSS;
import static dev.electra.pipeline.model.graph.GraphNames.OUT_REPLACED;
import static dev.electra.pipeline.model.graph.GraphNames.OUT_SAMPLED_IDS;
import static dev.electra.pipeline.model.graph.GraphNames.SLOT_WEIGHTS;
import static dev.electra.pipeline.model.graph.GraphNames.TOKEN_MASK;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Reads a pass's outputs (the graph's or the hand-written pass's, under the graph's names) into a
 * {@link ForwardResult}: the loss terms and their sum, and the per-network means the metrics report. Each loss is
 * computed once, by the pass that computed the step; the means here only average its per-token or per-slot values
 * over the positions the objective's loss covers.
 */
final class Outputs {
    private Outputs() {}

    static ForwardResult forward(Objective objective, List<String> lossNames, Map<String, INDArray> out,
                                 Map<String, INDArray> ph) {
        Map<String, Double> terms = new LinkedHashMap<>();
        double total = 0;
        for (String name : lossNames) {
            double value = out.get(name).getDouble(0);
            terms.put(name, value);
            total += value;
        }
        INDArray slotWeights = ph.get(SLOT_WEIGHTS).reshape(-1);
        double genLoss = Double.NaN;
        double genAccuracy = Double.NaN;
        INDArray sampled = null;
        INDArray replaced = null;
        if (objective.hasGenerator()) {
            genLoss = weightedMean(out.get(OUT_GENERATOR_SLOT_LOSS), slotWeights);
            genAccuracy = weightedMean(out.get(OUT_GENERATOR_SLOT_CORRECT), slotWeights);
            sampled = out.get(OUT_SAMPLED_IDS).reshape(ph.get(SLOT_WEIGHTS).shape()).dup();
            replaced = out.get(OUT_REPLACED).dup();
        }
        double discLoss = Double.NaN;
        INDArray discProbabilities = null;
        INDArray discLogits = null;
        if (objective.hasDiscriminator()) {
            INDArray logits = out.get(OUT_DISCRIMINATOR_LOGITS);
            discLogits = logits.dup();
            INDArray tokens = objective == Objective.ELECTRA_15 ? ph.get(CHOSEN) : ph.get(TOKEN_MASK);
            discLoss = weightedMean(out.get(OUT_DISCRIMINATOR_TOKEN_LOSS), tokens);
            discProbabilities = Transforms.sigmoid(logits, true);
        }
        double mainLoss = Double.NaN;
        double mainAccuracy = Double.NaN;
        if (!objective.hasDiscriminator()) {
            INDArray w = objective == Objective.ALL_TOKENS_MLM ? ph.get(TOKEN_MASK).reshape(-1) : slotWeights;
            mainLoss = weightedMean(out.get(OUT_MAIN_LOSS), w);
            if (objective != Objective.ALL_TOKENS_MLM) {
                mainAccuracy = weightedMean(out.get(OUT_MAIN_CORRECT), w);
            }
        }
        return new ForwardResult(objective, total, Collections.unmodifiableMap(terms), genLoss, genAccuracy,
                discLoss, mainLoss, mainAccuracy, discProbabilities, discLogits, replaced, ph.get(TOKEN_MASK),
                ph.get(CHOSEN), sampled);
    }

    /** Σ w·v / Σ w in double; NaN when no weight is non-zero. */
    private static double weightedMean(INDArray values, INDArray weights) {
        INDArray v = values.castTo(DataType.DOUBLE).reshape(-1);
        INDArray w = weights.castTo(DataType.DOUBLE).reshape(-1);
        double sw = w.sumNumber().doubleValue();
        return sw == 0 ? Double.NaN : v.mul(w).sumNumber().doubleValue() / sw;
    }
}
