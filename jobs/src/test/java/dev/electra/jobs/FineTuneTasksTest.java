package dev.electra.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.electra.pipeline.errors.JobError;
import dev.electra.pipeline.eval.EncodedTask;
import dev.electra.pipeline.eval.Task;
import java.util.List;
import org.junit.jupiter.api.Test;

/** evaluate.fine-tune-tasks: which of the evaluated tasks are fine-tuned; the others are probed only. */
class FineTuneTasksTest {
    private static EncodedTask task(String name) {
        return new EncodedTask(name, Task.Kind.CLASSIFICATION, Task.Metric.ACCURACY, 2, List.of(), List.of(), null, 0);
    }

    private static final List<EncodedTask> SUPERVISED = List.of(task("sentiment"), task("acceptability"),
            task("genre"));

    @Test
    void emptyMeansEveryTask() {
        assertEquals(SUPERVISED, EvaluateJob.fineTuned(SUPERVISED, List.of()));
    }

    @Test
    void aSubsetInTheTasksOrder() {
        assertEquals(List.of("sentiment", "genre"), EvaluateJob.fineTuned(SUPERVISED, List.of("genre", "sentiment"))
                .stream().map(EncodedTask::name).toList());
    }

    @Test
    void aNameNotEvaluatedIsRefused() {
        JobError e = assertThrows(JobError.class, () -> EvaluateJob.fineTuned(SUPERVISED, List.of("sentimnet")));
        assertTrue(e.getMessage().contains("evaluate.fine-tune-tasks names sentimnet")
                && e.getMessage().contains("[sentiment, acceptability, genre]"), e.getMessage());
    }
}
