package dev.electra.pipeline.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints as directories {@code step-NNNNNNNNN/} holding {@code params.npy}, {@code adam_m.npy},
 * {@code adam_v.npy}, for a run with an outer momentum {@code outer_momentum.npy} (float32 .npy) and
 * {@code state.json} (step, seed, each worker's data position, config, the parameter layout and the SHA-256 of each
 * array file). A checkpoint is written under a temporary name and renamed
 * when complete; {@code latest} names the last complete one. Loading verifies the checksums and falls back to the
 * previous checkpoint, with a warning, when the newest is truncated or corrupted.
 */
public final class Checkpoints {
    private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);
    public static final String LATEST = "latest";
    private static final String PREFIX = "step-";
    private static final String STATE = "state.json";
    private static final String[] ARRAYS = {"params.npy", "adam_m.npy", "adam_v.npy"};
    /** Written only by runs that have one, so a checkpoint of any other run is what it always was. */
    private static final String OUTER_MOMENTUM = "outer_momentum.npy";
    /** state.json lists {@code parameters} as [{name, shape, offset}]. */
    public static final String FORMAT = "electra-checkpoint/2";
    /** state.json gives only the number of parameters (written before layouts were recorded). */
    public static final String FORMAT_WITHOUT_LAYOUT = "electra-checkpoint/1";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Storage storage;
    private final int keep;

    /** @param keep how many complete checkpoints to keep (older ones are deleted after a save) */
    public Checkpoints(Storage storage, int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("must keep at least one checkpoint, got " + keep);
        }
        this.storage = storage;
        this.keep = keep;
    }

    public static String directoryName(long step) {
        return String.format("%s%09d", PREFIX, step);
    }

    /** Writes a checkpoint atomically and points {@code latest} at it; returns its directory name. */
    public String save(TrainingState state) throws IOException {
        String name = directoryName(state.step());
        String tmp = "." + name + ".tmp";
        storage.deleteRecursively(tmp);
        try {
            write(state, tmp);
        } catch (IOException | RuntimeException e) {
            removeQuietly(tmp, e);
            throw e;
        }
        storage.deleteRecursively(name);
        storage.rename(tmp, name);
        writeLatest(name);
        prune();
        return name;
    }

    /** Deletes what a failed write left, keeping the write's failure as the one reported. */
    private void removeQuietly(String path, Exception failure) {
        try {
            storage.deleteRecursively(path);
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    /**
     * Removes the temporary checkpoints ({@code .step-N.tmp}, {@code .latest.tmp}) that a killed run left; a run
     * calls this before it resumes, when no other writer can be at work in its directory.
     */
    public void removeIncomplete() throws IOException {
        for (String n : storage.list("")) {
            if (n.startsWith(".") && n.endsWith(".tmp")) {
                LOG.warn("removing {}, an incomplete checkpoint a stopped run left", storage.describe(n));
                storage.deleteRecursively(n);
            }
        }
    }

    private void write(TrainingState state, String tmp) throws IOException {
        Map<String, float[]> arrays = new LinkedHashMap<>();
        arrays.put(ARRAYS[0], state.params());
        arrays.put(ARRAYS[1], state.adamM());
        arrays.put(ARRAYS[2], state.adamV());
        if (state.outerMomentum().length > 0) {
            arrays.put(OUTER_MOMENTUM, state.outerMomentum());
        }
        Map<String, String> sums = new LinkedHashMap<>();
        for (Map.Entry<String, float[]> a : arrays.entrySet()) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(a.getValue().length * 4 + 128);
            Npy.write(a.getValue(), bytes);
            sums.put(a.getKey(), sha256(bytes.toByteArray()));
            try (OutputStream out = storage.create(tmp + "/" + a.getKey())) {
                bytes.writeTo(out);
            }
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("format", state.layout().recorded() ? FORMAT : FORMAT_WITHOUT_LAYOUT);
        json.put("step", state.step());
        json.put("seed", state.seed());
        List<Map<String, Long>> positions = new ArrayList<>();
        for (int w = 0; w < state.workers(); w++) {
            positions.add(Map.of("epoch", state.epochs()[w], "examples_in_epoch", state.examplesInEpoch()[w]));
        }
        json.put("data_positions", positions);
        json.put("parameter_count", state.params().length);
        if (state.layout().recorded()) {
            List<Map<String, Object>> layout = new ArrayList<>();
            for (ParameterLayout.Tensor t : state.layout().tensors()) {
                layout.add(Map.of("name", t.name(), "shape", t.shape(), "offset", t.offset()));
            }
            json.put("parameters", layout);
        } else {
            json.put("parameters", state.params().length);
        }
        json.put("moment_sets", state.momentSets());
        json.put("sha256", sums);
        json.put("config", state.config());
        try (OutputStream out = storage.create(tmp + "/" + STATE)) {
            out.write(JSON.writeValueAsBytes(json));
        }
    }

    private void writeLatest(String name) throws IOException {
        String tmp = "." + LATEST + ".tmp";
        try (OutputStream out = storage.create(tmp)) {
            out.write((name + "\n").getBytes(StandardCharsets.UTF_8));
        }
        storage.deleteRecursively(LATEST);
        storage.rename(tmp, LATEST);
    }

    private void prune() throws IOException {
        List<String> complete = completeCheckpoints();
        for (int i = 0; i < complete.size() - keep; i++) {
            storage.deleteRecursively(complete.get(i));
        }
    }

    /** Checkpoint directories in step order (temporary ones excluded). */
    public List<String> completeCheckpoints() throws IOException {
        List<String> names = new ArrayList<>();
        for (String n : storage.list("")) {
            if (n.startsWith(PREFIX)) {
                names.add(n);
            }
        }
        names.sort(null);
        return names;
    }

    /**
     * The newest checkpoint that verifies, starting from {@code latest}; a corrupted or truncated one is reported
     * and skipped. Empty when there is none.
     */
    public Optional<TrainingState> loadLatest() throws IOException {
        List<String> candidates = new ArrayList<>(completeCheckpoints());
        java.util.Collections.reverse(candidates);
        if (storage.exists(LATEST)) {
            String latest;
            try (InputStream in = storage.open(LATEST)) {
                latest = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            }
            candidates.remove(latest);
            candidates.add(0, latest);
        }
        for (String name : candidates) {
            try {
                return Optional.of(load(name));
            } catch (IOException | RuntimeException e) {
                LOG.warn("checkpoint {} is unusable ({}); trying the previous one", storage.describe(name),
                        e.getMessage());
            }
        }
        return Optional.empty();
    }

    /** Loads and verifies one checkpoint; an IOException says which file is missing, truncated or corrupted. */
    public TrainingState load(String name) throws IOException {
        if (!storage.exists(name + "/" + STATE)) {
            throw new IOException(storage.describe(name) + " has no " + STATE + " (an incomplete checkpoint)");
        }
        JsonNode json;
        try (InputStream in = storage.open(name + "/" + STATE)) {
            json = JSON.readTree(in);
        }
        float[][] arrays = new float[ARRAYS.length][];
        for (int i = 0; i < ARRAYS.length; i++) {
            arrays[i] = readVerified(name, ARRAYS[i], json);
        }
        // Listed among the checksums exactly when the run wrote one.
        float[] outerMomentum = json.path("sha256").has(OUTER_MOMENTUM) ? readVerified(name, OUTER_MOMENTUM, json)
                : new float[0];
        ParameterLayout layout = layout(json.path("parameters"), storage.describe(name + "/" + STATE));
        long parameters = layout.recorded() ? layout.length() : json.path("parameters").asLong();
        if (arrays[0].length != parameters) {
            throw new IOException(storage.describe(name) + " holds " + arrays[0].length + " parameters, its "
                    + STATE + " says " + parameters);
        }
        JsonNode positions = json.path("data_positions");
        if (!positions.isArray() || positions.isEmpty()) {
            throw new IOException(storage.describe(name + "/" + STATE) + " has no data_positions");
        }
        long[] epochs = new long[positions.size()];
        long[] offsets = new long[positions.size()];
        for (int w = 0; w < epochs.length; w++) {
            epochs[w] = positions.get(w).path("epoch").asLong();
            offsets[w] = positions.get(w).path("examples_in_epoch").asLong();
        }
        try {
            return new TrainingState(json.path("step").asLong(), arrays[0], arrays[1], arrays[2],
                    json.path("seed").asLong(), epochs, offsets, json.path("config").asText(), layout,
                    outerMomentum);
        } catch (IllegalArgumentException e) {
            throw new IOException(storage.describe(name) + " is inconsistent: " + e.getMessage(), e);
        }
    }

    /** One array file of checkpoint {@code name}, checked against the SHA-256 its state.json records. */
    private float[] readVerified(String name, String file, JsonNode json) throws IOException {
        String path = name + "/" + file;
        byte[] bytes;
        try (InputStream in = storage.open(path)) {
            bytes = in.readAllBytes();
        }
        String expected = json.path("sha256").path(file).asText();
        String actual = sha256(bytes);
        if (!actual.equals(expected)) {
            throw new IOException(storage.describe(path) + " is corrupted or truncated: SHA-256 " + actual
                    + ", expected " + expected);
        }
        return Npy.read(new ByteArrayInputStream(bytes), storage.describe(path));
    }

    /** The recorded layout: a list of {name, shape, offset}, or a bare count in format 1 (unrecorded). */
    private static ParameterLayout layout(JsonNode parameters, String where) throws IOException {
        if (!parameters.isArray()) {
            return ParameterLayout.UNRECORDED;
        }
        List<ParameterLayout.Tensor> tensors = new ArrayList<>();
        for (JsonNode t : parameters) {
            long[] shape = new long[t.path("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = t.path("shape").get(i).asLong();
            }
            tensors.add(new ParameterLayout.Tensor(t.path("name").asText(), shape, t.path("offset").asLong()));
        }
        try {
            return new ParameterLayout(tensors);
        } catch (IllegalArgumentException e) {
            throw new IOException(where + " has an inconsistent parameter layout: " + e.getMessage(), e);
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
