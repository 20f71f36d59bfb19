package dev.electra.pipeline.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report on a small fixture of metrics: the table, the bold best, the verdict, the images, the HTML page. */
class AblationReportTest {
    @TempDir
    Path dir;

    private void objective(String name, double sentiment, double std, double mcc, double auc) throws IOException {
        objective(name, sentiment, std, mcc, auc, 0);
    }

    private void objective(String name, double sentiment, double std, double mcc, double auc, int collapsed)
            throws IOException {
        Path run = Files.createDirectories(dir.resolve(name).resolve("pretrain").resolve("metrics"));
        Files.writeString(run.getParent().resolve("_run.json"), "{\"results\":{\"final_step\":20,"
                + "\"wall_seconds\":12.5,\"flops_per_step\":1.5e9}}");
        Files.writeString(run.resolve("train-000000000.jsonl"),
                "{\"round\":1,\"step\":10,\"loss\":40.0,\"generator_loss\":8.0,\"tokens\":20480,\"round_steps\":10}\n"
                        + "{\"round\":2,\"step\":20,\"loss\":30.0,\"generator_loss\":7.0,\"tokens\":20480,"
                        + "\"round_steps\":10}\n");
        Files.writeString(run.resolve("eval-000000000.jsonl"),
                "{\"step\":10,\"loss\":39.0,\"discriminator_auc\":" + (auc - 0.1) + "}\n"
                        + "{\"step\":20,\"loss\":31.0,\"discriminator_auc\":" + auc + "}\n");
        Path eval = Files.createDirectories(dir.resolve(name).resolve("evaluation"));
        Files.writeString(eval.resolve("evaluation.json"), "{\"scores\":{"
                + "\"sentiment\":{\"metric\":\"accuracy\",\"test_mean\":" + sentiment + ",\"test_std\":" + std
                + ",\"seeds\":[{},{},{}]},"
                + "\"acceptability\":{\"metric\":\"mcc\",\"test_mean\":" + mcc + ",\"test_std\":0.05,\"seeds\":[{},{},{}],"
                + "\"collapsed_seeds\":" + collapsed + "},"
                + "\"minimal-pairs\":{\"metric\":\"accuracy\",\"not_applicable\":\"x\"}},"
                + "\"intrinsic\":{\"loss\":31.0,\"discriminator_auc\":" + auc + ",\"replaced_share\":0.14}}");
    }

    @Test
    void tablesBestInBoldVerdictImagesAndHtml() throws IOException {
        Files.writeString(dir.resolve("_ablation.json"), "{\"objectives\":[\"electra\",\"electra-15\"],"
                + "\"steps\":20,\"global_batch\":16,\"seed\":1,\"seeds\":3,\"data\":\"sample corpus\","
                + "\"config\":\"model { hidden-size = 128 }\",\"code_version\":\"test\",\"machine\":\"2 cores\"}");
        objective("electra", 0.80, 0.01, 0.10, 0.70);
        objective("electra-15", 0.70, 0.02, 0.12, 0.65);
        AblationReport report = AblationReport.read(dir);
        Path md = report.write(dir.resolve("report"));
        String text = Files.readString(md);
        assertTrue(text.contains("| ELECTRA | **0.800 ± 0.010** | 0.100 ± 0.050 |"), text);
        assertTrue(text.contains("| ELECTRA 15% | 0.700 ± 0.020 | **0.120 ± 0.050** |"), text);
        assertTrue(text.contains("acceptability (MCC)"), text);
        // Averages ×100: (80 + 10) / 2 = 45.0 and (70 + 12) / 2 = 41.0; these are not GLUE tasks, so the paper's
        // GLUE averages are not set beside them.
        assertTrue(text.contains("| **45.0** | 3.00e+10 | 13 s |"), text);
        assertTrue(text.contains("| 41.0 | 3.00e+10 |"), text);
        assertTrue(!text.contains("Table 5") && !text.contains("85.0"), text);
        assertTrue(text.contains("ahead of the runner-up by more than their spread across seeds on: sentiment"), text);
        assertTrue(text.contains("Within the spread across seeds, so not a claim this budget supports: acceptability"),
                text);
        try (var images = Files.list(dir.resolve("report"))) {
            assertEquals(List.of("discriminator-auc-over-all-tokens-held-out.png", "generator-mlm-loss-training.png"),
                    images.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".png")).sorted().toList(),
                    "comparable quantities only: no total loss");
        }
        assertTrue(Files.size(dir.resolve("report/discriminator-auc-over-all-tokens-held-out.png")) > 1000);
        String html = Files.readString(dir.resolve("report/report.html"));
        assertTrue(html.contains("<b>0.800 ± 0.010</b>") && html.contains("src=\"data:image/png;base64,"), html);
        assertEquals(2, report.results().size());
    }

    /** An ablation of ELECTRA and ELECTRA 15% at 20 steps, with the random row when {@code baseline}. */
    private void twoObjectives(boolean baseline) throws IOException {
        Files.writeString(dir.resolve("_ablation.json"), "{\"objectives\":[\"electra\",\"electra-15\"],"
                + (baseline ? "\"baseline\":\"random\"," : "") + "\"steps\":20,\"global_batch\":16,\"seed\":1,"
                + "\"seeds\":3}");
    }

    @Test
    void classifiersThatPredictOneLabelAreMarkedAndNotRanked() throws IOException {
        twoObjectives(false);
        objective("electra", 0.80, 0.01, 0.0, 0.70, 3);
        objective("electra-15", 0.70, 0.02, 0.0, 0.65, 3);
        String text = Files.readString(AblationReport.read(dir).write(dir.resolve("report")));
        assertTrue(text.contains("| ELECTRA | **0.800 ± 0.010** | 0.000 ± 0.050 † |"), "never bold: " + text);
        assertTrue(text.contains("† The fine-tuned classifier predicted a single label"), text);
        assertTrue(text.contains("No objective's classifier learned more than the label prior on: acceptability"), text);
        assertTrue(!text.contains("supports: acceptability"), text);

        objective("electra-15", 0.70, 0.02, 0.0, 0.65, 1);
        text = Files.readString(AblationReport.read(dir).write(dir.resolve("report")));
        assertTrue(text.contains("| ELECTRA 15% | 0.700 ± 0.020 | **0.000 ± 0.050** †1/3 |"), text);
        assertTrue(text.contains("| ELECTRA | **0.800 ± 0.010** | 0.000 ± 0.050 † | **40.0** |"), text);
        assertTrue(!text.contains("label prior on: acceptability"), "one seed of one objective learned: " + text);
    }

    private void probes(String name, String json) throws IOException {
        Path eval = dir.resolve(name).resolve("evaluation").resolve("evaluation.json");
        String text = Files.exists(eval) ? Files.readString(eval) : "{\"scores\":{}}";
        Files.createDirectories(eval.getParent());
        Files.writeString(eval, text.substring(0, text.lastIndexOf('}')) + ",\"probes\":" + json + "}");
    }

    private static String probe(double test, double low, double high) {
        return "{\"sentiment\":{\"mean\":{\"metric\":\"accuracy\",\"test\":" + test + ",\"test_low\":" + low
                + ",\"test_high\":" + high + "},\"cls\":{}}}";
    }

    @Test
    void theRandomRowAndTheProbesIntervalsAnswerWhatIsReal() throws IOException {
        twoObjectives(true);
        objective("electra", 0.80, 0.01, 0.10, 0.70);
        objective("electra-15", 0.70, 0.02, 0.12, 0.65);
        probes("electra", probe(0.71, 0.66, 0.76));
        probes("electra-15", probe(0.64, 0.59, 0.69));
        Path random = Files.createDirectories(dir.resolve("random/evaluation"));
        Files.writeString(random.resolve("evaluation.json"), "{\"scores\":{\"sentiment\":{\"metric\":\"accuracy\","
                + "\"test_mean\":0.5,\"test_std\":0.0,\"seeds\":[{},{},{}],\"collapsed_seeds\":3}}}");
        probes("random", probe(0.55, 0.50, 0.60));
        AblationReport report = AblationReport.read(dir);
        assertEquals(3, report.results().size());
        String text = Files.readString(report.write(dir.resolve("report")));
        assertTrue(text.contains("| random init (not pretrained) | 0.500 ± 0.000 † |"), text);
        assertTrue(text.contains("| – | – |"), "no pretraining FLOPs or time for the random row: " + text);
        assertTrue(text.contains("| ELECTRA | 0.710 [0.660, 0.760] |"), text);
        assertTrue(text.contains("| random init (not pretrained) | 0.550 [0.500, 0.600] |"), text);
        // ELECTRA's interval lies above random's; ELECTRA 15%'s [0.59, 0.69] overlaps [0.50, 0.60]
        assertTrue(text.contains("sentiment: ELECTRA above the random row beyond the intervals"), text);
        // by score: ELECTRA [0.66, 0.76] overlaps ELECTRA 15% [0.59, 0.69], which overlaps random [0.50, 0.60]
        assertTrue(text.contains("sentiment: ELECTRA 0.710 ≈ ELECTRA 15% 0.640 ≈ random init (not pretrained) 0.550"),
                text);
        assertTrue(text.contains("**All tokens or the masked 15%?** sentiment: ELECTRA 0.710 vs ELECTRA 15% 0.640, "
                + "not resolved."), text);
        assertTrue(!text.contains("The paper's order"), "only beside all five objectives");
        assertTrue(Files.size(dir.resolve("report/probe-scores.png")) > 1000);
        assertTrue(text.contains("![probe scores with 95% intervals](probe-scores.png)"), text);
        assertTrue(Files.readString(dir.resolve("report/report.html")).contains("alt=\"probe scores with 95% "
                + "intervals\" src=\"data:image/png;base64,"), "inlined in the page");
        assertTrue(text.indexOf("## Frozen-feature probes") > text.indexOf("| objective | sentiment"),
                "a fine-tuning row that learned keeps fine-tuning first");
        probes("electra-15", probe(0.60, 0.55, 0.65));
        text = Files.readString(AblationReport.read(dir).write(dir.resolve("report")));
        assertTrue(text.contains("sentiment: ELECTRA 0.710 > ELECTRA 15% 0.600 ≈ random init (not pretrained) 0.550"),
                text);
        assertTrue(text.contains("sentiment: ELECTRA 0.710 vs ELECTRA 15% 0.600, ELECTRA ahead beyond the intervals"),
                text);

        // every fine-tuned cell on the label prior: the probes lead
        for (String name : List.of("electra", "electra-15")) {
            Files.writeString(dir.resolve(name).resolve("evaluation/evaluation.json"), "{\"scores\":{\"sentiment\":"
                    + "{\"metric\":\"accuracy\",\"test_mean\":0.51,\"test_std\":0.0,\"seeds\":[{},{},{}],"
                    + "\"collapsed_seeds\":3}}}");
            probes(name, probe(0.64, 0.59, 0.69));
        }
        text = Files.readString(AblationReport.read(dir).write(dir.resolve("report")));
        assertTrue(text.contains("so the frozen-feature probes come first"), text);
        assertTrue(text.indexOf("## Frozen-feature probes") < text.indexOf("## Fine-tuning"), text);
        assertEquals(1, text.split("## Frozen-feature probes", -1).length - 1, "once");
    }

    @Test
    void onGlueTasksTheGlueScoreStandsBesideThePapers() throws IOException {
        Files.writeString(dir.resolve("_ablation.json"), "{\"objectives\":[\"electra\"],\"steps\":20,"
                + "\"global_batch\":16,\"seed\":1,\"seeds\":3}");
        objective("electra", 0.80, 0.01, 0.10, 0.70);
        Files.writeString(dir.resolve("electra/evaluation/evaluation.json"), "{\"scores\":{"
                + "\"cola\":{\"metric\":\"mcc\",\"test_mean\":0.30,\"test_std\":0.02,\"seeds\":[{},{},{}]},"
                + "\"mrpc\":{\"metric\":\"f1\",\"test_mean\":0.80,\"test_std\":0.01,\"seeds\":[{},{},{}],"
                + "\"test_accuracy_mean\":0.70},"
                + "\"stsb\":{\"metric\":\"spearman\",\"test_mean\":0.60,\"test_std\":0.01,\"seeds\":[{},{},{}],"
                + "\"test_pearson_mean\":0.66}}}");
        String text = Files.readString(AblationReport.read(dir).write(dir.resolve("report")));
        assertTrue(text.contains("| cola (MCC) | mrpc (F1) | stsb (Spearman) | GLUE score (dev) | paper (Table 5, GLUE "
                + "dev) |"), text);
        // (30 + (80 + 70) / 2 + (60 + 66) / 2) / 3 = 56: MRPC counts as the mean of its F1 and accuracy, STS-B of its
        // Spearman and Pearson, as GLUE's score does
        assertTrue(text.contains("| **56.0** | 85.0 |"), text);
    }

    @Test
    void fineTuningRatesChosenOnDevAreListed() throws IOException {
        twoObjectives(false);
        objective("electra", 0.80, 0.01, 0.2, 0.70);
        objective("electra-15", 0.70, 0.02, 0.1, 0.65);
        String text = Files.readString(AblationReport.read(dir).write(dir.resolve("report")));
        assertTrue(!text.contains("learning rate chosen"), "one rate tried: no table: " + text);
        for (String[] o : List.of(new String[] {"electra", "1e-4", "3e-4"}, new String[] {"electra-15", "1.5e-4",
                "1e-3"})) {
            Path eval = dir.resolve(o[0]).resolve("evaluation").resolve("evaluation.json");
            Files.writeString(eval, Files.readString(eval)
                    .replace("\"test_std\":0.01,", "\"test_std\":0.01,\"learning_rate\":" + o[1] + ",")
                    .replace("\"test_std\":0.02,", "\"test_std\":0.02,\"learning_rate\":" + o[1] + ",")
                    .replace("\"test_std\":0.05,", "\"test_std\":0.05,\"learning_rate\":" + o[2] + ","));
        }
        text = Files.readString(AblationReport.read(dir).write(dir.resolve("report")));
        assertTrue(text.contains("learning rate chosen per objective and task by the mean dev score"), text);
        assertTrue(text.contains("| objective | sentiment | acceptability |\n|---|---|---|\n"
                + "| ELECTRA | 1e-4 | 3e-4 |\n| ELECTRA 15% | 1.5e-4 | 1e-3 |\n"), text);
    }

    @Test
    void aMissingRunIsNamed() throws IOException {
        Files.writeString(dir.resolve("_ablation.json"), "{\"objectives\":[\"mlm\"]}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AblationReport.read(dir));
        assertTrue(e.getMessage().contains("objective mlm has no finished run"), e.getMessage());
    }
}
