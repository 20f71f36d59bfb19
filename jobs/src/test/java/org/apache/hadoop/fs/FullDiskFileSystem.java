package org.apache.hadoop.fs;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * The local file system under the scheme {@code fulldisk://}, where writing a file whose name contains
 * {@link #failing} fails as a full disk does on the real one: {@code FSError} wrapping "No space left on device"
 * (FSError's constructor is package-private, hence this package).
 */
public class FullDiskFileSystem extends RawLocalFileSystem {
    public static final String SCHEME = "fulldisk";
    /** Part of the names of the files that cannot be written; empty: every write succeeds. */
    public static volatile String failing = "";
    /** The Hadoop setting that sets {@link #failing} when the file system starts (in a process of its own). */
    public static final String FAILING = "fs.fulldisk.failing";

    @Override
    public void initialize(URI uri, Configuration conf) throws IOException {
        super.initialize(uri, conf);
        String configured = conf.get(FAILING);
        if (configured != null) {
            failing = configured;
        }
    }

    /** Makes {@code fulldisk:///path} resolve to this file system in {@code conf}. */
    public static void register(Configuration conf) {
        conf.set("fs." + SCHEME + ".impl", FullDiskFileSystem.class.getName());
        conf.setBoolean("fs." + SCHEME + ".impl.disable.cache", true);
    }

    /** What the local file system throws when the disk is full. */
    public static Error noSpace() {
        return new FSError(new IOException("No space left on device"));
    }

    @Override
    public URI getUri() {
        return URI.create(SCHEME + ":///");
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }

    @Override
    public FSDataOutputStream create(Path f, boolean overwrite, int bufferSize, short replication, long blockSize,
                                     Progressable progress) throws IOException {
        return full(f, super.create(f, overwrite, bufferSize, replication, blockSize, progress));
    }

    @Override
    public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
                                     short replication, long blockSize, Progressable progress) throws IOException {
        return full(f, super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress));
    }

    private FSDataOutputStream full(Path f, FSDataOutputStream real) throws IOException {
        String pattern = failing;
        if (pattern.isEmpty() || !f.getName().contains(pattern)) {
            return real;
        }
        return new FSDataOutputStream(new OutputStream() {
            @Override
            public void write(int b) {
                throw noSpace();
            }

            @Override
            public void write(byte[] b, int off, int len) {
                throw noSpace();
            }

            @Override
            public void close() throws IOException {
                real.close();
            }
        }, statistics);
    }
}
