package dev.electra.pipeline.eval;

import dev.electra.pipeline.metrics.ClassificationMetrics;
import dev.electra.pipeline.metrics.RegressionMetrics;
import dev.electra.pipeline.model.ElectraModel;
import dev.electra.pipeline.model.KernelMode;
import dev.electra.pipeline.model.ModelConfig;
import dev.electra.pipeline.model.NativeMemory;
import dev.electra.pipeline.model.Objective;
import dev.electra.pipeline.model.ParameterNames;
import dev.electra.pipeline.model.ParameterSpec;
import dev.electra.pipeline.seeds.Seeds;
import dev.electra.pipeline.train.AdamW;
import dev.electra.pipeline.train.LearningRateSchedule;
import dev.electra.pipeline.train.Update;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Fine-tunes a pretrained encoder with a classification head (a one-output regression head for a regression task)
 * on one task and one seed, as ELECTRA's GLUE
 * fine-tuning: AdamW with linear warmup and decay, dropout on, a fixed number of epochs; then scores dev and test.
 * The seed initialises the head and orders the data; a run is a deterministic function of its inputs.
 */
public final class FineTuner {
    /**
     * Fine-tuning hyperparameters (conf: {@code evaluate.*}).
     *
     * @param layerwiseDecay each layer's learning rate is this factor times the rate of the layer above it (see
     *                       {@link #rateFactor}); 1 for one rate everywhere
     */
    public record Settings(int epochs, int batchSize, double learningRate, double warmupShare, AdamW.Settings adam,
                           double clipNorm, KernelMode kernels, double layerwiseDecay) implements Serializable {}

    /**
     * The factor of the learning rate of parameter {@code name} under layer-wise decay, as ELECTRA fine-tunes: the
     * classifier head at depth L + 1 (the full rate), transformer layer i at depth i + 1, the embeddings and their
     * projection at depth 0; factor = decay^(L + 1 − depth). (The reference implementation gives the head depth
     * L + 2, so its top layer gets decay² and no layer gets decay¹: google-research/electra#51; not copied.)
     */
    public static double rateFactor(String name, int layers, double decay) {
        int depth;
        java.util.OptionalInt layer = ParameterNames.layerOf(name);
        if (ParameterNames.isClassifier(name)) {
            depth = layers + 1;
        } else if (layer.isPresent()) {
            depth = layer.getAsInt() + 1;
        } else if (ParameterNames.isEmbedding(name)) {
            depth = 0;
        } else {
            throw new IllegalArgumentException("parameter " + name + " has no place in layer-wise decay");
        }
        return Math.pow(decay, layers + 1 - depth);
    }

    /** Per element of the flat parameter vector, its learning-rate factor. */
    static float[] rateScale(List<ParameterSpec> specs, int layers, double decay) {
        int n = 0;
        for (ParameterSpec p : specs) {
            n += (int) p.length();
        }
        float[] scale = new float[n];
        for (ParameterSpec p : specs) {
            Arrays.fill(scale, (int) p.offset(), (int) (p.offset() + p.length()), (float) rateFactor(p.name(), layers,
                    decay));
        }
        return scale;
    }

    /**
     * One (task, seed) run. {@code trainLoss} and {@code trainFit} hold one value per epoch over that epoch's
     * batches, dropout on: the mean loss, and the accuracy (classification) or Pearson's r (regression) of the
     * predictions; {@code majorityShare} is the share of the most frequent training label (NaN for regression) and
     * {@code testClassesPredicted} the number of distinct labels predicted on test (for regression: distinct
     * predictions at a resolution of 1% of the gold scores' standard deviation): a run whose training accuracy stays
     * at the majority share and that predicts one class has not left the initial plateau (the head learned only the
     * label prior, or a regressor only the mean score). {@code testCompanion} is GLUE's second number for the task:
     * the test accuracy beside F1 (MRPC, QQP), Pearson beside Spearman (STS-B) and the reverse, else the accuracy.
     */
    public record Result(String task, int seed, Task.Metric metric, double dev, double test, int trainExamples,
                         double seconds, double[] trainLoss, double[] trainFit, double majorityShare,
                         int testClassesPredicted, double testCompanion) implements Serializable {

        /** True when the classifier predicts a single label for every test example. */
        public boolean collapsed() {
            return testClassesPredicted <= 1;
        }
    }

    private FineTuner() {}

    public static Result run(ModelConfig modelConfig, Objective pretrained, float[] params, List<ParameterSpec> specs,
                             EncodedTask task, Settings s, int seed) {
        long start = System.nanoTime();
        ElectraModel model = ElectraModel.classifier(modelConfig, pretrained, task.labelCount(), DataType.FLOAT,
                Seeds.child(seed, Seeds.CLASSIFIER_INIT)).useKernels(KernelMode.resolve(s.kernels()).mode());
        model.loadMatching(params, specs);
        int[][] x = task.ids(Task.Split.TRAIN);
        double[] y = task.gold(Task.Split.TRAIN);
        int batches = (x.length + s.batchSize() - 1) / s.batchSize();
        long total = (long) batches * s.epochs();
        LearningRateSchedule schedule = new LearningRateSchedule(s.learningRate(),
                Math.round(total * s.warmupShare()), total);
        AdamW adam = new AdamW(s.adam(), model.weightDecayMask(), rateScale(model.parameters(), modelConfig.layers(),
                s.layerwiseDecay()));
        long step = 0;
        // reused from step to step (see ElectraModel#flatten)
        float[] parameters = new float[Math.toIntExact(model.parameterCount())];
        float[] gradient = new float[parameters.length];
        double[] trainLoss = new double[s.epochs()];
        double[] trainFit = new double[s.epochs()];
        double[] fitted = new double[x.length];
        for (int epoch = 0; epoch < s.epochs(); epoch++) {
            double lossSum = 0;
            int[] order = permutation(x.length, new SplittableRandom(Seeds.child(seed, epoch)));
            for (int b = 0; b < batches; b++) {
                int[] rows = Arrays.copyOfRange(order, b * s.batchSize(), Math.min(x.length, (b + 1) * s.batchSize()));
                Map<String, INDArray> ph = placeholders(model, task, x, y, rows,
                        Seeds.child(seed, Seeds.FINE_TUNING_STEPS + step), true);
                ElectraModel.ClassifierStep r = model.classifierGradients(ph);
                lossSum += r.loss() * rows.length;
                double[] batchPredicted = predictions(model, r.logits());
                for (int i = 0; i < rows.length; i++) {
                    fitted[rows[i]] = batchPredicted[i];
                }
                long at = step;
                Update.Divergence diverged = norm -> new IllegalStateException("fine-tuning " + task.name()
                        + " (seed " + seed + ") diverged at step " + at + ": loss " + r.loss() + ", gradient norm "
                        + norm + "; lower evaluate.learning-rate");
                if (!Double.isFinite(r.loss())) {
                    throw diverged.at(Double.NaN);
                }
                Update.apply(model, r.gradients(), gradient, parameters, adam, schedule.at(step), s.clipNorm(),
                        diverged);
                model.setFlatParameters(parameters);
                NativeMemory.release(ph.values());
                step++;
            }
            trainLoss[epoch] = lossSum / x.length;
            trainFit[epoch] = score(task.regression() ? Task.Metric.PEARSON : Task.Metric.ACCURACY, task.labelCount(),
                    y, fitted);
        }
        double dev = score(task, Task.Split.DEV, predict(model, task, task.ids(Task.Split.DEV), s.batchSize()));
        double[] testPredicted = predict(model, task, task.ids(Task.Split.TEST), s.batchSize());
        double[] testGold = task.gold(Task.Split.TEST);
        double test = score(task, Task.Split.TEST, testPredicted);
        return new Result(task.name(), seed, task.metric(), dev, test, x.length, (System.nanoTime() - start) / 1e9,
                trainLoss, trainFit, task.regression() ? Double.NaN
                : majorityShare(task.labels(Task.Split.TRAIN), task.labelCount()),
                distinctPredictions(task.regression(), testGold, testPredicted),
                score(companion(task.metric()), task.labelCount(), testGold, testPredicted));
    }

    /** GLUE's second number beside a task's metric (see {@link Result}). */
    public static Task.Metric companion(Task.Metric metric) {
        return switch (metric) {
            case SPEARMAN -> Task.Metric.PEARSON;
            case PEARSON -> Task.Metric.SPEARMAN;
            default -> Task.Metric.ACCURACY;
        };
    }

    /** Labels predicted, or a regressor's distinct predictions at 1% of the gold scores' standard deviation. */
    static int distinctPredictions(boolean regression, double[] gold, double[] predicted) {
        if (!regression) {
            return (int) Arrays.stream(predicted).distinct().count();
        }
        double resolution = 0.01 * ClassificationMetrics.Spread.of(gold).std();
        return (int) Arrays.stream(predicted).map(p -> resolution > 0 ? Math.round(p / resolution) : p).distinct()
                .count();
    }

    static double majorityShare(int[] labels, int labelCount) {
        int[] counts = new int[labelCount];
        for (int label : labels) {
            counts[label]++;
        }
        return labels.length == 0 ? 0 : (double) Arrays.stream(counts).max().orElse(0) / labels.length;
    }

    /** The task's metric of {@code predicted} on one split. */
    public static double score(EncodedTask task, Task.Split split, double[] predicted) {
        return score(task.metric(), task.labelCount(), task.gold(split), predicted);
    }

    /**
     * {@code metric} of {@code predicted} against {@code gold}: label indices (as doubles) for the classification
     * metrics, scores for the regression ones.
     */
    public static double score(Task.Metric metric, int labelCount, double[] gold, double[] predicted) {
        return switch (metric) {
            case MCC -> ClassificationMetrics.matthews(labels(gold), labels(predicted), labelCount);
            case F1 -> ClassificationMetrics.f1(labels(gold), labels(predicted), 1);
            case ACCURACY -> ClassificationMetrics.accuracy(labels(gold), labels(predicted));
            case PEARSON -> RegressionMetrics.pearson(gold, predicted);
            case SPEARMAN -> RegressionMetrics.spearman(gold, predicted);
        };
    }

    private static int[] labels(double[] x) {
        return Arrays.stream(x).mapToInt(v -> (int) v).toArray();
    }

    /** Per row of a head's output [B, C]: the best label, or a regressor's value. */
    private static double[] predictions(ElectraModel model, INDArray logits) {
        return model.regression() ? logits.reshape(-1).toDoubleVector()
                : Arrays.stream(logits.argMax(1).toIntVector()).asDoubleStream().toArray();
    }

    static double[] predict(ElectraModel model, EncodedTask task, int[][] x, int batchSize) {
        double[] out = new double[x.length];
        for (int from = 0; from < x.length; from += batchSize) {
            int[] rows = new int[Math.min(batchSize, x.length - from)];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = from + i;
            }
            double[] predicted = predictions(model, model.classify(placeholders(model, task, x, null, rows, 0,
                    false)));
            System.arraycopy(predicted, 0, out, from, rows.length);
        }
        return out;
    }

    /**
     * Rows of {@code x} padded to the longest of them, with their segment ids and, when {@code y} is given, their
     * targets: label indices for a classifier, scores for a regressor.
     */
    static Map<String, INDArray> placeholders(ElectraModel model, EncodedTask task, int[][] x, double[] y, int[] rows,
                                              long seed, boolean training) {
        int length = 0;
        for (int r : rows) {
            length = Math.max(length, x[r].length);
        }
        int[][] ids = new int[rows.length][length];
        int[][] segments = new int[rows.length][length];
        int[] lengths = new int[rows.length];
        double[] targets = y == null ? null : new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(x[rows[i]], 0, ids[i], 0, x[rows[i]].length);
            int[] s = task.segments(x[rows[i]]);
            System.arraycopy(s, 0, segments[i], 0, s.length);
            lengths[i] = x[rows[i]].length;
            if (targets != null) {
                targets[i] = y[rows[i]];
            }
        }
        if (model.regression()) {
            float[] values = null;
            if (targets != null) {
                values = new float[targets.length];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) targets[i];
                }
            }
            return model.regressionPlaceholders(ids, segments, lengths, values, seed, 0, training);
        }
        return model.classifierPlaceholders(ids, segments, lengths, targets == null ? null : labels(targets), seed, 0,
                training);
    }

    private static int[] permutation(int n, SplittableRandom r) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
