package dev.electra.pipeline.report;

import static dev.electra.pipeline.report.AblationReport.display;

import dev.electra.pipeline.eval.GlueTasks;
import dev.electra.pipeline.report.AblationReport.ObjectiveResult;
import dev.electra.pipeline.report.AblationReport.Probe;
import dev.electra.pipeline.report.AblationReport.Score;
import dev.electra.pipeline.train.StepMetrics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The report's text as Markdown, one method per section in the order they appear: title, fine-tuning (table, the
 * label-prior note, the chosen rates, the verdict), frozen-feature probes (first instead when fine-tuning learned
 * nothing), intrinsic metrics, learning curves, the run.
 */
final class ReportMarkdown {
    private final AblationDescriptor ablation;
    private final List<ObjectiveResult> results;

    ReportMarkdown(AblationDescriptor ablation, List<ObjectiveResult> results) {
        this.ablation = ablation;
        this.results = results;
    }

    /** The whole report; {@code images} are the charts written beside it, by name. */
    String render(Map<String, Path> images) {
        List<String> tasks = tasks();
        StringBuilder md = new StringBuilder(title());
        // Lead with the measure that resolves something at this budget: when no pretrained objective's fine-tuned
        // classifier left the label prior, the probes come first.
        String probes = probeSection(images);
        boolean probesFirst = fineTuningOnThePriorOnly() && !probes.isEmpty();
        if (probesFirst) {
            md.append("No pretrained objective's fine-tuned classifier left the label prior at this budget (every "
                    + "fine-tuning cell of theirs below is marked †), so the frozen-feature probes come first.\n\n")
                    .append(probes).append("## Fine-tuning\n\n");
        }
        md.append(fineTuningIntro()).append(fineTuningTable(tasks)).append(labelPriorNote()).append(chosenRates(tasks))
                .append("\n").append(verdict(tasks)).append("\n\n");
        if (!probesFirst) {
            md.append(probes);
        }
        return md.append(intrinsic()).append(learningCurves(images)).append(run()).toString();
    }

    private String title() {
        return "# ELECTRA ablation: " + (ablation.title() == null ? "objectives at equal budget" : ablation.title())
                + "\n\n";
    }

    private String fineTuningIntro() {
        return String.format(Locale.ROOT, "Each objective pretrained for %s steps (global batch %s, seed %s) on %s,"
                        + " then fine-tuned on each task over %s seeds; test scores, mean ± standard deviation over "
                        + "seeds (accuracy; Matthews correlation where marked; zero-shot tasks: ± the binomial "
                        + "standard error). Best of each column in bold.%n%n",
                text(ablation.steps()), text(ablation.globalBatch()), text(ablation.seed()), text(ablation.data()),
                text(ablation.seeds()));
    }

    /**
     * Objectives × tasks, mean ± std with the best of each column in bold and label-prior cells marked †, then the
     * average (the GLUE score and the paper's beside it on GLUE tasks), training FLOPs and wall time.
     */
    private String fineTuningTable(List<String> tasks) {
        StringBuilder md = new StringBuilder("| objective |");
        for (String t : tasks) {
            md.append(' ').append(t).append(metricNote(t)).append(" |");
        }
        // The paper's GLUE averages sit only beside a GLUE score: an average over other tasks is another quantity.
        boolean glue = tasks.stream().filter(t -> scoredByFineTuning(t)).allMatch(GlueTasks.names()::contains)
                && tasks.stream().anyMatch(GlueTasks.names()::contains);
        md.append(glue ? " GLUE score (dev) | paper (Table 5, GLUE dev) |" : " average (fine-tuned) |")
                .append(" training FLOPs | wall time |\n|---|");
        md.append("---|".repeat(tasks.size() + (glue ? 4 : 3))).append('\n');
        Map<String, Double> best = new LinkedHashMap<>();
        // A score that is only the label prior (†) is never the best of its column.
        for (String t : tasks) {
            best.put(t, results.stream().map(r -> r.scores().get(t)).filter(s -> s != null && !s.collapsed())
                    .mapToDouble(Score::mean).max().orElse(Double.NaN));
        }
        double bestAverage = results.stream().filter(r -> r.scores().values().stream()
                .anyMatch(s -> s.seeds() > 0 && !s.collapsed())).mapToDouble(r -> average(r, tasks)).max()
                .orElse(Double.NaN);
        for (ObjectiveResult r : results) {
            md.append("| ").append(display(r.objective())).append(" |");
            for (String t : tasks) {
                Score s = r.scores().get(t);
                String cell = s == null ? "n/a" : String.format(Locale.ROOT, "%.3f ± %.3f", s.mean(), s.std());
                cell = s != null && !s.collapsed() && s.mean() == best.get(t) ? "**" + cell + "**" : cell;
                if (s != null && s.collapsedSeeds() > 0) {
                    cell += s.collapsed() ? " †" : " †" + s.collapsedSeeds() + "/" + s.seeds();
                }
                md.append(' ').append(cell).append(" |");
            }
            double avg = average(r, tasks);
            String avgCell = String.format(Locale.ROOT, "%.1f", avg);
            md.append(' ').append(avg == bestAverage ? "**" + avgCell + "**" : avgCell).append(" |");
            if (glue) {
                Double paper = AblationReport.PAPER_TABLE_5.get(r.objective());
                md.append(' ').append(paper == null ? "–" : String.format(Locale.ROOT, "%.1f", paper)).append(" |");
            }
            md.append(r.objective().equals(AblationReport.RANDOM) ? " – | – |\n"
                    : String.format(Locale.ROOT, " %.2e | %.0f s |%n", r.flopsPerStep() * r.steps(), r.wallSeconds()));
        }
        return md.toString();
    }

    /** What † means, when a cell carries it. */
    private String labelPriorNote() {
        if (results.stream().anyMatch(r -> r.scores().values().stream().anyMatch(x -> x.collapsedSeeds() > 0))) {
            return "\n† The fine-tuned classifier predicted a single label on every test example (in k of n seeds "
                    + "when marked †k/n): its training accuracy stayed at the share of the majority label, so the "
                    + "score is the label prior, not the encoder. Weakly pretrained encoders give [CLS] vectors that "
                    + "hardly vary between inputs, and fine-tuning then sits on a plateau for hundreds of steps "
                    + "(docs/evaluation.md).\n";
        }
        return "";
    }

    /** The tasks in order of first appearance. */
    List<String> tasks() {
        Set<String> tasks = new LinkedHashSet<>();
        for (ObjectiveResult r : results) {
            tasks.addAll(r.scores().keySet());
        }
        return List.copyOf(tasks);
    }

    /**
     * Mean of an objective's fine-tuned task scores (each on its own scale, ×100 as GLUE averages; an F1 task with its
     * accuracy, and STS-B's Spearman with its Pearson, count as the mean of the two, as the GLUE score does);
     * zero-shot tasks are left out, since only objectives with a discriminator take them.
     */
    static double average(ObjectiveResult r, List<String> tasks) {
        double sum = 0;
        int n = 0;
        for (String t : tasks) {
            Score s = r.scores().get(t);
            if (s != null && s.seeds() > 0) {
                sum += 100 * (Double.isNaN(s.companion()) ? s.mean() : (s.mean() + s.companion()) / 2);
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /**
     * The probes' table (test score and 95% bootstrap interval per task) and what the intervals say: which objectives
     * beat the never-pretrained encoder, and whether the best objective is ahead of the runner-up.
     */
    String probeSection(Map<String, Path> images) {
        List<String> tasks = new ArrayList<>();
        for (ObjectiveResult r : results) {
            r.probes().keySet().stream().filter(t -> !tasks.contains(t)).forEach(tasks::add);
        }
        if (tasks.isEmpty()) {
            return "";
        }
        StringBuilder md = new StringBuilder("## Frozen-feature probes\n\n").append(probeTable(tasks)).append('\n');
        ObjectiveResult random = byName(AblationReport.RANDOM);
        List<ObjectiveResult> pretrained = results.stream().filter(r -> !r.objective().equals(AblationReport.RANDOM))
                .toList();
        if (random != null) {
            md.append(beatsRandom(tasks, random, pretrained));
        }
        md.append(probeRankings(tasks, pretrained)).append(allTokensOrMasked(tasks));
        if (pretrained.size() == AblationReport.PAPER_TABLE_5.size()) {
            md.append("The paper's order (Table 5, GLUE dev, Base size at far more compute): ELECTRA > All-Tokens MLM "
                    + "> Replace MLM ≈ ELECTRA 15% > BERT (MLM).\n\n");
        }
        if (images.containsKey(ReportCharts.PROBE_CHART)) {
            md.append("![").append(ReportCharts.PROBE_CHART).append("](").append(ReportCharts.PROBE_CHART_FILE)
                    .append(")\n\n");
        }
        return md.toString();
    }

    /** What a probe is, then objectives × tasks: test score [95% interval]. */
    private String probeTable(List<String> tasks) {
        StringBuilder md = new StringBuilder("The encoder frozen; a logistic regression (its L2 penalty chosen on dev; "
                + "ridge regression for a regression task) on the mean of the last layer over each text's tokens, or for "
                + "a tagging task (pos) on each word's first sub-token; test score [95% bootstrap interval, tagging: "
                + "resampling sentences]. A probe has no plateau to leave, so it separates encoders that fine-tuning at "
                + "a small budget leaves on the label prior (docs/evaluation.md).\n\n| objective |");
        for (String t : tasks) {
            ObjectiveResult any = results.stream().filter(r -> r.probes().containsKey(t)).findFirst().orElseThrow();
            md.append(' ').append(t).append(" (").append(any.probes().get(t).metric()).append(") |");
        }
        md.append("\n|---|").append("---|".repeat(tasks.size())).append('\n');
        for (ObjectiveResult r : results) {
            md.append("| ").append(display(r.objective())).append(" |");
            for (String t : tasks) {
                Probe p = r.probes().get(t);
                md.append(' ').append(p == null ? "n/a" : String.format(Locale.ROOT, "%.3f [%.3f, %.3f]", p.test(),
                        p.low(), p.high())).append(" |");
            }
            md.append('\n');
        }
        return md.toString();
    }

    /** Per task, the pretrained objectives whose interval lies above the random row's. */
    private static String beatsRandom(List<String> tasks, ObjectiveResult random, List<ObjectiveResult> pretrained) {
        List<String> lines = new ArrayList<>();
        for (String t : tasks) {
            Probe floor = random.probes().get(t);
            if (floor == null) {
                continue;
            }
            List<String> above = pretrained.stream().filter(r -> r.probes().containsKey(t)
                    && r.probes().get(t).above(floor)).map(r -> display(r.objective())).toList();
            lines.add(t + ": " + (above.isEmpty() ? "no objective's interval lies above the random row's"
                    : String.join(", ", above) + " above the random row beyond the intervals"));
        }
        return "**Does pretraining beat the random row?** " + String.join("; ", lines) + ".\n\n";
    }

    /** Each task with two pretrained objectives or more, its rows ranked. */
    private String probeRankings(List<String> tasks, List<ObjectiveResult> pretrained) {
        List<String> lines = new ArrayList<>();
        for (String t : tasks) {
            if (pretrained.stream().filter(r -> r.probes().containsKey(t)).count() >= 2) {
                lines.add(t + ": " + ranking(t));
            }
        }
        return "**Do the objectives differ on the probes?** Each task's rows by score, `>` where the intervals "
                + "lie apart, `≈` where they overlap: " + (lines.isEmpty() ? "one objective only."
                : String.join("; ", lines) + ".") + "\n\n";
    }

    /** ELECTRA against ELECTRA 15% per task; empty unless both ran. */
    private String allTokensOrMasked(List<String> tasks) {
        ObjectiveResult electra = byName("electra");
        ObjectiveResult electra15 = byName("electra-15");
        if (electra == null || electra15 == null) {
            return "";
        }
        // the comparison the ablation exists for: the discriminator's loss over all tokens or the masked ones only
        List<String> versus = new ArrayList<>();
        for (String t : tasks) {
            Probe a = electra.probes().get(t);
            Probe b = electra15.probes().get(t);
            if (a != null && b != null) {
                versus.add(String.format(Locale.ROOT, "%s: ELECTRA %.3f vs ELECTRA 15%% %.3f, %s", t, a.test(),
                        b.test(), a.above(b) ? "ELECTRA ahead beyond the intervals" : b.above(a)
                                ? "ELECTRA 15% ahead beyond the intervals" : "not resolved"));
            }
        }
        return "**All tokens or the masked 15%?** " + String.join("; ", versus) + ".\n\n";
    }

    /** Every row with a probe of {@code task}, best first, joined by {@code >} (intervals apart) or {@code ≈}. */
    private String ranking(String task) {
        List<ObjectiveResult> ranked = results.stream().filter(r -> r.probes().containsKey(task))
                .sorted((a, b) -> Double.compare(b.probes().get(task).test(), a.probes().get(task).test())).toList();
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < ranked.size(); i++) {
            Probe p = ranked.get(i).probes().get(task);
            if (i > 0) {
                out.append(ranked.get(i - 1).probes().get(task).above(p) ? " > " : " ≈ ");
            }
            out.append(display(ranked.get(i).objective())).append(String.format(Locale.ROOT, " %.3f", p.test()));
        }
        return out.toString();
    }

    private ObjectiveResult byName(String objective) {
        return results.stream().filter(r -> r.objective().equals(objective)).findFirst().orElse(null);
    }

    /** The last held-out pretraining metrics of each row. */
    private String intrinsic() {
        StringBuilder md = new StringBuilder("## Intrinsic metrics on held-out examples (end of pretraining)\n\n");
        md.append("| objective | held-out loss | generator MLM accuracy | discriminator AUC | discriminator accuracy "
                + "| all-original accuracy |\n|---|---|---|---|---|---|\n");
        for (ObjectiveResult r : results) {
            Map<String, Object> i = r.intrinsic();
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s |%n",
                    display(r.objective()), num(i, StepMetrics.LOSS), num(i, StepMetrics.GENERATOR_ACCURACY),
                    num(i, StepMetrics.DISCRIMINATOR_AUC), num(i, StepMetrics.DISCRIMINATOR_ACCURACY),
                    i.get(StepMetrics.REPLACED_SHARE) instanceof Number share
                            ? String.format(Locale.ROOT, "%.3f", 1 - share.doubleValue()) : "–"));
        }
        return md.toString();
    }

    /** What the curves are drawn against, and the curves' images. */
    private String learningCurves(Map<String, Path> images) {
        StringBuilder md = new StringBuilder("\n## Learning curves\n\n");
        List<String> perStep = results.stream().filter(r -> r.flopsPerStep() > 0).map(r -> String.format(Locale.ROOT,
                "%s %.3g", display(r.objective()), r.flopsPerStep())).toList();
        if (!perStep.isEmpty()) {
            md.append("Against tokens seen, the same for every objective at equal steps; compute per step is not "
                    + "(training FLOPs per step: ").append(String.join(", ", perStep)).append("), so read equal "
                    + "compute from the FLOPs column above.\n\n");
        }
        images.forEach((name, path) -> {
            if (!name.equals(ReportCharts.PROBE_CHART)) {
                md.append("![").append(name).append("](").append(path.getFileName()).append(")\n\n");
            }
        });
        return md.toString();
    }

    /** The ablation's metadata and the effective configuration its pretraining runs shared. */
    private String run() {
        StringBuilder md = new StringBuilder("## Run\n\n");
        md.append("| | |\n|---|---|\n");
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("code version", ablation.codeVersion());
        facts.put("machine", ablation.machine());
        facts.put("data", ablation.data());
        facts.put("steps", ablation.steps());
        facts.put("global batch", ablation.globalBatch());
        facts.put("seed", ablation.seed());
        facts.put("seeds", ablation.seeds());
        facts.put("wall seconds", ablation.wallSeconds());
        facts.put("started", ablation.started());
        facts.forEach((name, value) -> {
            if (value != null) {
                md.append("| ").append(name).append(" | ").append(value).append(" |\n");
            }
        });
        md.append("\nEffective configuration of the pretraining runs (the objective aside):\n\n```hocon\n")
                .append(text(ablation.config())).append("\n```\n");
        return md.toString();
    }

    /**
     * The fine-tuning rate each objective's tasks were reported at, when evaluate chose it on dev among several (an
     * encoder that only leaves the label prior at another rate than its rivals is then compared at its own best).
     */
    private String chosenRates(List<String> tasks) {
        List<String> tuned = tasks.stream().filter(t -> results.stream().map(r -> r.scores().get(t))
                .anyMatch(x -> x != null && !Double.isNaN(x.learningRate()))).toList();
        if (tuned.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder("\nFine-tuning learning rate chosen per objective and task by the mean "
                + "dev score over seeds (evaluate.learning-rate lists the rates tried; evaluation.json has every "
                + "rate's scores):\n\n| objective |");
        tuned.forEach(t -> sb.append(' ').append(t).append(" |"));
        sb.append("\n|---|").append("---|".repeat(tuned.size())).append('\n');
        for (ObjectiveResult r : results) {
            sb.append("| ").append(display(r.objective())).append(" |");
            for (String t : tuned) {
                Score x = r.scores().get(t);
                sb.append(' ').append(x == null || Double.isNaN(x.learningRate()) ? "–"
                        : rate(x.learningRate())).append(" |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** A learning rate as configs write it: 1e-4, 1.5e-4, 1e-3 (Double.toString writes 0.001). */
    static String rate(double r) {
        java.math.BigDecimal d = new java.math.BigDecimal(Double.toString(r)).stripTrailingZeros();
        String digits = d.unscaledValue().toString();
        int exponent = digits.length() - 1 - d.scale();
        return (digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1)) + "e" + exponent;
    }

    /**
     * Whether no pretrained objective's fine-tuned classifier left the label prior (the random row is left out: a seed
     * of it escaping the prior by chance says nothing about pretraining).
     */
    private boolean fineTuningOnThePriorOnly() {
        return results.stream().filter(r -> !r.objective().equals(AblationReport.RANDOM))
                .flatMap(r -> r.scores().values().stream()).filter(x -> x.seeds() > 0).allMatch(Score::collapsed);
    }

    /** Whether any objective fine-tuned on {@code task} (not a zero-shot task). */
    private boolean scoredByFineTuning(String task) {
        return results.stream().map(r -> r.scores().get(task)).anyMatch(x -> x != null && x.seeds() > 0);
    }

    private String metricNote(String task) {
        for (ObjectiveResult r : results) {
            Score s = r.scores().get(task);
            if (s != null) {
                return s.seeds() == 0 ? " (zero-shot)" : s.metric().equals("mcc") ? " (MCC)"
                        : s.metric().equals("f1") ? " (F1)" : s.metric().equals("spearman") ? " (Spearman)"
                        : s.metric().equals("pearson") ? " (Pearson)" : "";
            }
        }
        return "";
    }

    /**
     * Whether the ranking is resolved: for each task, is the best mean ahead of the runner-up by more than the
     * sum of their standard deviations? The report says so in words.
     */
    String verdict(List<String> tasks) {
        List<String> resolved = new ArrayList<>();
        List<String> unresolved = new ArrayList<>();
        List<String> prior = new ArrayList<>();
        for (String t : tasks) {
            if (results.stream().map(r -> r.scores().get(t)).allMatch(x -> x != null && x.collapsed())) {
                prior.add(t);
                continue;
            }
            List<ObjectiveResult> ranked = results.stream().filter(r -> r.scores().containsKey(t))
                    .sorted((a, b) -> Double.compare(b.scores().get(t).mean(), a.scores().get(t).mean())).toList();
            if (ranked.size() < 2) {
                continue;
            }
            Score first = ranked.get(0).scores().get(t);
            Score second = ranked.get(1).scores().get(t);
            String line = String.format(Locale.ROOT, "%s (%s %.3f vs %s %.3f, spread %.3f + %.3f)", t,
                    display(ranked.get(0).objective()), first.mean(), display(ranked.get(1).objective()),
                    second.mean(), first.std(), second.std());
            (first.mean() - second.mean() > first.std() + second.std() ? resolved : unresolved).add(line);
        }
        StringBuilder sb = new StringBuilder("**Is the difference real?** ");
        if (!resolved.isEmpty()) {
            sb.append("The leader is ahead of the runner-up by more than their spread across seeds on: ")
                    .append(String.join("; ", resolved)).append(". ");
        }
        if (!unresolved.isEmpty()) {
            sb.append("Within the spread across seeds, so not a claim this budget supports: ")
                    .append(String.join("; ", unresolved)).append(". ");
        }
        if (!prior.isEmpty()) {
            sb.append("No objective's classifier learned more than the label prior on: ")
                    .append(String.join(", ", prior)).append(" (†), so these columns cannot rank the objectives.");
        }
        return sb.toString().strip();
    }

    /** A field of the descriptor as text; empty when the ablation did not record it. */
    private static String text(Object value) {
        return value == null ? "" : value.toString();
    }

    private static String num(Map<String, Object> n, String field) {
        return n.get(field) instanceof Number v ? String.format(Locale.ROOT, "%.3f", v.doubleValue()) : "–";
    }
}
