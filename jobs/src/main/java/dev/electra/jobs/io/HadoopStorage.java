package dev.electra.jobs.io;

import dev.electra.pipeline.checkpoint.Storage;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FSError;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** A run's checkpoints and metric files on any Hadoop file system (file://, hdfs://, s3a://). */
public final class HadoopStorage implements Storage {
    private final FileSystem fs;
    private final Path root;

    public HadoopStorage(String root, Configuration hadoop) throws IOException {
        this(new Path(root).getFileSystem(hadoop), new Path(root));
    }

    /** Storage under {@code root} of {@code fs} itself (the local file system's raw layer, say). */
    public HadoopStorage(FileSystem fs, Path root) {
        this.fs = fs;
        this.root = fs.makeQualified(root);
    }

    private Path resolve(String path) {
        return path.isEmpty() ? root : new Path(root, path);
    }

    @Override
    public OutputStream create(String path) throws IOException {
        Path p = resolve(path);
        return new FilterOutputStream(fs.create(p, true)) {
            // The local file system reports a failed write (a full disk) as FSError, an Error no caller expects.
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                try {
                    out.write(b, off, len);
                } catch (FSError e) {
                    throw new IOException("cannot write " + p + ": " + e.getCause().getMessage(), e.getCause());
                }
            }

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void close() throws IOException {
                try {
                    super.close();
                } catch (FSError e) {
                    throw new IOException("cannot write " + p + ": " + e.getCause().getMessage(), e.getCause());
                }
            }
        };
    }

    @Override
    public InputStream open(String path) throws IOException {
        return fs.open(resolve(path));
    }

    @Override
    public boolean exists(String path) throws IOException {
        return fs.exists(resolve(path));
    }

    @Override
    public List<String> list(String dir) throws IOException {
        Path p = resolve(dir);
        List<String> names = new ArrayList<>();
        if (!fs.exists(p)) {
            return names;
        }
        for (FileStatus f : fs.listStatus(p)) {
            names.add(f.getPath().getName());
        }
        names.sort(null);
        return names;
    }

    @Override
    public void rename(String from, String to) throws IOException {
        if (fs.exists(resolve(to))) {
            throw new IOException(describe(to) + " already exists");
        }
        if (!fs.rename(resolve(from), resolve(to))) {
            throw new IOException("cannot rename " + describe(from) + " to " + describe(to));
        }
    }

    @Override
    public void deleteRecursively(String path) throws IOException {
        fs.delete(resolve(path), true);
    }

    @Override
    public String describe(String path) {
        return resolve(path).toString();
    }
}
