package dev.electra.pipeline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.electra.pipeline.model.kernels.HostWrites;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The three ways of computing a step ({@code model.kernels}) give the same step in float: the same noise bits, the
 * same losses, metrics and gradients. The tolerance is {@link DirectPassTest}'s for float: sums taken in another
 * order differ by ~1e-7 here, while a 1% error in one fused kernel moved the worst difference to 1.8e-4.
 */
class KernelModesTest {
    private static final double FLOAT_TOLERANCE = 2e-5;

    private static ElectraModel model(long seed) {
        return ElectraModel.build(TinyData.config(0.1, 0.02), Objective.ELECTRA, LossWeights.paper(),
                SamplingConfig.paper(), DataType.FLOAT, seed);
    }

    @Test
    void everyModeDrawsTheSameNoiseAndComputesTheSameStep() {
        ElectraModel model = model(31);
        Map<String, INDArray> fused = model.useKernels(KernelMode.FUSED).placeholders(TinyData.batch(), 8, 0, true);
        for (KernelMode mode : List.of(KernelMode.REFERENCE, KernelMode.GRAPH)) {
            Map<String, INDArray> other = model.useKernels(mode).placeholders(TinyData.batch(), 8, 0, true);
            assertEquals(fused.keySet(), other.keySet());
            for (String name : fused.keySet()) {
                assertArrayEquals(fused.get(name).dup().data().asDouble(), other.get(name).dup().data().asDouble(),
                        mode + ": placeholder " + name + " bit for bit (the noise's definition and its vector path)");
            }
        }
        StepResult reference = model.useKernels(KernelMode.FUSED).gradients(fused);
        double worst = 0;
        for (KernelMode mode : List.of(KernelMode.REFERENCE, KernelMode.GRAPH)) {
            StepResult other = model.useKernels(mode).gradients(fused);
            worst = Math.max(worst, DirectPassTest.compareOutputs(reference.outputs(), other.outputs(),
                    FLOAT_TOLERANCE));
            for (ParameterSpec p : model.parameters()) {
                worst = Math.max(worst, DirectPassTest.check(mode + " " + p.name(), reference.gradients().get(p.name()),
                        other.gradients().get(p.name()), FLOAT_TOLERANCE));
            }
            worst = Math.max(worst, DirectPassTest.compareOutputs(model.useKernels(KernelMode.FUSED).forward(fused),
                    model.useKernels(mode).forward(fused), FLOAT_TOLERANCE));
        }
        System.out.printf("fused vs reference vs graph, one float step: max relative difference %.3e%n", worst);
    }

    @Test
    void theClassifierToo() {
        ElectraModel model = ElectraModel.classifier(TinyData.config(0.1, 0.02), Objective.ELECTRA, 3,
                DataType.FLOAT, 32);
        ModelInput in = TinyData.batch();
        Map<String, INDArray> ph = model.classifierPlaceholders(in.originalIds(), in.segmentIds(), new int[] {5, 6},
                new int[] {2, 0}, 6, 0, true);
        ElectraModel.ClassifierStep fused = model.useKernels(KernelMode.FUSED).classifierGradients(ph);
        for (KernelMode mode : List.of(KernelMode.REFERENCE, KernelMode.GRAPH)) {
            ElectraModel.ClassifierStep other = model.useKernels(mode).classifierGradients(ph);
            assertEquals(fused.loss(), other.loss(), FLOAT_TOLERANCE * Math.max(1, Math.abs(fused.loss())), mode + "");
            DirectPassTest.check(mode + " logits", fused.logits(), other.logits(), FLOAT_TOLERANCE);
            DirectPassTest.check(mode + " classify", fused.logits(), model.classify(ph), FLOAT_TOLERANCE);
            for (ParameterSpec p : model.parameters()) {
                DirectPassTest.check(mode + " " + p.name(), fused.gradients().get(p.name()),
                        other.gradients().get(p.name()), FLOAT_TOLERANCE);
            }
        }
    }

    /**
     * Host views of ND4J memory are taken only in {@link HostWrites}, which tags writes for a device backend; a raw
     * {@code asNio} anywhere else in the main code would write behind a GPU's back.
     */
    @Test
    void noCodeButHostWritesTouchesNd4jMemoryThroughHostViews() throws IOException {
        List<String> offenders = new ArrayList<>();
        int scanned = 0;
        for (String module : List.of("../pipeline", "../jobs", "../bench")) {
            Path root = Path.of(module, "src/main/java");
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(root)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    if (f.getFileName().toString().equals("HostWrites.java")) {
                        continue;
                    }
                    scanned++;
                    List<String> lines = Files.readAllLines(f);
                    for (int i = 0; i < lines.size(); i++) {
                        if (lines.get(i).contains(".asNio")) {
                            offenders.add(f + ":" + (i + 1) + ": " + lines.get(i).strip());
                        }
                    }
                }
            }
        }
        assertTrue(scanned > 100, "scanned the main sources of pipeline, jobs and bench: " + scanned + " files");
        assertTrue(offenders.isEmpty(), "host views outside HostWrites:\n" + String.join("\n", offenders));
    }
}
