package dev.electra.pipeline.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.electra.pipeline.eval.Evaluation;
import dev.electra.pipeline.report.AblationReport.ObjectiveResult;
import dev.electra.pipeline.report.AblationReport.Point;
import dev.electra.pipeline.report.AblationReport.Probe;
import dev.electra.pipeline.report.AblationReport.Score;
import dev.electra.pipeline.train.PretrainResults;
import dev.electra.pipeline.train.StepMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads an ablation directory into the report's results: per objective, its pretrain run's {@code _run.json} and
 * metric lines and its {@code evaluation.json}; the random row's evaluation when the ablation has a baseline.
 */
final class AblationReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AblationReader() {}

    /**
     * Reads an ablation directory; an objective (or the random row) without a finished run, its
     * {@code pretrain/_run.json} and {@code evaluation/evaluation.json}, is refused with an
     * {@link IllegalArgumentException} naming what is missing.
     */
    static AblationReport read(Path dir) {
        try {
            if (!Files.isRegularFile(dir.resolve(AblationDescriptor.FILE_NAME))) {
                throw new IllegalArgumentException(dir + " has no " + AblationDescriptor.FILE_NAME + ": point report "
                        + "at a directory written by ablate");
            }
            AblationDescriptor ablation = AblationDescriptor.read(dir);
            List<ObjectiveResult> results = new ArrayList<>();
            for (String o : ablation.objectivesOrNone()) {
                results.add(objective(dir, o));
            }
            Path random = dir.resolve(AblationReport.RANDOM).resolve("evaluation").resolve(Evaluation.FILE_NAME);
            if (ablation.baseline() != null) {
                if (!Files.isRegularFile(random)) {
                    throw new IllegalArgumentException("the random-init baseline has no evaluation: expected " + random);
                }
                Evaluation eval = Evaluation.read(random);
                results.add(new ObjectiveResult(AblationReport.RANDOM, scores(eval), probes(eval), 0, 0, 0, Map.of(),
                        Map.of()));
            }
            return new AblationReport(ablation, results);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the ablation in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** One objective's finished pretrain run and its evaluation. */
    private static ObjectiveResult objective(Path dir, String name) throws IOException {
        Path run = dir.resolve(name).resolve("pretrain");
        Path evaluation = dir.resolve(name).resolve("evaluation").resolve(Evaluation.FILE_NAME);
        if (!Files.isRegularFile(evaluation) || !Files.isRegularFile(run.resolve("_run.json"))) {
            throw new IllegalArgumentException("objective " + name + " has no finished run in "
                    + dir.resolve(name) + " (expected pretrain/_run.json and evaluation/evaluation.json)");
        }
        Evaluation eval = Evaluation.read(evaluation);
        PretrainResults pretrained = PretrainResults.read(JSON.readTree(run.resolve("_run.json").toFile())
                .path("results"));
        return new ObjectiveResult(name, scores(eval), probes(eval),
                pretrained.flopsPerStep() == null ? 0 : pretrained.flopsPerStep(),
                pretrained.finalStep() == null ? 0 : pretrained.finalStep(), pretrained.trainingSecondsSoFar(),
                eval.intrinsic() == null ? Map.of() : eval.intrinsic(), curves(run));
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
            double perStep = l.path(StepMetrics.TOKENS).asDouble() / Math.max(1, l.path(StepMetrics.ROUND_STEPS).asInt(1));
            tokensPerStep = Double.isNaN(tokensPerStep) ? perStep : tokensPerStep;
            if (l.has(StepMetrics.GENERATOR_LOSS)) {
                generatorLoss.add(new Point(l.path(StepMetrics.STEP).asLong() * perStep,
                        l.path(StepMetrics.GENERATOR_LOSS).asDouble()));
            }
        }
        curves.put(ReportCharts.GENERATOR_LOSS, generatorLoss);
        List<Point> auc = new ArrayList<>();
        List<Point> accuracy = new ArrayList<>();
        for (JsonNode e : lines(run.resolve("metrics"), "eval-")) {
            double tokens = e.path(StepMetrics.STEP).asLong() * (Double.isNaN(tokensPerStep) ? 0 : tokensPerStep);
            if (e.has(StepMetrics.DISCRIMINATOR_AUC)) {
                auc.add(new Point(tokens, e.path(StepMetrics.DISCRIMINATOR_AUC).asDouble()));
            }
            if (e.has(StepMetrics.GENERATOR_ACCURACY)) {
                accuracy.add(new Point(tokens, e.path(StepMetrics.GENERATOR_ACCURACY).asDouble()));
            }
        }
        curves.put(ReportCharts.DISCRIMINATOR_AUC, auc);
        curves.put(ReportCharts.GENERATOR_ACCURACY, accuracy);
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
}
