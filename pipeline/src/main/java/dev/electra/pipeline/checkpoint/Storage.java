package dev.electra.pipeline.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/**
 * The few file operations checkpoints need, so the format lives here in plain Java while the jobs module supplies
 * a Hadoop implementation (HDFS, S3) and tests use {@link LocalStorage}. Paths are relative to a root, '/'-separated.
 */
public interface Storage {
    OutputStream create(String path) throws IOException;

    InputStream open(String path) throws IOException;

    boolean exists(String path) throws IOException;

    /** Names directly under {@code dir} (empty when it does not exist). */
    List<String> list(String dir) throws IOException;

    /** Renames {@code from} to {@code to}; fails if {@code to} exists. */
    void rename(String from, String to) throws IOException;

    void deleteRecursively(String path) throws IOException;

    /** Where this storage is, for messages. */
    String describe(String path);
}
