package dev.electra.pipeline.eval;

import java.util.ArrayDeque;
import java.util.Deque;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A multinomial logistic regression with an L2 penalty, fit by L-BFGS on standardized features: the frozen-feature
 * probes' classifier. It minimises the objective of Spark MLlib's {@code LogisticRegression} with
 * {@code family = multinomial}, {@code elasticNetParam = 0} and {@code standardization = true},
 *
 * <pre>  (1/n) Σᵢ [log Σ_c exp(zᵢ_c) − zᵢ_yᵢ] + (l2 / 2) ‖W‖²,   z = ((x − μ) / σ)·W + b</pre>
 *
 * (features scaled by their standard deviation, the intercepts b not penalised; centring changes only b), which the
 * jobs' tests hold it to. It runs on the caller's thread, each evaluation of the objective two matrix products:
 * MLlib's runs every L-BFGS iteration as a Spark job, and with a probe's hundreds of iterations per penalty that
 * overhead, not the arithmetic, was most of an evaluation (docs/benchmarks.md).
 */
public final class SoftmaxRegression {
    /** Past gradient pairs L-BFGS keeps (MLlib's default). */
    private static final int MEMORY = 10;
    /** Relative decrease of the objective per iteration under which the fit stops (MLlib's default tolerance). */
    private static final double TOLERANCE = 1e-6;
    /** Iterations over which that decrease is measured, as Breeze's L-BFGS (under MLlib) measures it. */
    private static final int WINDOW = 10;

    private final INDArray mean;
    private final INDArray scale;
    /** [d + 1, K]: W on standardized features, then b. */
    private final INDArray parameters;

    private SoftmaxRegression(INDArray mean, INDArray scale, INDArray parameters) {
        this.mean = mean;
        this.scale = scale;
        this.parameters = parameters;
    }

    /**
     * Fits the model.
     *
     * @param x             features [n][d]
     * @param y             each row's class in [0, classes)
     * @param l2            the penalty on the standardized weights (MLlib's {@code regParam})
     * @param maxIterations L-BFGS iterations at most (MLlib's {@code maxIter})
     */
    public static SoftmaxRegression fit(float[][] x, int[] y, int classes, double l2, int maxIterations) {
        if (x.length == 0 || x.length != y.length) {
            throw new IllegalArgumentException("need as many labels as feature rows (and at least one), got "
                    + x.length + " rows and " + y.length + " labels");
        }
        if (!(l2 >= 0)) {
            throw new IllegalArgumentException("the L2 penalty must be non-negative, got " + l2);
        }
        try (MemoryWorkspace none = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray raw = Nd4j.createFromArray(x).castTo(DataType.DOUBLE);
            INDArray mean = raw.mean(0);
            // MLlib's (unbiased) standard deviation; a constant feature is left unscaled, its weight stays 0
            INDArray std = raw.std(true, 0);
            INDArray scale = Transforms.max(std, 1e-300).rdivi(1.0).muli(std.gt(0).castTo(DataType.DOUBLE));
            Objective f = new Objective(standardize(raw, mean, scale), y, classes, l2);
            INDArray w = Nd4j.zeros(DataType.DOUBLE, x[0].length + 1, classes);
            lbfgs(f, w, maxIterations);
            return new SoftmaxRegression(mean, scale, w);
        }
    }

    /** The most probable class of each row (the first of ties). */
    public int[] predict(float[][] x) {
        try (MemoryWorkspace none = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray z = logits(standardize(Nd4j.createFromArray(x).castTo(DataType.DOUBLE), mean, scale),
                    parameters);
            return Nd4j.argMax(z, 1).toIntVector();
        }
    }

    /** The value of the objective at the fitted parameters, for the tests. */
    double objective(float[][] x, int[] y, int classes, double l2) {
        INDArray xs = standardize(Nd4j.createFromArray(x).castTo(DataType.DOUBLE), mean, scale);
        return new Objective(xs, y, classes, l2).value(parameters, null);
    }

    private static INDArray standardize(INDArray raw, INDArray mean, INDArray scale) {
        return raw.subRowVector(mean).muliRowVector(scale);
    }

    private static INDArray logits(INDArray xs, INDArray w) {
        long d = xs.columns();
        INDArray weights = w.get(NDArrayIndex.interval(0, d),
                NDArrayIndex.all());
        return xs.mmul(weights).addiRowVector(w.getRow(d));
    }

    private static final WorkspaceConfiguration WORKSPACE = WorkspaceConfiguration.builder()
            .policyAllocation(AllocationPolicy.STRICT).policyLearning(LearningPolicy.FIRST_LOOP)
            .policySpill(SpillPolicy.REALLOCATE).build();
    private static final String WORKSPACE_ID = "electra-softmax-regression";
    private static final String LOOP_ID = "electra-softmax-regression-lbfgs";

    /** The penalised mean cross-entropy and its gradient, over standardized features with a column for b. */
    static final class Objective {
        private final INDArray xs;
        private final INDArray oneHot;
        private final double l2;
        private final int n;

        Objective(INDArray xs, int[] y, int classes, double l2) {
            this.xs = xs;
            this.n = y.length;
            this.l2 = l2;
            this.oneHot = Nd4j.zeros(DataType.DOUBLE, n, classes);
            for (int i = 0; i < n; i++) {
                if (y[i] < 0 || y[i] >= classes) {
                    throw new IllegalArgumentException("label " + y[i] + " of row " + i + " is outside [0, " + classes
                            + ")");
                }
                oneHot.putScalar(i, y[i], 1.0);
            }
        }

        /**
         * f(w); when {@code gradient} is not null, ∇f(w) is written into it. The [n, K] temporaries live in a
         * workspace reused from call to call: allocated afresh, a probe's hundreds of calls left gigabytes of native
         * garbage for the collector (peak resident memory of an evaluation rose by 2.4 GB).
         */
        double value(INDArray w, INDArray gradient) {
            try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE, WORKSPACE_ID)) {
                return valueIn(w, gradient);
            }
        }

        private double valueIn(INDArray w, INDArray gradient) {
            long d = xs.columns();
            INDArray z = logits(xs, w);
            // log-sum-exp per row, shifted by the row's maximum
            INDArray max = z.max(1);
            INDArray shifted = z.subColumnVector(max.reshape(n, 1));
            INDArray exp = Transforms.exp(shifted, true);
            INDArray sum = exp.sum(1);
            double logSumExp = Transforms.log(sum, true).sumNumber().doubleValue();
            double picked = shifted.mul(oneHot).sumNumber().doubleValue();
            INDArray weights = w.get(NDArrayIndex.interval(0, d),
                    NDArrayIndex.all());
            double penalty = weights.norm2Number().doubleValue();
            double loss = (logSumExp - picked) / n + 0.5 * l2 * penalty * penalty;
            if (gradient != null) {
                INDArray residual = exp.diviColumnVector(sum.reshape(n, 1)).subi(oneHot).divi(n);
                gradient.get(NDArrayIndex.interval(0, d),
                        NDArrayIndex.all())
                        .assign(xs.transpose().mmul(residual).addi(weights.mul(l2)));
                gradient.getRow(d).assign(residual.sum(0));
            }
            return loss;
        }
    }

    /**
     * Minimises {@code f} from {@code w} (updated in place): L-BFGS with the two-loop recursion and a backtracking
     * line search on the Armijo condition; a pair whose curvature is not positive is not kept. Stops after
     * {@code maxIterations}, or when the last {@link #WINDOW} iterations lowered f by less than {@link #TOLERANCE}
     * relative to f each, on average.
     */
    static void lbfgs(Objective f, INDArray w, int maxIterations) {
        INDArray g = Nd4j.zerosLike(w);
        double value = f.value(w, g);
        Deque<INDArray[]> pairs = new ArrayDeque<>();
        INDArray gNew = Nd4j.zerosLike(w);
        Deque<Double> history = new ArrayDeque<>(java.util.List.of(value));
        for (int iteration = 0; iteration < maxIterations; iteration++) {
            // the iteration's temporaries in a reused workspace; the kept pairs are detached from it
            try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE, LOOP_ID)) {
                INDArray direction = direction(g, pairs);
                double slope = direction.mul(g).sumNumber().doubleValue();
                if (!(slope < 0)) {
                    // not a descent direction (numerical trouble): restart from steepest descent
                    pairs.clear();
                    direction = g.neg();
                    slope = -g.mul(g).sumNumber().doubleValue();
                }
                if (slope == 0) {
                    return;
                }
                double step = pairs.isEmpty() ? Math.min(1.0, 1.0 / Math.sqrt(-slope)) : 1.0;
                INDArray candidate = null;
                double next = Double.NaN;
                for (int tries = 0; tries < 40; tries++) {
                    candidate = w.add(direction.mul(step));
                    next = f.value(candidate, gNew);
                    if (next <= value + 1e-4 * step * slope) {
                        break;
                    }
                    step *= 0.5;
                    candidate = null;
                }
                if (candidate == null) {
                    return;
                }
                INDArray s = candidate.sub(w).detach();
                INDArray yv = gNew.sub(g).detach();
                if (s.mul(yv).sumNumber().doubleValue() > 1e-12) {
                    pairs.addLast(new INDArray[] {s, yv});
                    if (pairs.size() > MEMORY) {
                        pairs.removeFirst();
                    }
                }
                w.assign(candidate);
                g.assign(gNew);
                value = next;
                // converged when the last WINDOW iterations together lowered f by less than the tolerance: one
                // short step (a badly scaled first direction) is not the end
                history.addLast(value);
                if (history.size() > WINDOW) {
                    double then = history.removeFirst();
                    if (then - value <= TOLERANCE * WINDOW * Math.max(Math.abs(value), 1.0)) {
                        return;
                    }
                }
            }
        }
    }

    /** −H·g by the two-loop recursion over the kept pairs (oldest first in {@code pairs}). */
    private static INDArray direction(INDArray g, Deque<INDArray[]> pairs) {
        INDArray q = g.dup();
        int m = pairs.size();
        double[] alpha = new double[m];
        double[] rho = new double[m];
        INDArray[][] kept = pairs.toArray(new INDArray[0][]);
        for (int i = m - 1; i >= 0; i--) {
            rho[i] = 1.0 / kept[i][0].mul(kept[i][1]).sumNumber().doubleValue();
            alpha[i] = rho[i] * kept[i][0].mul(q).sumNumber().doubleValue();
            q.subi(kept[i][1].mul(alpha[i]));
        }
        if (m > 0) {
            INDArray s = kept[m - 1][0];
            INDArray y = kept[m - 1][1];
            q.muli(s.mul(y).sumNumber().doubleValue() / y.mul(y).sumNumber().doubleValue());
        }
        for (int i = 0; i < m; i++) {
            double beta = rho[i] * kept[i][1].mul(q).sumNumber().doubleValue();
            q.addi(kept[i][0].mul(alpha[i] - beta));
        }
        return q.negi();
    }
}
