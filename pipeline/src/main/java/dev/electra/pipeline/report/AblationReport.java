package dev.electra.pipeline.report;

import dev.electra.pipeline.model.Objective;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The ablation report: objectives and the never-pretrained random row × tasks (fine-tuning: mean ± std over seeds,
 * the best of each column in bold; the paper's Table 5 only beside a GLUE score), frozen-feature probes with their
 * bootstrap intervals, learning curves of quantities that share a scale across objectives as PNG images, whether the
 * differences exceed the spread across seeds or the probes' intervals, and the run's metadata. Written as {@code report.md} (images beside it) and a self-contained {@code report.html}
 * (images inlined).
 *
 * <p>Input, a local directory written by {@code ablate}: {@code _ablation.json} ({@link AblationDescriptor}:
 * objectives, budget, machine, configuration) and, per objective, {@code OBJECTIVE/pretrain/} (a pretrain run: {@code _run.json},
 * {@code metrics/train-*.jsonl}, {@code metrics/eval-*.jsonl}) and {@code OBJECTIVE/evaluation/evaluation.json};
 * with {@code "baseline": "random"}, {@code random/evaluation/evaluation.json}.
 *
 * <p>This class reads and writes; {@link AblationReader} gathers the results, {@link ReportCharts} draws the images,
 * {@link ReportMarkdown} writes the text and {@link ReportHtml} turns it into the page.
 */
public final class AblationReport {
    public static final String MARKDOWN = "report.md";
    public static final String HTML = "report.html";

    /** The paper's GLUE dev averages (Table 5, Base size, equal compute), by our objective names. */
    public static final Map<String, Double> PAPER_TABLE_5 = Arrays.stream(Objective.values())
            .collect(Collectors.toMap(Objective::configName, Objective::paperGlue));
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

    private final AblationDescriptor ablation;
    private final List<ObjectiveResult> results;

    AblationReport(AblationDescriptor ablation, List<ObjectiveResult> results) {
        this.ablation = ablation;
        this.results = results;
    }

    public List<ObjectiveResult> results() {
        return results;
    }

    /**
     * Reads an ablation directory; an objective (or the random row) without a finished run, its
     * {@code pretrain/_run.json} and {@code evaluation/evaluation.json}, is refused with an
     * {@link IllegalArgumentException} naming what is missing.
     */
    public static AblationReport read(Path dir) {
        return AblationReader.read(dir);
    }

    /** Writes report.md, report.html and the images into {@code out}; returns report.md's path. */
    public Path write(Path out) {
        try {
            Files.createDirectories(out);
            Map<String, Path> images = ReportCharts.write(results, out);
            String markdown = new ReportMarkdown(ablation, results).render(images);
            Files.writeString(out.resolve(MARKDOWN), markdown, StandardCharsets.UTF_8);
            Files.writeString(out.resolve(HTML), ReportHtml.page(markdown, images), StandardCharsets.UTF_8);
            return out.resolve(MARKDOWN);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report to " + out + ": " + e.getMessage(), e);
        }
    }

    /** How the report names an objective (or the random row): the paper's name where it has one. */
    static String display(String objective) {
        return DISPLAY.getOrDefault(objective, objective);
    }
}
