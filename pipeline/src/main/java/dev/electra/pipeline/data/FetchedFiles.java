package dev.electra.pipeline.data;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.electra.pipeline.errors.JobError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code fetch-data} wrote in a data directory: {@code DATA/_fetch-data.json} maps every file it wrote (relative
 * to the data directory) to its SHA-256. It replaces or adopts nothing else: an output that is present but not
 * recorded is adopted only when it is byte for byte what fetch-data would write (a data directory from before the
 * record), and refused otherwise, {@code --overwrite} or not; a recorded output changed since is refused unless
 * {@code --overwrite}.
 */
public final class FetchedFiles {
    private static final Logger LOG = LoggerFactory.getLogger(FetchedFiles.class);
    /** The record's file name, in the data directory. */
    public static final String FILE_NAME = "_fetch-data.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Writes an output (a file or a directory) at the path it is given. */
    @FunctionalInterface
    public interface Writer {
        void write(Path to) throws IOException;
    }

    private final Path dataDir;
    private final TreeMap<String, String> sha256;

    private FetchedFiles(Path dataDir, TreeMap<String, String> sha256) {
        this.dataDir = dataDir;
        this.sha256 = sha256;
    }

    /** The record of {@code dataDir}, empty when fetch-data has written nothing there yet. */
    public static FetchedFiles load(Path dataDir) {
        Path file = dataDir.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            return new FetchedFiles(dataDir, new TreeMap<>());
        }
        try {
            return new FetchedFiles(dataDir, JSON.readValue(file.toFile(), new TypeReference<TreeMap<String, String>>() {}));
        } catch (IOException e) {
            throw new JobError(file + " does not read as fetch-data's record of the files it wrote (" + e.getMessage()
                    + "); restore it, or move the data directory away and fetch again");
        }
    }

    /**
     * Makes {@code output} (a file or directory inside the data directory) what {@code writer} writes: kept when it
     * is fetch-data's and unchanged, written when absent (or changed, with {@code overwrite}), adopted when present
     * unrecorded but identical, refused otherwise. {@code what} names the content for messages.
     */
    public void ensure(Path output, String what, boolean overwrite, Writer writer) {
        String key = key(output);
        try {
            List<String> recorded = recorded(key);
            boolean present = Files.exists(output);
            if (present && !recorded.isEmpty()) {
                List<String> changes = differences(output, recordedHashes(key));
                if (changes.isEmpty()) {
                    LOG.info("{} is present", output);
                    return;
                }
                if (!overwrite) {
                    throw new JobError(output + " was written by fetch-data but has changed since (" + String.join(
                            "; ", changes) + "); pass --overwrite to write it again, or move it away first to keep it");
                }
            }
            Path fresh = output.resolveSibling("." + output.getFileName() + ".fetch-" + UUID.randomUUID());
            try {
                writer.write(fresh);
                if (present && recorded.isEmpty()) {
                    List<String> changes = differences(output, hashes(fresh));
                    if (!changes.isEmpty()) {
                        throw new JobError(output + " is not what fetch-data writes there (" + what + "): "
                                + String.join("; ", changes) + ". fetch-data does not replace what it did not write, "
                                + "--overwrite or not: move it away, or choose another --data-dir");
                    }
                    LOG.info("{} is present and identical to {}; recorded in {}", output, what, FILE_NAME);
                } else {
                    replace(output, fresh);
                    LOG.info("wrote {} ({})", output, what);
                }
            } finally {
                deleteTree(fresh);
            }
            sha256.keySet().removeAll(recorded);
            hashes(output).forEach((name, sha) -> sha256.put(name.isEmpty() ? key : key + "/" + name, sha));
            save();
        } catch (IOException e) {
            throw new UncheckedIOException("fetch-data could not write " + output + ": " + e.getMessage(), e);
        }
    }

    private String key(Path output) {
        return dataDir.toAbsolutePath().normalize().relativize(output.toAbsolutePath().normalize()).toString()
                .replace('\\', '/');
    }

    private List<String> recorded(String key) {
        return sha256.keySet().stream().filter(k -> k.equals(key) || k.startsWith(key + "/")).toList();
    }

    /** The recorded hashes under {@code key}, named as {@link #hashes} names them. */
    private Map<String, String> recordedHashes(String key) {
        Map<String, String> mine = new TreeMap<>();
        for (String k : recorded(key)) {
            mine.put(k.equals(key) ? "" : k.substring(key.length() + 1), sha256.get(k));
        }
        return mine;
    }

    /** SHA-256 of a file (named "") or of every file in a directory (by relative name). */
    static Map<String, String> hashes(Path output) throws IOException {
        Map<String, String> all = new TreeMap<>();
        if (Files.isRegularFile(output)) {
            all.put("", SampleCorpus.sha256(output));
            return all;
        }
        try (var files = Files.walk(output)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                all.put(output.relativize(f).toString().replace('\\', '/'), SampleCorpus.sha256(f));
            }
        }
        return all;
    }

    /** How {@code output} differs from the expected hashes (changed files first), at most three; empty if it does not. */
    private static List<String> differences(Path output, Map<String, String> expected) throws IOException {
        Map<String, String> actual = hashes(output);
        List<String> changes = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, String> e : expected.entrySet()) {
            String name = e.getKey().isEmpty() ? output.getFileName().toString() : e.getKey();
            String sha = actual.get(e.getKey());
            if (sha == null) {
                missing.add("no " + name);
            } else if (!sha.equals(e.getValue())) {
                Path file = e.getKey().isEmpty() ? output : output.resolve(e.getKey());
                changes.add(name + " differs (" + Files.size(file) + " bytes, SHA-256 " + sha + "; expected "
                        + e.getValue() + ")");
            }
        }
        changes.addAll(missing);
        for (String name : actual.keySet()) {
            if (!expected.containsKey(name)) {
                changes.add(name.isEmpty() ? output.getFileName() + " is a file where a directory was expected"
                        : "an extra file " + name);
            }
        }
        return changes.size() > 3 ? List.of(changes.get(0), changes.get(1), changes.get(2),
                (changes.size() - 3) + " more") : changes;
    }

    /** Puts {@code fresh} at {@code output}; an old output is moved aside first and removed only after. */
    private static void replace(Path output, Path fresh) throws IOException {
        Path old = null;
        if (Files.exists(output)) {
            old = output.resolveSibling("." + output.getFileName() + ".old-" + UUID.randomUUID());
            Files.move(output, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(fresh, output, StandardCopyOption.ATOMIC_MOVE);
        if (old != null) {
            deleteTree(old);
        }
    }

    private void save() throws IOException {
        Path tmp = dataDir.resolve("." + FILE_NAME + ".tmp-" + UUID.randomUUID());
        JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), sha256);
        Files.move(tmp, dataDir.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
