package dev.electra.jobs.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.electra.pipeline.config.RunInfo;
import dev.electra.pipeline.errors.JobError;
import dev.electra.pipeline.report.AblationDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An output directory written atomically on any Hadoop file system: everything goes to a hidden temporary
 * sibling, and {@link #commit} renames it into place, so a failed job leaves nothing at the output path.
 *
 * <p>Nothing a user wrote is lost: an output that overlaps an input is refused before anything is read; an existing
 * output is refused unless {@code overwrite} is set, and even then only when its {@code _run.json} says that the
 * same command wrote it; the old output is removed only after the new one is complete and renamed into place. The
 * temporary name carries the writer's process and host, so the next job into the same parent removes what a killed
 * job left behind (and reports what it cannot prove dead).
 */
public final class OutputDir implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OutputDir.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What an ablation directory holds once complete. */
    public static final String ABLATION_FILE = AblationDescriptor.FILE_NAME;
    /** {@code .NAME.tmp-PID@HOST-UUID} and {@code .NAME.old-UUID}: a job's temporary output and a replaced one. */
    private static final Pattern LEFTOVER = Pattern.compile("\\.(.+)\\.(tmp|old)-(?:(\\d+)@(.+)-)?[0-9a-f-]{36}");

    private final FileSystem fs;
    private final Path target;
    private final Path temporary;
    private final boolean overwrite;
    private final Lease lease;
    private boolean committed;

    private OutputDir(FileSystem fs, Path target, Path temporary, boolean overwrite, Lease lease) {
        this.fs = fs;
        this.target = target;
        this.temporary = temporary;
        this.overwrite = overwrite;
        this.lease = lease;
    }

    /**
     * A local path as a Hadoop path of the local file system, whatever the default file system is. Not from
     * {@code toUri()}: the URI of an existing directory ends in '/', which would give its lease another name.
     */
    public static Path local(java.nio.file.Path path) {
        return new Path("file", null, path.toAbsolutePath().normalize().toString());
    }

    /** A path the job reads, with the option that named it (for messages). */
    public record Input(String option, String path) {}

    /**
     * Checks the target against the inputs and what is already there, cleans what dead jobs left beside it, and
     * creates the temporary directory.
     *
     * @param command the command writing the output (as its {@code _run.json} will say)
     */
    public static OutputDir begin(String command, String output, boolean overwrite, Configuration hadoop,
                                  List<Input> inputs) {
        return begin(command, output, overwrite, hadoop, inputs, null);
    }

    /**
     * As {@link #begin(String, String, boolean, Configuration, List)} for a single file of id lines ({@code encode}'s
     * output): an existing file is replaced only when it holds nothing but lines of space-separated ids.
     */
    public static OutputDir beginIdFile(String command, String output, boolean overwrite, Configuration hadoop,
                                        List<Input> inputs) {
        return begin(command, output, overwrite, hadoop, inputs, OutputDir::onlyIdLines);
    }

    /** Tells whether an existing file is an earlier output of the command, which {@code --overwrite} may replace. */
    @FunctionalInterface
    public interface FileCheck {
        boolean written(FileSystem fs, Path file) throws IOException;
    }

    /**
     * As {@link #begin(String, String, boolean, Configuration, List)} for a single output file: an existing file is
     * replaced only when {@code ours} recognises it as the command's own output.
     */
    public static OutputDir beginFile(String command, String output, boolean overwrite, Configuration hadoop,
                                      List<Input> inputs, FileCheck ours) {
        return begin(command, output, overwrite, hadoop, inputs, ours);
    }

    private static OutputDir begin(String command, String output, boolean overwrite, Configuration hadoop,
                                   List<Input> inputs, FileCheck fileOutput) {
        try {
            Path target = new Path(output);
            FileSystem fs = target.getFileSystem(hadoop);
            target = fs.makeQualified(target);
            checkApart(fs, target, inputs, hadoop);
            Path parent = target.getParent();
            Lease lease = Lease.take(fs, target, command);
            try {
                return leased(fs, target, parent, command, overwrite, fileOutput, lease);
            } catch (IOException | RuntimeException e) {
                lease.close();
                throw e;
            }
        } catch (IOException e) {
            throw Failures.writing(e, output, "nothing was written");
        }
    }

    /** The rest of {@link #begin} once the lease is held: only the lease holder may clean or create here. */
    private static OutputDir leased(FileSystem fs, Path target, Path parent, String command, boolean overwrite,
                                    FileCheck fileOutput, Lease lease) throws IOException {
        cleanLeftovers(fs, target);
        if (fs.exists(target)) {
            if (!overwrite) {
                throw new JobError("output " + target + " already exists; choose another path or pass "
                        + "--overwrite to replace it (the old output is kept until the new one is complete)");
            }
            if (!(fileOutput != null && fs.getFileStatus(target).isFile() && fileOutput.written(fs, target))) {
                requireOwn(fs, target, command, "--overwrite replaces");
            }
        }
        if (parent != null && !fs.exists(parent)) {
            fs.mkdirs(parent);
        }
        Path temporary = new Path(parent, "." + target.getName() + ".tmp-" + processTag() + "-" + UUID.randomUUID());
        if (!fs.mkdirs(temporary)) {
            throw new IOException("cannot create " + temporary);
        }
        return new OutputDir(fs, target, temporary, overwrite, lease);
    }

    /**
     * Refuses an output equal to, inside, or containing one of the inputs: writing there would replace or mix with
     * what the job reads. Globs are compared by their directory part.
     */
    public static void checkApart(FileSystem fs, Path target, List<Input> inputs, Configuration hadoop)
            throws IOException {
        Path realTarget = real(fs, target);
        for (Input input : inputs) {
            if (input.path() == null) {
                continue;
            }
            Path in = new Path(withoutGlob(input.path()));
            FileSystem inFs = in.getFileSystem(hadoop);
            if (!inFs.getUri().equals(fs.getUri())) {
                continue;
            }
            in = real(inFs, inFs.makeQualified(in));
            String relation = relation(realTarget, in);
            if (relation != null) {
                String via = realTarget.equals(target) ? "" : " (through a symbolic link: " + target + ")";
                throw new JobError("output " + realTarget + via + " " + relation + " the input " + in + " ("
                        + input.option() + "); choose an output outside every input, so nothing the job reads is "
                        + "replaced");
            }
        }
    }

    /** How {@code target} lies to {@code in}: "is", "is inside", "contains", or null when apart. */
    private static String relation(Path target, Path in) {
        if (in.equals(target)) {
            return "is";
        } else if (isAncestor(in, target)) {
            return "is inside";
        } else if (isAncestor(target, in)) {
            return "contains";
        }
        return null;
    }

    /**
     * The path with its symbolic links resolved, so that the overlap checks compare what is really read and written:
     * the deepest part that exists is resolved (on the local file system by the operating system, elsewhere by
     * {@link FileSystem#resolvePath}), and the rest, not yet created, appended.
     */
    public static Path real(FileSystem fs, Path path) throws IOException {
        java.util.Deque<String> missing = new java.util.ArrayDeque<>();
        Path existing = path;
        while (existing != null && !fs.exists(existing)) {
            missing.push(existing.getName());
            existing = existing.getParent();
        }
        if (existing == null) {
            return path;
        }
        Path resolved;
        java.util.Optional<java.io.File> local = Lease.localFile(fs, existing);
        if (local.isPresent()) {
            String real = local.get().toPath().toRealPath().toString();
            resolved = fs.makeQualified(new Path(fs.getUri().getScheme(), null, real));
        } else {
            resolved = fs.resolvePath(existing);
        }
        for (String name : missing) {
            resolved = new Path(resolved, name);
        }
        return resolved;
    }

    private static String withoutGlob(String path) {
        int glob = -1;
        for (int i = 0; i < path.length(); i++) {
            if ("*?[{".indexOf(path.charAt(i)) >= 0) {
                glob = i;
                break;
            }
        }
        if (glob < 0) {
            return path;
        }
        int slash = path.lastIndexOf('/', glob);
        return slash <= 0 ? "/" : path.substring(0, slash);
    }

    private static boolean isAncestor(Path ancestor, Path p) {
        for (Path q = p.getParent(); q != null; q = q.getParent()) {
            if (q.equals(ancestor)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Refuses {@code dir} unless its {@code _run.json} names {@code command}: a directory this tool did not write,
     * or another command's output, is never replaced or written into.
     *
     * @param action what would happen to it, for the message ("--overwrite replaces", "resuming writes into")
     */
    public static void requireOwn(FileSystem fs, Path dir, String command, String action) throws IOException {
        Optional<String> writer = writerOf(fs, dir);
        if (writer.isPresent() && writer.get().equals(command)) {
            return;
        }
        String what = fs.getFileStatus(dir).isDirectory()
                ? writer.map(w -> "is the output of " + w + " (its " + RunInfo.FILE_NAME + " says so)")
                        .orElse("has no " + RunInfo.FILE_NAME + ", so this tool did not write it")
                : "is a file this tool did not write";
        throw new JobError("output " + dir + " " + what + "; " + action + " only an earlier output of " + command
                + ". Choose another output path, or remove " + dir + " yourself if it should go");
    }

    /** Whether {@code file} is a file of digits, spaces and line ends only, as {@code encode} writes. */
    private static boolean onlyIdLines(FileSystem fs, Path file) throws IOException {
        if (!fs.getFileStatus(file).isFile()) {
            return false;
        }
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = fs.open(file)) {
            for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
                for (int i = 0; i < n; i++) {
                    byte b = buffer[i];
                    if (!(b >= '0' && b <= '9' || b == ' ' || b == '\n')) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /** The command named in {@code dir/_run.json}, if there is a readable one. */
    public static Optional<String> writerOf(FileSystem fs, Path dir) throws IOException {
        Path info = new Path(dir, RunInfo.FILE_NAME);
        if (!fs.isDirectory(dir)) {
            return Optional.empty();
        }
        if (!fs.exists(info)) {
            // ablation directories written before they carried a _run.json
            return fs.exists(new Path(dir, ABLATION_FILE)) ? Optional.of("ablate") : Optional.empty();
        }
        try (InputStream in = fs.open(info)) {
            String command = JSON.readTree(in).path("command").asText("");
            return command.isEmpty() ? Optional.empty() : Optional.of(command);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return Optional.empty();
        }
    }

    /**
     * Removes the temporary outputs that killed jobs left beside {@code target} (a job on this host whose process is
     * gone), reports those it cannot prove dead, and puts back an old output that a job killed in the middle of
     * {@link #commit} had moved aside.
     */
    public static void cleanLeftovers(FileSystem fs, Path target) throws IOException {
        Path parent = target.getParent();
        if (parent == null || !fs.exists(parent)) {
            return;
        }
        for (FileStatus f : fs.listStatus(parent)) {
            Matcher m = LEFTOVER.matcher(f.getPath().getName());
            if (!m.matches() || !m.group(1).equals(target.getName())) {
                continue;
            }
            if (m.group(2).equals("old")) {
                if (fs.exists(target)) {
                    LOG.warn("removing {}, an old output that a finished replacement left behind", f.getPath());
                    fs.delete(f.getPath(), true);
                } else if (fs.rename(f.getPath(), target)) {
                    LOG.warn("restored {} from {}: a job was stopped while replacing it", target, f.getPath());
                }
            } else if (m.group(3) != null && m.group(4).equals(hostName()) && !alive(Long.parseLong(m.group(3)))) {
                LOG.warn("removing {}, the temporary output of a job (process {}) that is no longer running",
                        f.getPath(), m.group(3));
                fs.delete(f.getPath(), true);
            } else {
                LOG.warn("{} is the temporary output of another job ({}); if no job is writing {} now, remove it",
                        f.getPath(), m.group(3) == null ? "unknown process" : "process " + m.group(3) + " on "
                                + m.group(4), target);
            }
        }
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static String processTag() {
        return ProcessHandle.current().pid() + "@" + hostName();
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9.]", "_");
        } catch (IOException e) {
            return "localhost";
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
        Path path = new Path(temporary, name);
        try (OutputStream out = fs.create(path, true)) {
            out.write(bytes);
        } catch (IOException | org.apache.hadoop.fs.FSError e) {
            throw Failures.writing(e, path.toString(), "nothing was written to " + target);
        }
    }

    /** Writes the run's provenance next to its outputs. */
    public void writeRunInfo(RunInfo info) {
        write(RunInfo.FILE_NAME, info.toJson());
        write(RunInfo.CONFIG_FILE_NAME, info.effectiveConfig().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A failure of the job while it wrote this output, made plain: a {@link JobError} raised inside a Spark task is
     * unwrapped from Spark's exceptions, and a full disk says so and where, and that the output was left as it was
     * (the temporary directory goes with {@link #close}). Spark's exceptions are checked ones thrown undeclared,
     * hence {@code Exception}.
     */
    public RuntimeException failure(Exception e) {
        Optional<JobError> clear = Failures.cause(e, JobError.class);
        if (clear.isPresent()) {
            return clear.get();
        }
        if (Failures.diskFull(e)) {
            return Failures.writing(e, temporary.toString(), "nothing was written to " + target);
        }
        return Failures.unchecked(e);
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
                if (old != null) {
                    fs.rename(old, target);
                }
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

    /** Deletes the temporary directory unless the output was committed, and releases the output's lease. */
    @Override
    public void close() {
        try {
            if (!committed) {
                fs.delete(temporary, true);
            }
        } catch (IOException e) {
            LOG.warn("could not delete the temporary output {}: {}", temporary, e.getMessage());
        } finally {
            lease.close();
        }
    }
}
