package dev.electra.pipeline.eval;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.electra.pipeline.metrics.ClassificationMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What {@code evaluate} writes as {@code evaluation.json}, and what the ablation report and {@code ablate} read back:
 * one list of fields for writer and readers. Keys are the fields in snake case; a field that does not apply is left
 * out (null here); fields this version does not know are ignored, so older files still read.
 *
 * @param model     the evaluated run or transformers directory (relative to the file when it sits inside or beside it)
 * @param step      the pretraining step of the checkpoint evaluated (null for a transformers directory)
 * @param intrinsic the run's last held-out pretraining metrics (null for a transformers directory)
 * @param scores    per task: fine-tuning over seeds, or a zero-shot score for minimal pairs
 * @param probes    per task: frozen-feature probes by pooling ({@code cls} and {@code mean}, or {@code token} for a
 *                  tagging task); null when evaluate.mode is finetune
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Evaluation(String model, String objective, Long step, Map<String, Object> intrinsic,
                        Map<String, TaskInfo> tasks, Map<String, TaskScore> scores,
                        Map<String, Map<String, Probe>> probes, Double wallSeconds) {
    public static final String FILE_NAME = "evaluation.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** A task as evaluated: its kind and metric, its labels, where it came from and the examples used. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record TaskInfo(String kind, String metric, List<String> labels, String source, int train, int test) { }

    /**
     * A task's score. Fine-tuned: the test and dev metric's mean, standard deviation and median over seeds, GLUE's
     * second number's test mean (accuracy beside F1, Spearman beside Pearson and the reverse; null for the other
     * metrics), every seed's run and how many of them stayed on the label prior; with several learning rates
     * (evaluate.learning-rate a list), all of that at the rate chosen on dev ({@code learningRate}) and each rate's
     * summary in {@code learningRates}. Zero-shot (minimal pairs): the accuracy as {@code testMean}, its binomial
     * standard error as {@code testStd} (named by {@code spread}), the number of pairs; or why it does not apply.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record TaskScore(String metric, Integer pairs, Double testMean, Double testStd, Double testMedian,
                            Double testAccuracyMean, Double testPearsonMean, Double testSpearmanMean, Double devMean,
                            Double devStd, Double devMedian, Double learningRate, List<RateTried> learningRates,
                            List<SeedRun> seeds, Integer collapsedSeeds, String spread, String notApplicable) {
        /**
         * A fine-tuned task's score from its runs at each learning rate ({@code runs.get(i)}: every seed at
         * {@code rates.get(i)}): the rate with the best mean dev score is chosen (the first listed on a tie), as BERT
         * chose its fine-tuning rate on dev; test plays no part in the choice.
         */
        public static TaskScore fineTuned(Task.Metric metric, List<Double> rates, List<List<FineTuner.Result>> runs) {
            if (rates.isEmpty() || rates.size() != runs.size() || runs.stream().anyMatch(List::isEmpty)) {
                throw new IllegalArgumentException("one non-empty list of runs per learning rate expected: "
                        + rates.size() + " rates, " + runs.size() + " lists");
            }
            int chosen = 0;
            List<RateTried> tried = new java.util.ArrayList<>();
            for (int i = 0; i < rates.size(); i++) {
                List<FineTuner.Result> r = runs.get(i);
                ClassificationMetrics.Spread dev = ClassificationMetrics.Spread.of(values(r, FineTuner.Result::dev));
                ClassificationMetrics.Spread test = ClassificationMetrics.Spread.of(values(r, FineTuner.Result::test));
                tried.add(new RateTried(rates.get(i), dev.mean(), dev.std(), test.mean(), test.std(),
                        (int) r.stream().filter(FineTuner.Result::collapsed).count()));
                if (dev.mean() > tried.get(chosen).devMean()) {
                    chosen = i;
                }
            }
            List<FineTuner.Result> mine = runs.get(chosen);
            double[] tests = values(mine, FineTuner.Result::test);
            double[] devs = values(mine, FineTuner.Result::dev);
            // GLUE reports MRPC and QQP as F1 and accuracy, STS-B as Pearson and Spearman, and its score averages
            // the two
            Task.Metric companion = FineTuner.companion(metric);
            Double second = metric == Task.Metric.F1 || metric.ofRegression()
                    ? ClassificationMetrics.Spread.of(values(mine, FineTuner.Result::testCompanion)).mean() : null;
            boolean grid = rates.size() > 1;
            return new TaskScore(metric.configName(), null, tried.get(chosen).testMean(), tried.get(chosen).testStd(),
                    ClassificationMetrics.median(tests), companion == Task.Metric.ACCURACY ? second : null,
                    companion == Task.Metric.PEARSON ? second : null, companion == Task.Metric.SPEARMAN ? second : null,
                    tried.get(chosen).devMean(), tried.get(chosen).devStd(), ClassificationMetrics.median(devs),
                    grid ? rates.get(chosen) : null, grid ? List.copyOf(tried) : null,
                    mine.stream().map(SeedRun::of).toList(), tried.get(chosen).collapsedSeeds(), null, null);
        }

        private static double[] values(List<FineTuner.Result> runs,
                                       java.util.function.ToDoubleFunction<FineTuner.Result> f) {
            return runs.stream().mapToDouble(f).toArray();
        }

        /** The minimal pairs' zero-shot accuracy over {@code pairs} pairs. */
        public static TaskScore zeroShot(int pairs, double accuracy) {
            return new TaskScore("accuracy", pairs, accuracy, Math.sqrt(accuracy * (1 - accuracy) / pairs), null,
                    null, null, null, null, null, null, null, null, null, null, "binomial standard error", null);
        }

        /** A zero-shot task the objective cannot score. */
        public static TaskScore notApplicable(int pairs, String why) {
            return new TaskScore("accuracy", pairs, null, null, null, null, null, null, null, null, null, null, null,
                    null, null, null, why);
        }

        /** GLUE's second number's test mean, whichever metric it is (NaN when the task has none). */
        public double companionMean() {
            return testAccuracyMean != null ? testAccuracyMean : testPearsonMean != null ? testPearsonMean
                    : testSpearmanMean != null ? testSpearmanMean : Double.NaN;
        }

        /** Whether the task was scored (a pairs task of an objective without a discriminator is not). */
        public boolean scored() {
            return testMean != null;
        }
    }

    /** One learning rate of a task's grid: its dev and test scores over the seeds and the seeds left on the prior. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record RateTried(double learningRate, double devMean, double devStd, double testMean, double testStd,
                            int collapsedSeeds) { }

    /**
     * One fine-tuning run: its scores, the test score of GLUE's second number under that metric's name, the training
     * curve per epoch and the plateau signs (a classifier's training accuracy, the majority label's share and the
     * labels it predicts on test; a regressor's training Pearson and distinct test predictions).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record SeedRun(long seed, double dev, double test, Double testAccuracy, Double testPearson,
                          Double testSpearman, double seconds, double[] trainLoss, double[] trainAccuracy,
                          double[] trainPearson, Double majorityShare, Integer testClassesPredicted,
                          Integer testDistinctPredictions) {
        public static SeedRun of(FineTuner.Result x) {
            boolean regression = x.metric().ofRegression();
            Task.Metric companion = FineTuner.companion(x.metric());
            return new SeedRun(x.seed(), x.dev(), x.test(),
                    companion == Task.Metric.ACCURACY ? x.testCompanion() : null,
                    companion == Task.Metric.PEARSON ? x.testCompanion() : null,
                    companion == Task.Metric.SPEARMAN ? x.testCompanion() : null, x.seconds(), x.trainLoss(),
                    regression ? null : x.trainFit(), regression ? x.trainFit() : null,
                    regression ? null : x.majorityShare(), regression ? null : x.testClassesPredicted(),
                    regression ? x.testClassesPredicted() : null);
        }
    }

    /**
     * One frozen-feature probe: the penalty chosen on dev among those tried ({@code devByL2}), its dev score, its test
     * score with a 95% bootstrap interval, and the examples it was fit and scored on.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Probe(String metric, double l2, double dev, double test, double testLow, double testHigh,
                        Map<String, Double> devByL2, int trainExamples, int testExamples) { }

    /** The same evaluation naming its model as given. */
    public Evaluation withModel(String recorded) {
        return new Evaluation(recorded, objective, step, intrinsic, tasks, scores, probes, wallSeconds);
    }

    /** The sentence task's mean-pooling probe or the tagging task's per-word probe (null when not probed). */
    public Probe mainProbe(String task) {
        Map<String, Probe> p = probes == null ? null : probes.get(task);
        return p == null ? null : p.containsKey("token") ? p.get("token") : p.get("mean");
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads an evaluation.json; a file that does not parse as one is reported with its path. */
    public static Evaluation read(Path file) {
        try {
            return JSON.readValue(Files.readAllBytes(file), Evaluation.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(file + " does not read as an evaluation: " + e.getOriginalMessage(),
                    e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
