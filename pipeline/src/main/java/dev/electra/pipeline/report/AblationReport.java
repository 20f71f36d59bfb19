package dev.electra.pipeline.report;

import dev.electra.pipeline.eval.GlueTasks;
import dev.electra.pipeline.model.Objective;
import dev.electra.pipeline.eval.Evaluation;
import dev.electra.pipeline.train.PretrainResults;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The ablation report: objectives and the never-pretrained random row × tasks (fine-tuning: mean ± std over seeds,
 * the best of each column in bold; the paper's Table 5 only beside a GLUE score), frozen-feature probes with their
 * bootstrap intervals, learning curves of quantities that share a scale across objectives as PNG images, whether the
 * differences exceed the spread across seeds or the probes' intervals, and the run's metadata. Written as {@code report.md} (images beside it) and a self-contained {@code report.html}
 * (images inlined).
 *
 * <p>Input, a local directory written by {@code ablate}: {@code _ablation.json} (objectives, budget, machine,
 * configuration) and, per objective, {@code OBJECTIVE/pretrain/} (a pretrain run: {@code _run.json},
 * {@code metrics/train-*.jsonl}, {@code metrics/eval-*.jsonl}) and {@code OBJECTIVE/evaluation/evaluation.json};
 * with {@code "baseline": "random"}, {@code random/evaluation/evaluation.json}.
 */
public final class AblationReport {
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String MARKDOWN = "report.md";
    public static final String HTML = "report.html";

    /** The paper's GLUE dev averages (Table 5, Base size, equal compute), by our objective names. */
    public static final Map<String, Double> PAPER_TABLE_5 = Arrays.stream(Objective.values())
            .collect(Collectors.toMap(Objective::configName, Objective::paperGlue));
    private static final String PROBE_CHART = "probe scores with 95% intervals";
    private static final String PROBE_CHART_FILE = "probe-scores.png";
    /** The row of the encoder that was never pretrained: the floor of every score. */
    public static final String RANDOM = "random";
    private static final Map<String, String> DISPLAY = Stream.concat(Arrays.stream(Objective.values())
                    .map(o -> Map.entry(o.configName(), o.displayName())),
            Stream.of(Map.entry(RANDOM, "random init (not pretrained)")))
            .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));

    /**
     * One task's score of one objective; {@code collapsedSeeds} counts the fine-tuning runs whose classifier
     * predicted a single label on every test example (a regressor: one value); {@code companion} is GLUE's second
     * number for the task (the mean test accuracy of an F1 task, Pearson of a Spearman task; NaN otherwise), which the
     * GLUE score averages with the first; {@code learningRate} the fine-tuning rate chosen on dev among several (NaN
     * when only one was tried).
     */
    public record Score(String metric, double mean, double std, int seeds, int collapsedSeeds, double companion,
                        double learningRate) {

        /** Every seed predicted one label: the score is the label prior, not the encoder. */
        boolean collapsed() {
            return seeds > 0 && collapsedSeeds == seeds;
        }
    }

    /** A frozen-feature probe's test score (mean-pooled last layer) and its 95% bootstrap interval. */
    public record Probe(String metric, double test, double low, double high) {
        /** This interval lies wholly above {@code other}'s. */
        boolean above(Probe other) {
            return low > other.high;
        }
    }

    /** A point of a learning curve: tokens seen and a value. */
    public record Point(double tokens, double value) {}

    /** What one objective's pretraining and evaluation produced. */
    public record ObjectiveResult(String objective, Map<String, Score> scores, Map<String, Probe> probes,
                                  double flopsPerStep, long steps, double wallSeconds, Map<String, Object> intrinsic,
                                  Map<String, List<Point>> curves) {}

    private final JsonNode ablation;
    private final List<ObjectiveResult> results;

    private AblationReport(JsonNode ablation, List<ObjectiveResult> results) {
        this.ablation = ablation;
        this.results = results;
    }

    public List<ObjectiveResult> results() {
        return results;
    }

    /** Reads an ablation directory; objectives without an evaluation are reported as missing. */
    public static AblationReport read(Path dir) {
        try {
            Path descriptor = dir.resolve("_ablation.json");
            if (!Files.isRegularFile(descriptor)) {
                throw new IllegalArgumentException(dir + " has no _ablation.json: point report at a directory "
                        + "written by ablate");
            }
            JsonNode ablation = JSON.readTree(descriptor.toFile());
            List<ObjectiveResult> results = new ArrayList<>();
            for (JsonNode o : ablation.path("objectives")) {
                String name = o.asText();
                Path run = dir.resolve(name).resolve("pretrain");
                Path evaluation = dir.resolve(name).resolve("evaluation").resolve(Evaluation.FILE_NAME);
                if (!Files.isRegularFile(evaluation) || !Files.isRegularFile(run.resolve("_run.json"))) {
                    throw new IllegalArgumentException("objective " + name + " has no finished run in "
                            + dir.resolve(name) + " (expected pretrain/_run.json and evaluation/evaluation.json)");
                }
                Evaluation eval = Evaluation.read(evaluation);
                PretrainResults pretrained = PretrainResults.read(JSON.readTree(run.resolve("_run.json").toFile())
                        .path("results"));
                results.add(new ObjectiveResult(name, scores(eval), probes(eval),
                        pretrained.flopsPerStep() == null ? 0 : pretrained.flopsPerStep(),
                        pretrained.finalStep() == null ? 0 : pretrained.finalStep(), pretrained.trainingSecondsSoFar(),
                        eval.intrinsic() == null ? Map.of() : eval.intrinsic(), curves(run)));
            }
            Path random = dir.resolve(RANDOM).resolve("evaluation").resolve(Evaluation.FILE_NAME);
            if (ablation.has("baseline")) {
                if (!Files.isRegularFile(random)) {
                    throw new IllegalArgumentException("the random-init baseline has no evaluation: expected " + random);
                }
                Evaluation eval = Evaluation.read(random);
                results.add(new ObjectiveResult(RANDOM, scores(eval), probes(eval), 0, 0, 0, Map.of(), Map.of()));
            }
            return new AblationReport(ablation, results);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the ablation in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, Score> scores(Evaluation eval) {
        Map<String, Score> scores = new LinkedHashMap<>();
        eval.scores().forEach((task, s) -> {
            if (s.scored()) {
                scores.put(task, new Score(s.metric(), s.testMean(), s.testStd(),
                        s.seeds() == null ? 0 : s.seeds().size(), s.collapsedSeeds() == null ? 0 : s.collapsedSeeds(),
                        s.companionMean(), s.learningRate() == null ? Double.NaN : s.learningRate()));
            }
        });
        return scores;
    }

    /**
     * The probes of evaluation.json (evaluate.mode probe or both): a sentence task's mean pooling, a tagging task's
     * per-word probe.
     */
    private static Map<String, Probe> probes(Evaluation eval) {
        Map<String, Probe> probes = new LinkedHashMap<>();
        if (eval.probes() != null) {
            for (String task : eval.probes().keySet()) {
                Evaluation.Probe p = eval.mainProbe(task);
                probes.put(task, new Probe(p.metric(), p.test(), p.testLow(), p.testHigh()));
            }
        }
        return probes;
    }

    /** Training loss and held-out discriminator AUC / main losses against tokens seen. */
    private static Map<String, List<Point>> curves(Path run) throws IOException {
        // Only quantities on one scale across objectives: a total loss mixes terms weighted differently per objective
        // (ELECTRA's λ = 50 discriminator term against ELECTRA 15%'s loss over 15% of the tokens).
        Map<String, List<Point>> curves = new LinkedHashMap<>();
        double tokensPerStep = Double.NaN;
        List<Point> generatorLoss = new ArrayList<>();
        for (JsonNode l : lines(run.resolve("metrics"), "train-")) {
            double perStep = l.path("tokens").asDouble() / Math.max(1, l.path("round_steps").asInt(1));
            tokensPerStep = Double.isNaN(tokensPerStep) ? perStep : tokensPerStep;
            if (l.has("generator_loss")) {
                generatorLoss.add(new Point(l.path("step").asLong() * perStep, l.path("generator_loss").asDouble()));
            }
        }
        curves.put("generator MLM loss, training", generatorLoss);
        List<Point> auc = new ArrayList<>();
        List<Point> accuracy = new ArrayList<>();
        for (JsonNode e : lines(run.resolve("metrics"), "eval-")) {
            double tokens = e.path("step").asLong() * (Double.isNaN(tokensPerStep) ? 0 : tokensPerStep);
            if (e.has("discriminator_auc")) {
                auc.add(new Point(tokens, e.path("discriminator_auc").asDouble()));
            }
            if (e.has("generator_accuracy")) {
                accuracy.add(new Point(tokens, e.path("generator_accuracy").asDouble()));
            }
        }
        curves.put("discriminator AUC over all tokens, held-out", auc);
        curves.put("generator MLM accuracy, held-out", accuracy);
        return curves;
    }

    private static List<JsonNode> lines(Path dir, String prefix) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith(prefix)).sorted().toList()) {
                for (String line : Files.readAllLines(f)) {
                    if (!line.isBlank()) {
                        out.add(JSON.readTree(line));
                    }
                }
            }
        }
        return out;
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

    /** Writes report.md, report.html and the images into {@code out}; returns report.md's path. */
    public Path write(Path out) {
        try {
            Files.createDirectories(out);
            Map<String, Path> images = new LinkedHashMap<>();
            for (String curve : List.of("generator MLM loss, training", "discriminator AUC over all tokens, held-out",
                    "generator MLM accuracy, held-out")) {
                XYChart chart = chart(curve);
                if (chart != null) {
                    String file = curve.replaceAll("[^a-zA-Z]+", "-").replaceAll("^-|-$", "").toLowerCase(Locale.ROOT)
                            + ".png";
                    BitmapEncoder.saveBitmap(chart, out.resolve(file).toString(), BitmapEncoder.BitmapFormat.PNG);
                    images.put(curve, out.resolve(file));
                }
            }
            XYChart probes = probeChart();
            if (probes != null) {
                BitmapEncoder.saveBitmap(probes, out.resolve(PROBE_CHART_FILE).toString(),
                        BitmapEncoder.BitmapFormat.PNG);
                images.put(PROBE_CHART, out.resolve(PROBE_CHART_FILE));
            }
            String markdown = markdown(images);
            Files.writeString(out.resolve(MARKDOWN), markdown, StandardCharsets.UTF_8);
            Files.writeString(out.resolve(HTML), html(markdown, images), StandardCharsets.UTF_8);
            return out.resolve(MARKDOWN);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report to " + out + ": " + e.getMessage(), e);
        }
    }

    private XYChart chart(String curve) {
        XYChart chart = new XYChartBuilder().width(720).height(400).title(curve).xAxisTitle("tokens seen (millions)")
                .yAxisTitle(curve).build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setMarkerSize(5);
        chart.getStyler().setXAxisDecimalPattern("#,##0.##");
        chart.getStyler().setYAxisDecimalPattern("0.0##");
        boolean any = false;
        for (ObjectiveResult r : results) {
            List<Point> points = r.curves().getOrDefault(curve, List.of());
            if (points.isEmpty()) {
                continue;
            }
            double[] x = points.stream().mapToDouble(p -> p.tokens() / 1e6).toArray();
            double[] y = points.stream().mapToDouble(Point::value).toArray();
            XYSeries s = chart.addSeries(DISPLAY.getOrDefault(r.objective(), r.objective()), x, y);
            s.setMarker(SeriesMarkers.CIRCLE);
            any = true;
        }
        return any ? chart : null;
    }

    String markdown(Map<String, Path> images) {
        List<String> tasks = tasks();
        StringBuilder md = new StringBuilder();
        md.append("# ELECTRA ablation: ").append(ablation.path("title").asText("objectives at equal budget"))
                .append("\n\n");
        // Lead with the measure that resolves something at this budget: when no pretrained objective's fine-tuned
        // classifier left the label prior, the probes come first.
        boolean probesFirst = fineTuningOnThePriorOnly() && !probeSection(images).isEmpty();
        if (probesFirst) {
            md.append("No pretrained objective's fine-tuned classifier left the label prior at this budget (every "
                    + "fine-tuning cell of theirs below is marked †), so the frozen-feature probes come first.\n\n").append(probeSection(images))
                    .append("## Fine-tuning\n\n");
        }
        md.append(String.format(Locale.ROOT, "Each objective pretrained for %s steps (global batch %s, seed %s) on %s,"
                        + " then fine-tuned on each task over %s seeds; test scores, mean ± standard deviation over "
                        + "seeds (accuracy; Matthews correlation where marked; zero-shot tasks: ± the binomial "
                        + "standard error). Best of each column in bold.%n%n",
                ablation.path("steps").asText(), ablation.path("global_batch").asText(), ablation.path("seed").asText(),
                ablation.path("data").asText(), ablation.path("seeds").asText()));
        md.append("| objective |");
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
            md.append("| ").append(DISPLAY.getOrDefault(r.objective(), r.objective())).append(" |");
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
                Double paper = PAPER_TABLE_5.get(r.objective());
                md.append(' ').append(paper == null ? "–" : String.format(Locale.ROOT, "%.1f", paper)).append(" |");
            }
            md.append(r.objective().equals(RANDOM) ? " – | – |\n" : String.format(Locale.ROOT, " %.2e | %.0f s |%n",
                    r.flopsPerStep() * r.steps(), r.wallSeconds()));
        }
        if (results.stream().anyMatch(r -> r.scores().values().stream().anyMatch(x -> x.collapsedSeeds() > 0))) {
            md.append("\n† The fine-tuned classifier predicted a single label on every test example (in k of n seeds "
                    + "when marked †k/n): its training accuracy stayed at the share of the majority label, so the "
                    + "score is the label prior, not the encoder. Weakly pretrained encoders give [CLS] vectors that "
                    + "hardly vary between inputs, and fine-tuning then sits on a plateau for hundreds of steps "
                    + "(docs/evaluation.md).\n");
        }
        md.append(chosenRates(tasks));
        md.append("\n").append(verdict(tasks)).append("\n\n");
        if (!probesFirst) {
            md.append(probeSection(images));
        }
        md.append("## Intrinsic metrics on held-out examples (end of pretraining)\n\n");
        md.append("| objective | held-out loss | generator MLM accuracy | discriminator AUC | discriminator accuracy "
                + "| all-original accuracy |\n|---|---|---|---|---|---|\n");
        for (ObjectiveResult r : results) {
            Map<String, Object> i = r.intrinsic();
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s |%n",
                    DISPLAY.getOrDefault(r.objective(), r.objective()), num(i, "loss"), num(i, "generator_accuracy"),
                    num(i, "discriminator_auc"), num(i, "discriminator_accuracy"),
                    i.get("replaced_share") instanceof Number share
                            ? String.format(Locale.ROOT, "%.3f", 1 - share.doubleValue()) : "–"));
        }
        md.append("\n## Learning curves\n\n");
        List<String> perStep = results.stream().filter(r -> r.flopsPerStep() > 0).map(r -> String.format(Locale.ROOT,
                "%s %.3g", DISPLAY.getOrDefault(r.objective(), r.objective()), r.flopsPerStep())).toList();
        if (!perStep.isEmpty()) {
            md.append("Against tokens seen, the same for every objective at equal steps; compute per step is not "
                    + "(training FLOPs per step: ").append(String.join(", ", perStep)).append("), so read equal "
                    + "compute from the FLOPs column above.\n\n");
        }
        images.forEach((name, path) -> {
            if (!name.equals(PROBE_CHART)) {
                md.append("![").append(name).append("](").append(path.getFileName()).append(")\n\n");
            }
        });
        md.append("## Run\n\n");
        md.append("| | |\n|---|---|\n");
        for (String key : List.of("code_version", "machine", "data", "steps", "global_batch", "seed", "seeds",
                "wall_seconds", "started")) {
            if (ablation.has(key)) {
                md.append("| ").append(key.replace('_', ' ')).append(" | ").append(ablation.get(key).asText())
                        .append(" |\n");
            }
        }
        md.append("\nEffective configuration of the pretraining runs (the objective aside):\n\n```hocon\n")
                .append(ablation.path("config").asText()).append("\n```\n");
        return md.toString();
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
        StringBuilder md = new StringBuilder("## Frozen-feature probes\n\n");
        md.append("The encoder frozen; a logistic regression (its L2 penalty chosen on dev; ridge regression for a "
                + "regression task) on the mean of the last layer over each text's tokens, or for a tagging task "
                + "(pos) on each word's first sub-token; test score [95% bootstrap interval, tagging: resampling "
                + "sentences]. A probe has no plateau to leave, so it separates encoders that fine-tuning at a small "
                + "budget leaves on the label prior (docs/evaluation.md).\n\n| objective |");
        for (String t : tasks) {
            ObjectiveResult any = results.stream().filter(r -> r.probes().containsKey(t)).findFirst().orElseThrow();
            md.append(' ').append(t).append(" (").append(any.probes().get(t).metric()).append(") |");
        }
        md.append("\n|---|").append("---|".repeat(tasks.size())).append('\n');
        for (ObjectiveResult r : results) {
            md.append("| ").append(DISPLAY.getOrDefault(r.objective(), r.objective())).append(" |");
            for (String t : tasks) {
                Probe p = r.probes().get(t);
                md.append(' ').append(p == null ? "n/a" : String.format(Locale.ROOT, "%.3f [%.3f, %.3f]", p.test(),
                        p.low(), p.high())).append(" |");
            }
            md.append('\n');
        }
        ObjectiveResult random = results.stream().filter(r -> r.objective().equals(RANDOM)).findFirst()
                .orElse(null);
        List<ObjectiveResult> pretrained = results.stream().filter(r -> !r.objective().equals(RANDOM)).toList();
        md.append('\n');
        if (random != null) {
            md.append("**Does pretraining beat the random row?** ");
            List<String> lines = new ArrayList<>();
            for (String t : tasks) {
                Probe floor = random.probes().get(t);
                if (floor == null) {
                    continue;
                }
                List<String> above = pretrained.stream().filter(r -> r.probes().containsKey(t)
                        && r.probes().get(t).above(floor)).map(r -> DISPLAY.getOrDefault(r.objective(),
                        r.objective())).toList();
                lines.add(t + ": " + (above.isEmpty() ? "no objective's interval lies above the random row's"
                        : String.join(", ", above) + " above the random row beyond the intervals"));
            }
            md.append(String.join("; ", lines)).append(".\n\n");
        }
        md.append("**Do the objectives differ on the probes?** Each task's rows by score, `>` where the intervals "
                + "lie apart, `≈` where they overlap: ");
        List<String> lines = new ArrayList<>();
        for (String t : tasks) {
            if (pretrained.stream().filter(r -> r.probes().containsKey(t)).count() >= 2) {
                lines.add(t + ": " + ranking(t));
            }
        }
        md.append(lines.isEmpty() ? "one objective only." : String.join("; ", lines) + ".").append("\n\n");
        ObjectiveResult electra = byName("electra");
        ObjectiveResult electra15 = byName("electra-15");
        if (electra != null && electra15 != null) {
            // the comparison the ablation exists for: the discriminator's loss over all tokens or the masked ones only
            md.append("**All tokens or the masked 15%?** ");
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
            md.append(String.join("; ", versus)).append(".\n\n");
        }
        if (pretrained.size() == PAPER_TABLE_5.size()) {
            md.append("The paper's order (Table 5, GLUE dev, Base size at far more compute): ELECTRA > All-Tokens MLM "
                    + "> Replace MLM ≈ ELECTRA 15% > BERT (MLM).\n\n");
        }
        if (images.containsKey(PROBE_CHART)) {
            md.append("![").append(PROBE_CHART).append("](").append(PROBE_CHART_FILE).append(")\n\n");
        }
        return md.toString();
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
            out.append(DISPLAY.getOrDefault(ranked.get(i).objective(), ranked.get(i).objective()))
                    .append(String.format(Locale.ROOT, " %.3f", p.test()));
        }
        return out.toString();
    }

    private ObjectiveResult byName(String objective) {
        return results.stream().filter(r -> r.objective().equals(objective)).findFirst().orElse(null);
    }

    /**
     * Each objective's probe score per task as a point with its 95% interval as a vertical bar, objectives side by
     * side within a task; null without probes.
     */
    private XYChart probeChart() {
        List<String> tasks = new ArrayList<>();
        for (ObjectiveResult r : results) {
            r.probes().keySet().stream().filter(t -> !tasks.contains(t)).forEach(tasks::add);
        }
        if (tasks.isEmpty()) {
            return null;
        }
        // the tasks left to right, named in the axis title (one group of points per task)
        XYChart chart = new XYChartBuilder().width(720).height(400).title(PROBE_CHART)
                .xAxisTitle(String.join("        ", tasks)).yAxisTitle("test score (the task's metric)").build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setMarkerSize(8);
        chart.getStyler().setYAxisDecimalPattern("0.0#");
        chart.getStyler().setXAxisMin(0.5);
        chart.getStyler().setXAxisMax(tasks.size() + 0.5);
        chart.getStyler().setXAxisTicksVisible(false);
        Color[] colors = chart.getStyler().getSeriesColors();
        for (int j = 0; j < results.size(); j++) {
            ObjectiveResult r = results.get(j);
            double offset = (j - (results.size() - 1) / 2.0) * 0.12;
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            Color color = colors[j % colors.length];
            for (int t = 0; t < tasks.size(); t++) {
                Probe p = r.probes().get(tasks.get(t));
                if (p == null) {
                    continue;
                }
                x.add(t + 1 + offset);
                y.add(p.test());
                XYSeries bar = chart.addSeries(r.objective() + " interval " + t, new double[] {t + 1 + offset,
                        t + 1 + offset}, new double[] {p.low(), p.high()});
                bar.setMarker(SeriesMarkers.NONE);
                bar.setLineColor(color);
                bar.setShowInLegend(false);
            }
            if (!x.isEmpty()) {
                XYSeries points = chart.addSeries(DISPLAY.getOrDefault(r.objective(), r.objective()), x, y);
                points.setMarker(SeriesMarkers.CIRCLE);
                points.setMarkerColor(color);
                points.setLineStyle(SeriesLines.NONE);
            }
        }
        return chart;
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
            sb.append("| ").append(DISPLAY.getOrDefault(r.objective(), r.objective())).append(" |");
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
        return results.stream().filter(r -> !r.objective().equals(RANDOM)).flatMap(r -> r.scores().values().stream())
                .filter(x -> x.seeds() > 0).allMatch(Score::collapsed);
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
                    DISPLAY.getOrDefault(ranked.get(0).objective(), ranked.get(0).objective()), first.mean(),
                    DISPLAY.getOrDefault(ranked.get(1).objective(), ranked.get(1).objective()), second.mean(),
                    first.std(), second.std());
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

    private static String num(Map<String, Object> n, String field) {
        return n.get(field) instanceof Number v ? String.format(Locale.ROOT, "%.3f", v.doubleValue()) : "–";
    }

    /** A self-contained page: the Markdown's tables and text as HTML, the images inlined as data URIs. */
    static String html(String markdown, Map<String, Path> images) throws IOException {
        Map<String, String> inline = new LinkedHashMap<>();
        for (Path p : images.values()) {
            inline.put(p.getFileName().toString(), "data:image/png;base64,"
                    + Base64.getEncoder().encodeToString(Files.readAllBytes(p)));
        }
        StringBuilder body = new StringBuilder();
        String[] lines = markdown.split("\n", -1);
        boolean inTable = false;
        boolean inCode = false;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.startsWith("```")) {
                body.append(inCode ? "</pre>\n" : "<pre>");
                inCode = !inCode;
                continue;
            }
            if (inCode) {
                body.append(escape(line)).append('\n');
                continue;
            }
            if (line.startsWith("|")) {
                if (line.matches("\\|(-+\\|)+")) {
                    continue;
                }
                String[] cells = line.substring(1, line.length() - 1).split("\\|", -1);
                String tag = inTable ? "td" : "th";
                body.append(inTable ? "" : "<table>").append("<tr>");
                for (String c : cells) {
                    body.append('<').append(tag).append('>').append(inlineMarkup(c.strip())).append("</")
                            .append(tag).append('>');
                }
                body.append("</tr>\n");
                inTable = true;
                continue;
            }
            if (inTable) {
                body.append("</table>\n");
                inTable = false;
            }
            if (line.startsWith("# ")) {
                body.append("<h1>").append(escape(line.substring(2))).append("</h1>\n");
            } else if (line.startsWith("## ")) {
                body.append("<h2>").append(escape(line.substring(3))).append("</h2>\n");
            } else if (line.startsWith("![")) {
                String file = line.substring(line.indexOf('(') + 1, line.lastIndexOf(')'));
                String alt = line.substring(2, line.indexOf(']'));
                body.append("<figure><img alt=\"").append(escape(alt)).append("\" src=\"")
                        .append(inline.getOrDefault(file, file)).append("\"></figure>\n");
            } else if (!line.isBlank()) {
                body.append("<p>").append(inlineMarkup(line)).append("</p>\n");
            }
        }
        if (inTable) {
            body.append("</table>\n");
        }
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>ELECTRA ablation report"
                + "</title>\n<style>body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;max-width:1100px;"
                + "margin:2em auto;color:#222;line-height:1.45}table{border-collapse:collapse;margin:1em 0}"
                + "th,td{border:1px solid #ccc;padding:4px 9px;text-align:right}th:first-child,td:first-child"
                + "{text-align:left}th{background:#f0f3f7}pre{background:#f6f6f6;padding:1em;font-size:12px;"
                + "overflow:auto;max-height:24em}figure{display:inline-block;margin:0.5em}img{max-width:100%}"
                + "</style></head>\n<body>\n" + body + "</body></html>\n";
    }

    private static String inlineMarkup(String text) {
        return escape(text).replaceAll("\\*\\*(.+?)\\*\\*", "<b>$1</b>");
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
