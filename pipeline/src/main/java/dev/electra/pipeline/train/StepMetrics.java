package dev.electra.pipeline.train;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one optimizer step measured. The discriminator's accuracy, precision, recall and AUC are over all non-padding
 * tokens of the batch (label: replaced), its loss over the tokens its objective's loss covers (the chosen ones for
 * electra-15); NaN where the objective has no such network.
 */
public record StepMetrics(long step, double learningRate, double totalLoss, Map<String, Double> lossTerms,
                          double generatorLoss, double generatorAccuracy, double discriminatorLoss,
                          double discriminatorAccuracy, double discriminatorPrecision, double discriminatorRecall,
                          double discriminatorAuc, double replacedShare, double mainLoss, double mainAccuracy,
                          double gradientNorm, long tokens, double seconds) implements Serializable {
    // The keys of a metric line ({@link #toMap}): the train-*.jsonl and eval-*.jsonl lines, and the held-out metrics
    // that _run.json and evaluation.json keep. Readers such as the ablation report use these names.
    public static final String STEP = "step";
    public static final String LEARNING_RATE = "lr";
    public static final String LOSS = "loss";
    public static final String GENERATOR_LOSS = "generator_loss";
    public static final String GENERATOR_ACCURACY = "generator_accuracy";
    public static final String DISCRIMINATOR_LOSS = "discriminator_loss";
    public static final String DISCRIMINATOR_ACCURACY = "discriminator_accuracy";
    public static final String DISCRIMINATOR_PRECISION = "discriminator_precision";
    public static final String DISCRIMINATOR_RECALL = "discriminator_recall";
    public static final String DISCRIMINATOR_AUC = "discriminator_auc";
    public static final String REPLACED_SHARE = "replaced_share";
    public static final String MAIN_LOSS = "main_loss";
    public static final String MAIN_ACCURACY = "main_accuracy";
    public static final String GRADIENT_NORM = "gradient_norm";
    public static final String TOKENS = "tokens";
    public static final String SECONDS = "seconds";
    public static final String TOKENS_PER_SECOND = "tokens_per_second";
    /**
     * Not written here: pretrain adds it to a round's training line, the local steps its {@link #TOKENS} were spread
     * over (the line of a round is the mean of its steps, tokens summed).
     */
    public static final String ROUND_STEPS = "round_steps";
    /**
     * Not written here: pretrain adds it to a round's training line, the bytes of the arrays the driver sent that
     * round (parameters, each moment pair, the data positions; each once, whatever the number of executors).
     */
    public static final String BROADCAST_BYTES = "broadcast_bytes";
    /**
     * Not written here: pretrain adds it to a round's training line, the bytes of the arrays all workers sent back
     * that round (each one's payload in distributed.payload precision and its moments in float32).
     */
    public static final String RETURN_BYTES = "return_bytes";

    /** The same metrics with another duration. */
    public StepMetrics withSeconds(double newSeconds) {
        return new StepMetrics(step, learningRate, totalLoss, lossTerms, generatorLoss, generatorAccuracy,
                discriminatorLoss, discriminatorAccuracy, discriminatorPrecision, discriminatorRecall, discriminatorAuc,
                replacedShare, mainLoss, mainAccuracy, gradientNorm, tokens, newSeconds);
    }

    /** Tokens per second of this step. */
    public double tokensPerSecond() {
        return seconds > 0 ? tokens / seconds : Double.NaN;
    }

    /** A flat map for a JSON line (NaN values left out, as JSON has no NaN). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(STEP, step);
        put(m, LEARNING_RATE, learningRate);
        put(m, LOSS, totalLoss);
        lossTerms.forEach((k, v) -> put(m, k, v));
        put(m, GENERATOR_LOSS, generatorLoss);
        put(m, GENERATOR_ACCURACY, generatorAccuracy);
        put(m, DISCRIMINATOR_LOSS, discriminatorLoss);
        put(m, DISCRIMINATOR_ACCURACY, discriminatorAccuracy);
        put(m, DISCRIMINATOR_PRECISION, discriminatorPrecision);
        put(m, DISCRIMINATOR_RECALL, discriminatorRecall);
        put(m, DISCRIMINATOR_AUC, discriminatorAuc);
        put(m, REPLACED_SHARE, replacedShare);
        put(m, MAIN_LOSS, mainLoss);
        put(m, MAIN_ACCURACY, mainAccuracy);
        put(m, GRADIENT_NORM, gradientNorm);
        m.put(TOKENS, tokens);
        put(m, SECONDS, seconds);
        put(m, TOKENS_PER_SECOND, tokensPerSecond());
        return m;
    }

    /**
     * Token-weighted means of several batches' metrics (held-out batches, or the workers and local steps of a
     * round), reported as step {@code step}; tokens and seconds are summed, the learning rate is the last one.
     */
    /** The losses and accuracies of the objective, for progress and held-out lines in the log. */
    public String summary() {
        StringBuilder sb = new StringBuilder(String.format("loss %.4f", totalLoss()));
        if (!Double.isNaN(generatorLoss())) {
            sb.append(String.format(", generator loss %.3f acc %.3f", generatorLoss(), generatorAccuracy()));
        }
        if (!Double.isNaN(discriminatorLoss())) {
            sb.append(String.format(", discriminator loss %.4f acc %.4f (all-original %.4f) auc %.3f",
                    discriminatorLoss(), discriminatorAccuracy(), 1 - replacedShare(), discriminatorAuc()));
        }
        if (!Double.isNaN(mainLoss())) {
            sb.append(String.format(", main loss %.3f acc %.3f", mainLoss(), mainAccuracy()));
        }
        return sb.toString();
    }

    public static StepMetrics mean(List<StepMetrics> all, long step) {
        if (all.isEmpty()) {
            throw new IllegalArgumentException("no metrics to average");
        }
        double w = 0;
        double[] s = new double[12];
        Map<String, Double> terms = new LinkedHashMap<>();
        long tokens = 0;
        double seconds = 0;
        for (StepMetrics m : all) {
            double t = m.tokens();
            w += t;
            double[] v = {m.totalLoss(), m.generatorLoss(), m.generatorAccuracy(), m.discriminatorLoss(),
                m.discriminatorAccuracy(), m.discriminatorPrecision(), m.discriminatorRecall(),
                m.discriminatorAuc(), m.replacedShare(), m.mainLoss(), m.mainAccuracy(), m.gradientNorm()};
            for (int i = 0; i < v.length; i++) {
                s[i] += t * v[i];
            }
            m.lossTerms().forEach((k, x) -> terms.merge(k, t * x, Double::sum));
            tokens += m.tokens();
            seconds += m.seconds();
        }
        double total = w;
        terms.replaceAll((k, x) -> x / total);
        return new StepMetrics(step, all.get(all.size() - 1).learningRate(), s[0] / w, terms, s[1] / w, s[2] / w,
                s[3] / w, s[4] / w, s[5] / w, s[6] / w, s[7] / w, s[8] / w, s[9] / w, s[10] / w, s[11] / w, tokens,
                seconds);
    }

    private static void put(Map<String, Object> m, String key, double value) {
        if (!Double.isNaN(value) && !Double.isInfinite(value)) {
            m.put(key, value);
        }
    }
}
