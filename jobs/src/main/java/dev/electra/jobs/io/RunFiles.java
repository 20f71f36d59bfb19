package dev.electra.jobs.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.electra.pipeline.config.RunInfo;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A pretrain run's {@code _run.json} and {@code _effective.conf}, read and written in the run directory itself: a
 * run trains in place so that a killed one resumes, where other outputs are written beside and renamed
 * ({@link OutputDir}).
 */
public final class RunFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RunFiles() {}

    /** The results of the run's {@code _run.json} (an empty object when the run is new). */
    public static JsonNode results(FileSystem fs, Path run) {
        try (var in = fs.open(new Path(run, RunInfo.FILE_NAME))) {
            return JSON.readTree(in).path("results");
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    /** Writes {@code info} with {@code results} and its effective configuration into the run. */
    public static void write(FileSystem fs, Path run, RunInfo info, Map<String, Object> results) throws IOException {
        RunInfo done = info.withResults(results);
        try (OutputStream o = fs.create(new Path(run, RunInfo.FILE_NAME), true)) {
            o.write(done.toJson());
        }
        try (OutputStream o = fs.create(new Path(run, RunInfo.CONFIG_FILE_NAME), true)) {
            o.write(done.effectiveConfig().getBytes(StandardCharsets.UTF_8));
        }
    }
}
