package dev.electra.jobs;

import dev.electra.pipeline.eval.EncodedTask;
import dev.electra.pipeline.eval.Evaluation;
import dev.electra.pipeline.eval.FineTuner;
import dev.electra.pipeline.eval.FrozenFeatures;
import dev.electra.pipeline.eval.SoftmaxRegression;
import dev.electra.pipeline.eval.Task;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.apache.spark.ml.PredictionModel;
import org.apache.spark.ml.regression.LinearRegression;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Frozen-feature probes (SentEval's protocol): the encoder is not trained; a multinomial logistic regression with an
 * L2 penalty ({@link SoftmaxRegression}: MLlib's objective, L-BFGS, standardized features, on the driver; for a
 * regression task MLlib's ridge regression) is fit on each pooling of the training examples' last layer ([CLS] and
 * the token mean), the penalty chosen by the dev score
 * among {@code evaluate.probe-l2}, and the chosen one scored on test with a 95% bootstrap interval (1,000 resamples of
 * the test examples, fixed seed). A tagging task is probed per word (the last layer at its first sub-token), its
 * interval from resampling whole sentences, since the words of one sentence are not independent. Probes have no
 * plateau to leave, so they separate weak encoders that fine-tuning at small budgets leaves on the label prior.
 */
final class Probes {
    private static final int BOOTSTRAP = 1000;
    /** Iterations of the probes' solvers at most (MLlib's default for both, kept when the classifier moved). */
    private static final int MAX_ITERATIONS = 100;
    private static final StructType SCHEMA = new StructType().add("label", DataTypes.DoubleType)
            .add("features", SQLDataTypes.VectorType());

    private Probes() {}

    /**
     * A probe's examples: features [N][H], what each is scored against (a label index or a score) and its group (the
     * unit a bootstrap resamples).
     */
    record Data(float[][] x, double[] gold, int[] groups) {
        /** One example per group. */
        static Data of(float[][] x, double[] gold) {
            return new Data(x, gold, java.util.stream.IntStream.range(0, x.length).toArray());
        }

        static Data of(FrozenFeatures.Tokens t) {
            return new Data(t.features(), Arrays.stream(t.tags()).asDoubleStream().toArray(), t.sentence());
        }
    }

    /** Both poolings of one sentence-level task: {"cls": {...}, "mean": {...}}. */
    static Map<String, Evaluation.Probe> run(SparkSession spark, EncodedTask task, FrozenFeatures.Pooled train,
                                             FrozenFeatures.Pooled dev, FrozenFeatures.Pooled test, List<Double> l2,
                                             long seed) {
        Map<String, Evaluation.Probe> out = new LinkedHashMap<>();
        out.put("cls", probe(spark, task, Data.of(train.cls(), task.gold(Task.Split.TRAIN)),
                Data.of(dev.cls(), task.gold(Task.Split.DEV)), Data.of(test.cls(), task.gold(Task.Split.TEST)), l2,
                seed));
        out.put("mean", probe(spark, task, Data.of(train.mean(), task.gold(Task.Split.TRAIN)),
                Data.of(dev.mean(), task.gold(Task.Split.DEV)), Data.of(test.mean(), task.gold(Task.Split.TEST)), l2,
                seed));
        return out;
    }

    /** A tagging task, probed per word: {"token": {...}}. */
    static Map<String, Evaluation.Probe> runTagging(SparkSession spark, EncodedTask task, FrozenFeatures.Tokens train,
                                                    FrozenFeatures.Tokens dev, FrozenFeatures.Tokens test,
                                                    List<Double> l2, long seed) {
        Map<String, Evaluation.Probe> out = new LinkedHashMap<>();
        out.put("token", probe(spark, task, Data.of(train), Data.of(dev), Data.of(test), l2, seed));
        return out;
    }

    private static Evaluation.Probe probe(SparkSession spark, EncodedTask task, Data train, Data dev, Data test,
                                          List<Double> l2, long seed) {
        Dataset<Row> trainSet = task.regression() ? frame(spark, train.x(), train.gold()).cache() : null;
        int[] labels = task.regression() ? null : Arrays.stream(train.gold()).mapToInt(g -> (int) g).toArray();
        double bestDev = Double.NEGATIVE_INFINITY;
        double bestL2 = Double.NaN;
        Function<float[][], double[]> best = null;
        Map<String, Double> devByL2 = new LinkedHashMap<>();
        for (double penalty : l2) {
            Function<float[][], double[]> m = task.regression() ? ridge(trainSet, penalty)
                    : softmax(train.x(), labels, task.labelCount(), penalty);
            double d = score(task, dev.gold(), m.apply(dev.x()));
            devByL2.put(String.valueOf(penalty), d);
            if (d > bestDev) {
                bestDev = d;
                bestL2 = penalty;
                best = m;
            }
        }
        if (trainSet != null) {
            trainSet.unpersist();
        }
        double[] predicted = best.apply(test.x());
        double score = score(task, test.gold(), predicted);
        double[] interval = bootstrap(task, test.gold(), predicted, test.groups(), seed);
        return new Evaluation.Probe(task.metric().configName(), bestL2, bestDev, score, interval[0],
                interval[1], devByL2, train.x().length, test.x().length);
    }

    /** A classification probe: {@link SoftmaxRegression} on the driver's thread; predicts class indices. */
    private static Function<float[][], double[]> softmax(float[][] x, int[] labels, int classes, double penalty) {
        SoftmaxRegression m = SoftmaxRegression.fit(x, labels, classes, penalty, MAX_ITERATIONS);
        return rows -> Arrays.stream(m.predict(rows)).asDoubleStream().toArray();
    }

    /** A regression probe: MLlib's ridge regression (its normal equations: one pass over the data). */
    private static Function<float[][], double[]> ridge(Dataset<Row> train, double penalty) {
        PredictionModel<org.apache.spark.ml.linalg.Vector, ?> m = new LinearRegression().setRegParam(penalty)
                .setElasticNetParam(0).setMaxIter(MAX_ITERATIONS).setStandardization(true).fit(train);
        return rows -> predict(m, rows);
    }

    private static double score(EncodedTask task, double[] gold, double[] predicted) {
        return FineTuner.score(task.metric(), task.labelCount(), gold, predicted);
    }

    private static Dataset<Row> frame(SparkSession spark, float[][] x, double[] y) {
        List<Row> rows = new ArrayList<>(x.length);
        for (int i = 0; i < x.length; i++) {
            rows.add(RowFactory.create(y[i], vector(x[i])));
        }
        return spark.createDataFrame(rows, SCHEMA);
    }

    /** A label index, or a regression's value, per row. */
    private static double[] predict(PredictionModel<org.apache.spark.ml.linalg.Vector, ?> m, float[][] x) {
        // predict row by row on the driver: the features are small, and the order must be the examples' order
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = m.predict(vector(x[i]));
        }
        return out;
    }

    private static org.apache.spark.ml.linalg.Vector vector(float[] features) {
        double[] v = new double[features.length];
        for (int j = 0; j < v.length; j++) {
            v[j] = features[j];
        }
        return Vectors.dense(v);
    }

    /**
     * 2.5th and 97.5th percentiles of the task's metric over bootstrap resamples of the test examples' groups
     * ({@code groups[i]}: the group of example i).
     */
    static double[] bootstrap(EncodedTask task, double[] gold, double[] predicted, int[] groups, long seed) {
        Map<Integer, List<Integer>> members = new LinkedHashMap<>();
        for (int i = 0; i < groups.length; i++) {
            members.computeIfAbsent(groups[i], k -> new ArrayList<>()).add(i);
        }
        List<List<Integer>> units = List.copyOf(members.values());
        SplittableRandom r = new SplittableRandom(seed);
        double[] scores = new double[BOOTSTRAP];
        int n = units.size();
        for (int b = 0; b < BOOTSTRAP; b++) {
            List<Integer> drawn = new ArrayList<>(gold.length);
            for (int i = 0; i < n; i++) {
                drawn.addAll(units.get(r.nextInt(n)));
            }
            double[] g = new double[drawn.size()];
            double[] p = new double[drawn.size()];
            for (int i = 0; i < g.length; i++) {
                g[i] = gold[drawn.get(i)];
                p[i] = predicted[drawn.get(i)];
            }
            scores[b] = score(task, g, p);
        }
        Arrays.sort(scores);
        return new double[] {scores[(int) (0.025 * BOOTSTRAP)], scores[(int) (0.975 * BOOTSTRAP) - 1]};
    }
}
