package dev.electra.pipeline.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.electra.pipeline.config.ConfigLoader;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.model.ElectraModel;
import dev.electra.pipeline.model.ModelInput;
import dev.electra.pipeline.model.StepResult;
import dev.electra.pipeline.packing.PackedExample;
import dev.electra.pipeline.seeds.Seeds;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link Trainer#step} runs its placeholders and metrics in a workspace that the first step sizes and a longer batch
 * grows: a step after a shorter one must compute exactly what the model computes outside any workspace.
 */
class TrainerTest {
    private static final int VOCAB = 60;
    private static final int LENGTH = 32;
    private static final Pretraining.SpecialIds IDS = new Pretraining.SpecialIds(0, 2, 3, 4);

    private static ElectraConfig config() {
        return ConfigLoader.load(List.of("tiny"), List.of("model.embedding-size=16", "model.hidden-size=16",
                "model.ffn-size=32", "model.layers=1", "model.heads=2", "model.max-positions=" + LENGTH,
                "pretrain.batch-size=4", "pretrain.warmup-steps=0", "pretrain.steps=100"));
    }

    /** count examples of {@code length} tokens ([CLS] … [SEP]). */
    private static List<PackedExample> examples(int count, int length, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<PackedExample> out = new ArrayList<>();
        for (int e = 0; e < count; e++) {
            int[] ids = new int[length];
            ids[0] = IDS.cls();
            for (int t = 1; t < length - 1; t++) {
                ids[t] = r.nextInt(5, VOCAB);
            }
            ids[length - 1] = IDS.sep();
            out.add(new PackedExample(ids, new byte[length]));
        }
        return out;
    }

    @Test
    void aLongerBatchAfterAShorterOneMatchesTheModelOutsideTheWorkspace() {
        ElectraConfig config = config();
        ElectraModel model = Pretraining.model(config, VOCAB, LENGTH);
        Trainer trainer = Pretraining.trainer(config, model, IDS);
        ElectraModel reference = Pretraining.model(config, VOCAB, LENGTH);
        Trainer referenceTrainer = Pretraining.trainer(config, reference, IDS);

        trainer.step(examples(4, 12, 1), 0, 0);
        for (int step = 1; step < 4; step++) {
            // longer each step: the workspace sized by the step before is too small and must grow
            List<PackedExample> batch = examples(4, 12 + 6 * step, step + 1);
            reference.setFlatParameters(model.flatParameters());
            ModelInput in = referenceTrainer.input(batch, step, 0);
            StepResult expected = reference.gradients(reference.placeholders(in,
                    Seeds.step(config.seed(), step), 0, true));
            StepMetrics got = trainer.step(batch, step, 0);
            assertEquals(expected.outputs().totalLoss(), got.totalLoss(), 0.0, "step " + step);
            assertEquals(expected.outputs().lossTerms(), got.lossTerms(), "step " + step);
        }
        // and a shorter batch again, in the grown workspace
        List<PackedExample> shorter = examples(4, 10, 9);
        reference.setFlatParameters(model.flatParameters());
        StepResult expected = reference.gradients(reference.placeholders(referenceTrainer.input(shorter, 4, 0),
                Seeds.step(config.seed(), 4), 0, true));
        assertEquals(expected.outputs().totalLoss(), trainer.step(shorter, 4, 0).totalLoss(), 0.0);
    }
}
