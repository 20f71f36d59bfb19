package dev.electra.pipeline.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.electra.pipeline.checkpoint.ParameterLayout;
import dev.electra.pipeline.checkpoint.TrainingState;
import dev.electra.pipeline.config.ConfigLoader;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.train.ParameterAveraging.DataPosition;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A pretrain run's start: fresh at step 0, or resumed from a checkpoint that must fit the configuration. */
class RunStateTest {
    private static final float[] PARAMS = {0.5f, -1f, 2f};

    private static ElectraConfig config(String... sets) {
        return ConfigLoader.load(List.of("tiny"), List.of(sets));
    }

    @Test
    void aFreshRunHasOneMomentSetPerWorkerOnlyWhenMomentsStayLocal() {
        float[][] zeros = {new float[3], new float[3]};
        RunState averaged = RunState.fresh(PARAMS, zeros, config("distributed.workers=3"));
        assertEquals(0, averaged.step());
        assertEquals(1, averaged.moments().size());
        assertEquals(List.of(new DataPosition(0, 0), new DataPosition(0, 0), new DataPosition(0, 0)),
                averaged.positions());
        RunState local = RunState.fresh(PARAMS, zeros, config("distributed.workers=3",
                "distributed.optimizer-state=local"));
        assertEquals(3, local.moments().size());
        local.moments().get(0)[0][1] = 7f;
        assertEquals(0f, local.moments().get(1)[0][1], "each worker's moments are its own arrays");
    }

    /** Saved and resumed, a state comes back whole: moments per worker split again, each worker's position. */
    @Test
    void aCheckpointResumesToTheSameState() {
        ElectraConfig config = config("distributed.workers=2", "distributed.optimizer-state=local");
        List<float[][]> moments = List.of(new float[][] {{1, 2, 3}, {4, 5, 6}}, new float[][] {{7, 8, 9}, {10, 11, 12}});
        List<DataPosition> positions = List.of(new DataPosition(1, 40), new DataPosition(0, 17));
        TrainingState saved = new RunState(120, PARAMS, moments, positions, new float[0]).checkpoint(config,
                ParameterLayout.UNRECORDED);
        assertArrayEquals(new float[] {1, 2, 3, 7, 8, 9}, saved.adamM());
        assertArrayEquals(new float[] {4, 5, 6, 10, 11, 12}, saved.adamV());
        RunState back = RunState.resume(saved, config, PARAMS.length);
        assertEquals(120, back.step());
        assertArrayEquals(PARAMS, back.params());
        assertEquals(positions, back.positions());
        for (int w = 0; w < 2; w++) {
            assertArrayEquals(moments.get(w)[0], back.moments().get(w)[0]);
            assertArrayEquals(moments.get(w)[1], back.moments().get(w)[1]);
        }
    }

    @Test
    void aCheckpointThatDoesNotFitTheConfigurationIsRefusedWithWhatDiffers() {
        ElectraConfig twoWorkers = config("distributed.workers=2");
        TrainingState saved = RunState.fresh(PARAMS, new float[][] {new float[3], new float[3]}, twoWorkers)
                .checkpoint(twoWorkers, ParameterLayout.UNRECORDED);
        assertRefused(saved, twoWorkers, 4, "has 3 parameters but this configuration builds 4");
        assertRefused(saved, config("distributed.workers=3"), 3, "written by a run of 2 workers");
        assertRefused(saved, config("distributed.workers=2", "distributed.optimizer-state=local"), 3,
                "holds 1 sets of optimizer moments");
        assertRefused(saved, config("distributed.workers=2", "seed=7"), 3, "trained with seed");
        assertEquals(2, RunState.resume(saved, twoWorkers, 3).positions().size());
    }

    /** A Nesterov run starts with a zero outer momentum and resumes with its own; a run without one is refused it. */
    @Test
    void theOuterMomentumComesBackAndMustFitTheOuterOptimizer() {
        ElectraConfig nesterov = config("distributed.outer-optimizer=nesterov");
        RunState fresh = RunState.fresh(PARAMS, new float[][] {new float[3], new float[3]}, nesterov);
        assertArrayEquals(new float[3], fresh.outerMomentum());
        assertEquals(0, RunState.fresh(PARAMS, new float[][] {new float[3], new float[3]}, config()).outerMomentum()
                .length);
        float[] momentum = {0.25f, -1f, 0f};
        TrainingState saved = new RunState(8, PARAMS, fresh.moments(), fresh.positions(), momentum)
                .checkpoint(nesterov, ParameterLayout.UNRECORDED);
        assertArrayEquals(momentum, RunState.resume(saved, nesterov, 3).outerMomentum());
        assertRefused(saved, config(), 3, "outer momentum of 3 values, distributed.outer-optimizer = average expects 0");
        TrainingState plain = RunState.fresh(PARAMS, new float[][] {new float[3], new float[3]}, config())
                .checkpoint(config(), ParameterLayout.UNRECORDED);
        assertRefused(plain, nesterov, 3, "outer momentum of 0 values, distributed.outer-optimizer = nesterov");
    }

    /** Moments averaged every 2 rounds of 4 steps: one set after steps 8 and 16, one per worker after 4 and 12. */
    @Test
    void momentSetsFollowTheAveragingPeriod() {
        ElectraConfig every2 = config("distributed.workers=3", "distributed.averaging-frequency=4",
                "distributed.optimizer-state-every=2");
        assertEquals(List.of(1, 3, 1, 3, 1, 3), java.util.stream.LongStream.of(0, 4, 8, 12, 16, 18)
                .mapToObj(step -> RunState.momentSets(every2, step)).toList(),
                "step 18 ends round 5 (the last, short one)");
        assertEquals(3, RunState.momentSets(config("distributed.workers=3", "distributed.optimizer-state=local"), 8));
        assertEquals(0, RunState.momentSets(config("distributed.workers=3", "pretrain.optimizer=sgd"), 8));
    }

    private static void assertRefused(TrainingState saved, ElectraConfig config, long parameters, String why) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RunState.resume(saved, config, parameters));
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }
}
