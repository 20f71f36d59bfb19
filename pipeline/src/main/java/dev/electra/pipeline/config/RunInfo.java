package dev.electra.pipeline.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What is written next to every output ({@value #FILE_NAME}, {@value #CONFIG_FILE_NAME}): the command, its
 * arguments, the seed, the code version and the effective configuration, so a run can be reproduced.
 */
public record RunInfo(String command, List<String> arguments, long seed, CodeVersion code,
                      String startedAt, String javaVersion, String effectiveConfig, Map<String, Object> results) {
    public static final String FILE_NAME = "_run.json";
    public static final String CONFIG_FILE_NAME = "_effective.conf";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public static RunInfo start(String command, List<String> arguments, ElectraConfig config) {
        return new RunInfo(command, List.copyOf(arguments), config.seed(), CodeVersion.current(),
                Instant.now().toString(), System.getProperty("java.version"), config.rendered(), Map.of());
    }

    /** The same run with its results (counts, checksums, wall time) attached. */
    public RunInfo withResults(Map<String, Object> values) {
        return new RunInfo(command, arguments, seed, code, startedAt, javaVersion, effectiveConfig,
                Map.copyOf(new LinkedHashMap<>(values)));
    }

    public byte[] toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("command", command);
        m.put("arguments", arguments);
        m.put("seed", seed);
        m.put("code_version", code.version());
        m.put("code_commit", code.commit());
        m.put("code_dirty", code.dirty());
        m.put("started_at", startedAt);
        m.put("java_version", javaVersion);
        m.put("results", new java.util.TreeMap<>(results));
        m.put("config", effectiveConfig);
        try {
            return JSON.writeValueAsBytes(m);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
