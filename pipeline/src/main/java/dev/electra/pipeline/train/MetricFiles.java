package dev.electra.pipeline.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.electra.pipeline.checkpoint.Storage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A run's metric files ({@code metrics/train-STEP.jsonl}, {@code metrics/eval-STEP.jsonl}: one JSON object per
 * line, each with its {@code step}), as a resumed run must leave them.
 */
public final class MetricFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private MetricFiles() {}

    /**
     * Removes the metric lines of steps after {@code step} (and lines a killed run left unfinished) from every file of
     * {@code metrics}: a run that resumes there trains those steps again, and the report must not read the abandoned
     * ones as if they happened. A file is rewritten beside itself and renamed over it. Returns the lines removed.
     */
    public static int cutAfter(Storage metrics, long step) throws IOException {
        int cut = 0;
        for (String name : metrics.list("")) {
            if (!name.endsWith(".jsonl") || name.startsWith(".")) {
                continue;
            }
            List<String> kept = new ArrayList<>();
            int dropped = 0;
            try (var in = new BufferedReader(new InputStreamReader(metrics.open(name), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (stepOf(line) <= step) {
                        kept.add(line);
                    } else {
                        dropped++;
                    }
                }
            }
            if (dropped == 0) {
                continue;
            }
            cut += dropped;
            if (!kept.isEmpty()) {
                try (OutputStream o = metrics.create("." + name + ".tmp")) {
                    o.write((String.join("\n", kept) + "\n").getBytes(StandardCharsets.UTF_8));
                }
            }
            metrics.deleteRecursively(name);
            if (!kept.isEmpty()) {
                metrics.rename("." + name + ".tmp", name);
            }
        }
        return cut;
    }

    /** The step of a metrics line; a line cut short by a kill counts as after every step. */
    private static long stepOf(String line) {
        try {
            JsonNode n = JSON.readTree(line);
            return n != null && n.has("step") ? n.get("step").asLong() : Long.MAX_VALUE;
        } catch (IOException e) {
            return Long.MAX_VALUE;
        }
    }
}
