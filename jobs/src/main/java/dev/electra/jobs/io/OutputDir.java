package dev.electra.jobs.io;

import dev.electra.pipeline.config.RunInfo;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An output directory written atomically on any Hadoop file system: everything goes to a hidden temporary
 * sibling, and {@link #commit} renames it into place, so a failed job leaves nothing at the output path. An
 * existing output is refused unless {@code overwrite} is set, and then replaced only at commit time.
 */
public final class OutputDir implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OutputDir.class);

    private final FileSystem fs;
    private final Path target;
    private final Path temporary;
    private final boolean overwrite;
    private boolean committed;

    private OutputDir(FileSystem fs, Path target, Path temporary, boolean overwrite) {
        this.fs = fs;
        this.target = target;
        this.temporary = temporary;
        this.overwrite = overwrite;
    }

    /** Checks the target and creates the temporary directory. */
    public static OutputDir begin(String output, boolean overwrite, Configuration hadoop) {
        try {
            Path target = new Path(output);
            FileSystem fs = target.getFileSystem(hadoop);
            target = fs.makeQualified(target);
            if (fs.exists(target) && !overwrite) {
                throw new IllegalArgumentException("output " + target + " already exists; choose another path or "
                        + "pass --overwrite to replace it (the old output is kept until the new one is complete)");
            }
            Path parent = target.getParent();
            if (parent != null && !fs.exists(parent)) {
                fs.mkdirs(parent);
            }
            Path temporary = new Path(parent, "." + target.getName() + ".tmp-" + UUID.randomUUID());
            if (!fs.mkdirs(temporary)) {
                throw new IOException("cannot create " + temporary);
            }
            return new OutputDir(fs, target, temporary, overwrite);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare output " + output + ": " + e.getMessage(), e);
        }
    }

    /** The temporary directory everything is written to. */
    public Path temporary() {
        return temporary;
    }

    public Path target() {
        return target;
    }

    public FileSystem fs() {
        return fs;
    }

    /** Writes a small file inside the temporary directory. */
    public void write(String name, byte[] bytes) {
        try (OutputStream out = fs.create(new Path(temporary, name), true)) {
            out.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + name + " in " + temporary, e);
        }
    }

    /** Writes the run's provenance next to its outputs. */
    public void writeRunInfo(RunInfo info) {
        write(RunInfo.FILE_NAME, info.toJson());
        write(RunInfo.CONFIG_FILE_NAME, info.effectiveConfig().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Renames the temporary directory to the target, replacing an old output only now. */
    public void commit() {
        try {
            Path old = null;
            if (fs.exists(target)) {
                if (!overwrite) {
                    throw new IOException("output " + target + " appeared while the job ran; not replacing it");
                }
                old = new Path(target.getParent(), "." + target.getName() + ".old-" + UUID.randomUUID());
                if (!fs.rename(target, old)) {
                    throw new IOException("cannot move the old output " + target + " aside");
                }
            }
            if (!fs.rename(temporary, target)) {
                throw new IOException("cannot rename " + temporary + " to " + target);
            }
            committed = true;
            if (old != null) {
                fs.delete(old, true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot commit output " + target + ": " + e.getMessage(), e);
        }
    }

    /**
     * For a single-file output: renames {@code name} from the temporary directory to the target path, replacing an
     * old file only now, and removes the temporary directory.
     */
    public void commitFile(String name) {
        try {
            if (fs.exists(target)) {
                if (!overwrite) {
                    throw new IOException("output " + target + " appeared while the job ran; not replacing it");
                }
                fs.delete(target, true);
            }
            if (!fs.rename(new Path(temporary, name), target)) {
                throw new IOException("cannot rename " + new Path(temporary, name) + " to " + target);
            }
            committed = true;
            fs.delete(temporary, true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot commit output " + target + ": " + e.getMessage(), e);
        }
    }

    /** Deletes the temporary directory unless the output was committed. */
    @Override
    public void close() {
        if (!committed) {
            try {
                fs.delete(temporary, true);
            } catch (IOException e) {
                LOG.warn("could not delete the temporary output {}: {}", temporary, e.getMessage());
            }
        }
    }
}
