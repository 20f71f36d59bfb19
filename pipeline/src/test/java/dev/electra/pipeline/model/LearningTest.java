package dev.electra.pipeline.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.electra.pipeline.seeds.Seeds;
import dev.electra.pipeline.train.AdamW;
import dev.electra.pipeline.train.Update;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** 150 Adam steps on one repeated tiny batch (new sampling noise each step) clearly lower the loss. */
class LearningTest {
    static final int STEPS = 150;
    /**
     * At 1e-2 Adam oscillates on a repeated batch, and whether All-Tokens MLM halved its loss in 100 steps depended
     * on the processor's float rounding (3.62 → 2.03 on an AMD EPYC, the same code passing elsewhere). At 2e-3 over
     * 150 steps every objective ends below 3% of where it started, far from the test's line at half.
     */
    static final double LEARNING_RATE = 2e-3;

    @ParameterizedTest
    @EnumSource(Objective.class)
    void lossFallsOnARepeatedBatch(Objective objective) {
        ElectraModel model = ElectraModel.build(TinyData.config(0.0, 0.02), objective, LossWeights.paper(),
                SamplingConfig.paper(), DataType.FLOAT, 31);
        float[] params = new float[Math.toIntExact(model.parameterCount())];
        float[] gradient = new float[params.length];
        // the update every training step ends with, without weight decay or clipping: plain Adam
        AdamW adam = new AdamW(new AdamW.Settings(0.9, 0.999, 1e-8, 0), new boolean[params.length]);
        double first = 0;
        double last = 0;
        for (int step = 1; step <= STEPS; step++) {
            Map<String, INDArray> ph = model.placeholders(TinyData.batch(), Seeds.step(31, step), 0, true);
            StepResult r = model.gradients(ph);
            Update.apply(model, r.gradients(), gradient, params, adam, LEARNING_RATE, Double.POSITIVE_INFINITY,
                    norm -> new IllegalStateException("gradient norm " + norm));
            model.setFlatParameters(params);
            if (step <= 5) {
                first += r.outputs().totalLoss() / 5;
            } else if (step > STEPS - 5) {
                last += r.outputs().totalLoss() / 5;
            }
        }
        System.out.printf("%-15s loss over the first 5 steps %.4f, last 5 steps %.4f%n", objective, first, last);
        assertTrue(last < 0.5 * first, objective + ": " + first + " -> " + last);
    }
}
