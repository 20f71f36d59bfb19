package dev.electra.pipeline.model;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Central-difference gradient check over every element of every parameter: numeric (f(θ+ε) − f(θ−ε)) / 2ε of the
 * total loss against the analytic gradient. An element passes when its relative error |a − n| / max(|a|, |n|) is at
 * most {@code maxRelativeError}, or when |a − n| is at most {@code floorPerLoss} × max(1, |f|): for tiny gradients
 * the rounding error of the difference quotient, δf/ε with δf ≈ 1e-16·|f| accumulated over the graph's ops,
 * dominates the relative error. The reported maximum relative error is taken
 * over elements whose gradient exceeds {@link #REPORTED_MAGNITUDE}, whether or not the floor let them pass.
 */
final class GradientChecker {
    record Result(double maxRelativeError, String worstParameter, long worstIndex, double worstAnalytic,
                  double worstNumeric, double maxAbsoluteError, double absoluteFloor, long checked,
                  long failures) {
        boolean passed() {
            return failures == 0;
        }
    }

    static final double REPORTED_MAGNITUDE = 1e-3;

    private GradientChecker() {}

    static Result check(ElectraModel model, Map<String, INDArray> placeholders, Map<String, INDArray> analytic,
                        double eps, double maxRelativeError, double floorPerLoss) {
        double absoluteFloor = floorPerLoss * Math.max(1.0, Math.abs(model.totalLoss(placeholders)));
        double maxRel = 0;
        String worst = "";
        long worstIndex = -1;
        double worstA = 0;
        double worstN = 0;
        double maxAbs = 0;
        long checked = 0;
        long failures = 0;
        for (ParameterSpec p : model.parameters()) {
            INDArray param = model.parameter(p.name());
            INDArray grad = analytic.get(p.name()).reshape(-1);
            INDArray flat = param.reshape(-1);
            for (long i = 0; i < p.length(); i++) {
                double original = flat.getDouble(i);
                flat.putScalar(i, original + eps);
                double plus = model.totalLoss(placeholders);
                flat.putScalar(i, original - eps);
                double minus = model.totalLoss(placeholders);
                flat.putScalar(i, original);
                double numeric = (plus - minus) / (2 * eps);
                double a = grad.getDouble(i);
                double abs = Math.abs(a - numeric);
                double scale = Math.max(Math.abs(a), Math.abs(numeric));
                double rel = scale == 0 ? 0 : abs / scale;
                checked++;
                maxAbs = Math.max(maxAbs, abs);
                boolean ok = abs <= absoluteFloor || rel <= maxRelativeError;
                if (!ok) {
                    failures++;
                }
                if ((scale > REPORTED_MAGNITUDE || !ok) && rel > maxRel) {
                    maxRel = rel;
                    worst = p.name();
                    worstIndex = i;
                    worstA = a;
                    worstN = numeric;
                }
            }
        }
        return new Result(maxRel, worst, worstIndex, worstA, worstN, maxAbs, absoluteFloor, checked, failures);
    }
}
