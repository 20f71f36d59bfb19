package dev.electra.pipeline.model.noise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SamplingTest {
    static final double[] LOGITS = {1.0, 0.2, -0.5, 2.0, 0.0};
    static final int DRAWS = 20000;
    /** χ² critical value for 4 degrees of freedom at α = 0.001: a correct sampler fails 1 run in 1000 seeds. */
    static final double CHI2_CRITICAL_DF4 = 18.467;

    @Test
    void gumbelMaxFollowsTheSoftmaxAtTemperatureOne() {
        chiSquare(1.0);
    }

    @Test
    void gumbelMaxFollowsTheSoftmaxAtTemperatureHalf() {
        chiSquare(0.5);
    }

    /** χ² critical value for 3 degrees of freedom at α = 0.001. */
    static final double CHI2_CRITICAL_DF3 = 16.266;

    /**
     * With disallow-correct the original is never drawn and the other tokens follow the softmax renormalised without
     * it (the sampler must spread the original's mass in proportion, not give it to one token).
     */
    @Test
    void disallowCorrectNeverReturnsTheOriginalAndKeepsTheOthersProportions() {
        int original = 3;
        int[] counts = draw(1.0, original, 7);
        assertEquals(0, counts[original]);
        double z = 0;
        for (int i = 0; i < LOGITS.length; i++) {
            z += i == original ? 0 : Math.exp(LOGITS[i]);
        }
        double chi2 = 0;
        for (int i = 0; i < LOGITS.length; i++) {
            if (i != original) {
                double expected = DRAWS * Math.exp(LOGITS[i]) / z;
                chi2 += (counts[i] - expected) * (counts[i] - expected) / expected;
            }
        }
        System.out.printf("disallow-correct: counts %s, chi2 %.2f%n", java.util.Arrays.toString(counts), chi2);
        assertTrue(chi2 < CHI2_CRITICAL_DF3, "chi2 " + chi2);
    }

    private void chiSquare(double temperature) {
        int[] counts = draw(temperature, -1, 5);
        double[] p = new double[LOGITS.length];
        double z = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(LOGITS[i] / temperature);
            z += p[i];
        }
        double chi2 = 0;
        for (int i = 0; i < p.length; i++) {
            double expected = DRAWS * p[i] / z;
            chi2 += (counts[i] - expected) * (counts[i] - expected) / expected;
        }
        System.out.printf("temperature %.2f: counts %s, chi2 %.2f%n", temperature, java.util.Arrays.toString(counts),
                chi2);
        assertTrue(chi2 < CHI2_CRITICAL_DF4, "chi2 " + chi2);
    }

    /** DRAWS samples of the sampler graph on the fixed logits, noise from a seeded native generator. */
    private static int[] draw(double temperature, int disallowed, long seed) {
        int v = LOGITS.length;
        SameDiff sd = SameDiff.create();
        SDVariable logits = sd.placeHolder("logits", DataType.DOUBLE, -1, v);
        SDVariable uniform = sd.placeHolder("uniform", DataType.DOUBLE, -1, v);
        SDVariable forbid = disallowed >= 0 ? sd.placeHolder("forbid", DataType.DOUBLE, -1, v) : null;
        SDVariable sample = GumbelSampler.sample(sd, logits, uniform, forbid, temperature);
        INDArray l = Nd4j.createFromArray(LOGITS).reshape(1, v).repeat(0, DRAWS);
        INDArray u = Nd4j.createUninitialized(DataType.DOUBLE, DRAWS, v);
        Nd4j.rand(u, Nd4j.getRandomFactory().getNewRandomInstance(seed));
        Map<String, INDArray> ph = new java.util.HashMap<>(Map.of("logits", l, "uniform", u));
        if (forbid != null) {
            INDArray f = Nd4j.zeros(DataType.DOUBLE, DRAWS, v);
            f.getColumn(disallowed).assign(1.0);
            ph.put("forbid", f);
        }
        int[] ids = sd.output(ph, sample.name()).get(sample.name()).toIntVector();
        int[] counts = new int[v];
        for (int id : ids) {
            counts[id]++;
        }
        return counts;
    }
}
