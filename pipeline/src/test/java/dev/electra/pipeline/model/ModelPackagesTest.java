package dev.electra.pipeline.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packages behind the model's façade never reach back into it, and depend on each other one way: kernels (array
 * calls) ← noise (dropout masks, sampling) ← graph (the definition) ← pass (the hand-written pass, which reads the
 * graph's names). From the model package itself they may use only its value types (sizes, names, the parameter
 * layout, the objective): an import of {@code ElectraModel}, its placeholders or its outputs, static or not, or a
 * fully qualified mention of them, fails this test, and so does an import of the configuration or the training code.
 */
class ModelPackagesTest {
    private static final Path MODEL = Path.of("src/main/java/dev/electra/pipeline/model");
    /** The model package's types a sub-package may import: values that import nothing back. */
    private static final Set<String> VALUE_TYPES = Set.of("ModelConfig", "ParameterNames", "ParameterSpec",
            "LossWeights", "Objective", "SamplingConfig", "ModelInput");
    /** The sub-packages each sub-package may import. */
    private static final Map<String, Set<String>> MAY_IMPORT = Map.of(
            "kernels", Set.of(),
            "noise", Set.of("kernels"),
            "graph", Set.of("noise"),
            "pass", Set.of("kernels", "noise", "graph"));
    private static final Pattern MODEL_REFERENCE = Pattern.compile(
            "dev\\.electra\\.pipeline\\.model\\.(?:(kernels|noise|graph|pass)\\.)?([A-Z]\\w*)");
    private static final Pattern PIPELINE_IMPORT = Pattern.compile(
            "^import (?:static )?dev\\.electra\\.pipeline\\.(\\w+)\\.");

    @Test
    void subPackagesNeverReachBackIntoTheFacade() throws IOException {
        List<String> offenders = new ArrayList<>();
        for (Map.Entry<String, Set<String>> entry : MAY_IMPORT.entrySet()) {
            String pkg = entry.getKey();
            for (Path file : javaFiles(MODEL.resolve(pkg))) {
                List<String> lines = Files.readAllLines(file);
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i);
                    String where = MODEL.relativize(file) + ":" + (i + 1) + ": ";
                    Matcher m = MODEL_REFERENCE.matcher(line);
                    while (m.find()) {
                        String sub = m.group(1);
                        String type = m.group(2);
                        boolean allowed = sub == null ? VALUE_TYPES.contains(type)
                                : sub.equals(pkg) || entry.getValue().contains(sub);
                        if (!allowed) {
                            offenders.add(where + line.strip());
                        }
                    }
                    Matcher p = PIPELINE_IMPORT.matcher(line);
                    if (p.find() && !Set.of("model", "seeds", "errors").contains(p.group(1))) {
                        offenders.add(where + line.strip());
                    }
                }
            }
        }
        assertEquals(List.of(), offenders, "imports that reach back into the model's façade or upward");
    }

    @Test
    void theModelDependsOnNoConfigurationOrTrainingCode() throws IOException {
        List<String> offenders = new ArrayList<>();
        for (Path file : javaFiles(MODEL)) {
            for (String line : Files.readAllLines(file)) {
                Matcher p = PIPELINE_IMPORT.matcher(line);
                if (p.find() && !Set.of("model", "seeds", "errors", "masking").contains(p.group(1))) {
                    offenders.add(MODEL.relativize(file) + ": " + line.strip());
                }
            }
        }
        assertEquals(List.of(), offenders);
    }

    /** The test's own check: a planted import of the façade into a kernel is caught. */
    @Test
    void aPlantedImportIsCaught() {
        Matcher m = MODEL_REFERENCE.matcher("import static dev.electra.pipeline.model.ElectraModel.LOSS_MAIN;");
        assertFalse(!m.find() || VALUE_TYPES.contains(m.group(2)));
    }

    private static List<Path> javaFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.toString().endsWith(".java")).sorted().toList();
        }
    }
}
