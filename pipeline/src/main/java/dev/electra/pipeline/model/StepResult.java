package dev.electra.pipeline.model;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Outputs of one batch and the gradient of its total loss, not yet applied.
 *
 * @param outputs   losses and metric outputs of the same pass
 * @param gradients gradient per parameter name, in {@link ElectraModel#parameters()} order; lay them out flat
 *                  with {@link ElectraModel#flatten(Map)}
 */
public record StepResult(ForwardResult outputs, Map<String, INDArray> gradients) {
}
