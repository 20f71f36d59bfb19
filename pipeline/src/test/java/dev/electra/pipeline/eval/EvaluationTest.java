package dev.electra.pipeline.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * evaluation.json files written by the map-building evaluate that preceded this record (the 1,000-step ablation
     * committed on 2026-12-01).
     */
    private static final Path COMMITTED = Path.of("src/test/resources/evaluation-v1");

    @TempDir
    Path dir;

    @Test
    void filesWrittenBeforeTheRecordReadAndWriteBackToTheSameTree() throws IOException {
        // electra: fine-tuned tasks, zero-shot pairs, probes, intrinsic metrics; mlm: pairs not applicable;
        // random: a transformers directory (no step, no intrinsic metrics)
        for (String name : List.of("electra", "mlm", "random")) {
            Path file = COMMITTED.resolve(name + ".json");
            Evaluation e = Evaluation.read(file);
            assertEquals(JSON.readTree(file.toFile()), JSON.readTree(e.toJson()),
                    name + ": every key kept, none added");
        }
        Evaluation random = Evaluation.read(COMMITTED.resolve("random.json"));
        assertNull(random.step());
        assertTrue(Double.isNaN(random.scores().get("acceptability").companionMean()),
                "MCC has no GLUE second number");
        Evaluation mlm = Evaluation.read(COMMITTED.resolve("mlm.json"));
        assertFalse(mlm.scores().get("minimal-pairs").scored());
        assertTrue(mlm.scores().get("sentiment").scored());
        Evaluation.Probe pos = mlm.mainProbe("pos");
        assertEquals(JSON.readTree(COMMITTED.resolve("mlm.json").toFile()).path("probes").path("pos")
                .path("token").path("test").asDouble(), pos.test(), "a tagging task's probe is its per-word one");
        assertEquals(mlm.probes().get("sentiment").get("mean"), mlm.mainProbe("sentiment"),
                "a sentence task's is its mean pooling");
    }

    @Test
    void aRegressionTaskNamesItsSecondNumberAndPlateauSignsAsBefore() throws IOException {
        FineTuner.Result pearson = new FineTuner.Result("stsb", 1, Task.Metric.PEARSON, 0.5, 0.4, 100, 2.0,
                new double[] {1.0, 0.5}, new double[] {0.1, 0.3}, Double.NaN, 17, 0.35);
        FineTuner.Result f1 = new FineTuner.Result("mrpc", 2, Task.Metric.F1, 0.7, 0.6, 100, 2.0,
                new double[] {0.7}, new double[] {0.6}, 0.68, 2, 0.65);
        JsonNode regression = JSON.readTree(JSON.writeValueAsBytes(Evaluation.SeedRun.of(pearson)));
        assertEquals(0.35, regression.path("test_spearman").asDouble());
        assertEquals(0.3, regression.path("train_pearson").get(1).asDouble());
        assertEquals(17, regression.path("test_distinct_predictions").asInt());
        for (String absent : List.of("train_accuracy", "majority_share", "test_classes_predicted", "test_accuracy")) {
            assertFalse(regression.has(absent), absent + " does not apply to a regression: " + regression);
        }
        JsonNode classifier = JSON.readTree(JSON.writeValueAsBytes(Evaluation.SeedRun.of(f1)));
        assertEquals(0.65, classifier.path("test_accuracy").asDouble());
        assertEquals(0.68, classifier.path("majority_share").asDouble());
        assertEquals(2, classifier.path("test_classes_predicted").asInt());
        assertFalse(classifier.has("train_pearson"));
    }

    @Test
    void theRateWithTheBestMeanDevScoreIsReportedWithEveryRateTried() throws IOException {
        // rate 1e-3: dev 0.50 and 0.52 on the prior, test high by chance; 1e-4: the best dev mean; 3e-4: close behind
        List<Double> rates = List.of(1e-3, 1e-4, 3e-4);
        List<List<FineTuner.Result>> runs = List.of(
                List.of(run(1, 0.50, 0.90, 1), run(2, 0.52, 0.90, 1)),
                List.of(run(1, 0.70, 0.60, 2), run(2, 0.66, 0.64, 2)),
                List.of(run(1, 0.68, 0.70, 2), run(2, 0.67, 0.70, 2)));
        Evaluation.TaskScore s = Evaluation.TaskScore.fineTuned(Task.Metric.ACCURACY, rates, runs);
        assertEquals(1e-4, s.learningRate(), "chosen on dev; test plays no part");
        assertEquals(0.62, s.testMean(), 1e-12);
        assertEquals(0.68, s.devMean(), 1e-12);
        assertEquals(List.of(0.60, 0.64), s.seeds().stream().map(Evaluation.SeedRun::test).toList(),
                "the chosen rate's runs");
        assertEquals(0, s.collapsedSeeds());
        assertEquals(3, s.learningRates().size());
        assertEquals(0.90, s.learningRates().get(0).testMean(), 1e-12);
        assertEquals(2, s.learningRates().get(0).collapsedSeeds());
        JsonNode json = JSON.readTree(JSON.writeValueAsBytes(s));
        assertEquals(1e-4, json.path("learning_rate").asDouble());
        assertEquals(0.51, json.path("learning_rates").get(0).path("dev_mean").asDouble(), 1e-12);

        Evaluation.TaskScore tie = Evaluation.TaskScore.fineTuned(Task.Metric.ACCURACY, List.of(3e-4, 1e-4),
                List.of(List.of(run(1, 0.6, 0.5, 2)), List.of(run(1, 0.6, 0.7, 2))));
        assertEquals(3e-4, tie.learningRate(), "a tie goes to the first rate listed");

        Evaluation.TaskScore single = Evaluation.TaskScore.fineTuned(Task.Metric.ACCURACY, List.of(1e-4),
                List.of(List.of(run(1, 0.6, 0.5, 2))));
        assertNull(single.learningRate(), "one rate: nothing chosen, no grid written");
        assertNull(single.learningRates());
        assertThrows(IllegalArgumentException.class, () -> Evaluation.TaskScore.fineTuned(Task.Metric.ACCURACY,
                List.of(1e-4, 3e-4), List.of(List.of(run(1, 0.6, 0.5, 2)))));
    }

    private static FineTuner.Result run(int seed, double dev, double test, int classesPredicted) {
        return new FineTuner.Result("t", seed, Task.Metric.ACCURACY, dev, test, 100, 1.0, new double[] {0.7},
                new double[] {0.5}, 0.5, classesPredicted, test);
    }

    @Test
    void zeroShotScoresCarryTheirBinomialSpread() {
        Evaluation.TaskScore s = Evaluation.TaskScore.zeroShot(400, 0.75);
        assertEquals(Math.sqrt(0.75 * 0.25 / 400), s.testStd(), 1e-15);
        assertEquals("binomial standard error", s.spread());
        assertEquals(Map.of("metric", "accuracy", "pairs", 400, "not_applicable", "no discriminator"),
                JSON.convertValue(Evaluation.TaskScore.notApplicable(400, "no discriminator"), Map.class));
    }

    @Test
    void aFileThatIsNotAnEvaluationNamesItself() throws IOException {
        Path file = Files.writeString(dir.resolve("evaluation.json"), "{\"scores\": [1, 2]}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Evaluation.read(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }
}
