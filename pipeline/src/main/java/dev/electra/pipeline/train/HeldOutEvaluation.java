package dev.electra.pipeline.train;

import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.masking.Masker;
import dev.electra.pipeline.model.ElectraModel;
import dev.electra.pipeline.model.ForwardResult;
import dev.electra.pipeline.model.ModelInput;
import dev.electra.pipeline.packing.PackedExample;
import dev.electra.pipeline.seeds.Seeds;
import java.util.ArrayList;
import java.util.List;

/**
 * A run's held-out evaluation: the mean metrics over up to {@code pretrain.eval-batches} batches of its held-out
 * examples, masked and sampled as training masks (seeded by batch index, so every evaluation of a run sees the same
 * masks and samples), without dropout and without an optimizer (a trainer would hold four parameter-sized arrays it
 * never uses).
 */
public final class HeldOutEvaluation {
    private final ElectraModel model;
    private final Masker masker;
    private final long seed;
    private final List<PackedExample> examples;
    private final int batchSize;
    private final int batches;

    public HeldOutEvaluation(ElectraModel model, Masker masker, long seed, List<PackedExample> examples,
                             int batchSize, int batches) {
        this.model = model;
        this.masker = masker;
        this.seed = seed;
        this.examples = List.copyOf(examples);
        this.batchSize = batchSize;
        this.batches = batches;
    }

    /** The evaluation of a pretraining run of {@code config} on {@code model} (whose parameters it sets). */
    public static HeldOutEvaluation of(ElectraConfig config, ElectraModel model, Pretraining.SpecialIds ids,
                                       List<PackedExample> examples) {
        return new HeldOutEvaluation(model, Pretraining.masker(config, model, ids), config.seed(), examples,
                config.pretrain().batchSize(), config.pretrain().evalBatches());
    }

    /** The mean metrics of {@code params} as of {@code step}; null when nothing is held out or evaluated. */
    public StepMetrics evaluate(float[] params, long step) {
        if (examples.isEmpty() || batches == 0) {
            return null;
        }
        model.setFlatParameters(params);
        List<StepMetrics> all = new ArrayList<>();
        for (int b = 0; b < batches && b * batchSize < examples.size(); b++) {
            List<PackedExample> slice = examples.subList(b * batchSize, Math.min(examples.size(),
                    (b + 1) * batchSize));
            all.add(batch(slice, -1L - b));
        }
        return StepMetrics.mean(all, step);
    }

    /** One batch's loss and metrics, {@code step} seeding its masks and samples. */
    private StepMetrics batch(List<PackedExample> slice, long step) {
        long start = System.nanoTime();
        ModelInput in = Trainer.input(masker, seed, slice, step, 0);
        ForwardResult out = model.forward(model.placeholders(in, Seeds.step(seed, step), 0, false));
        return Trainer.metrics(step, Double.NaN, out, Double.NaN, Trainer.tokens(in),
                (System.nanoTime() - start) / 1e9);
    }
}
