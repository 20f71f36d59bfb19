package dev.electra.jobs.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.electra.pipeline.errors.JobError;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One writer per output: a small file {@code .NAME.lock} beside the output {@code NAME}, created atomically, that
 * names the command, host, process and start time of the job writing it. A second job for the same output is refused
 * while the first runs; a lease whose process is gone from this host is taken over with a warning; one from another
 * host is reported with its age (it is renewed every {@link #RENEW_SECONDS} seconds while its job runs) and how to
 * clear it, since no host can tell whether a process on another one is alive.
 *
 * <p>Creation is atomic where the file system makes it so: on the local file system a hard link to a complete file
 * (fails if the name exists), on HDFS a rename (refused by the NameNode if the name exists). S3 has neither, so there
 * the lease only narrows the window. Within one JVM a lease is re-entrant: a job that calls another job for the same
 * output (pretrain's {@code --overwrite} through {@link OutputDir}) holds it once.
 */
public final class Lease implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Lease.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How often a held lease's modification time is renewed, so its age says how long ago its job was seen. */
    static final long RENEW_SECONDS = 30;
    /** Leases this JVM holds, by path, with how many times each was taken. */
    private static final Map<String, Lease> HELD = new HashMap<>();
    private static final ScheduledExecutorService RENEWER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lease-renewer");
        t.setDaemon(true);
        return t;
    });

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(Lease::releaseAll, "lease-release"));
    }

    /** Who holds a lease: enough to tell whether its process still runs, and to tell the user who it is. */
    public record Holder(String command, String host, long pid, long processStart, String started, String token) {
        byte[] toJson() {
            ObjectNode o = JSON.createObjectNode();
            o.put("command", command).put("host", host).put("pid", pid).put("process_start", processStart)
                    .put("started", started).put("token", token);
            try {
                return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(o);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        static Optional<Holder> parse(byte[] bytes) {
            try {
                JsonNode o = JSON.readTree(bytes);
                if (o == null || !o.hasNonNull("token")) {
                    return Optional.empty();
                }
                return Optional.of(new Holder(o.path("command").asText("?"), o.path("host").asText("?"),
                        o.path("pid").asLong(-1), o.path("process_start").asLong(-1), o.path("started").asText("?"),
                        o.path("token").asText()));
            } catch (IOException e) {
                return Optional.empty();
            }
        }

        String describe() {
            return command + " (process " + pid + " on " + host + ", started " + started + ")";
        }
    }

    private final FileSystem fs;
    private final Path path;
    private final Holder holder;
    private final ScheduledFuture<?> renewal;
    private int count = 1;

    private Lease(FileSystem fs, Path path, Holder holder) {
        this.fs = fs;
        this.path = path;
        this.holder = holder;
        this.renewal = RENEWER.scheduleAtFixedRate(this::renew, RENEW_SECONDS, RENEW_SECONDS, TimeUnit.SECONDS);
    }

    /** The lease file of {@code output}: {@code .NAME.lock} in its parent directory. */
    public static Path pathOf(Path output) {
        Path parent = output.getParent();
        return parent == null ? new Path(output, ".lock") : new Path(parent, "." + output.getName() + ".lock");
    }

    /**
     * Takes the lease of {@code output} (a qualified path) for {@code command}, or refuses with one line naming the
     * job that holds it. Creates the output's parent directory if needed.
     */
    public static Lease take(FileSystem fs, Path output, String command) throws IOException {
        Path path = pathOf(output);
        synchronized (HELD) {
            Lease held = HELD.get(path.toString());
            if (held != null) {
                held.count++;
                return held;
            }
            if (path.getParent() != null) {
                fs.mkdirs(path.getParent());
            }
            Holder me = new Holder(command, hostName(), ProcessHandle.current().pid(), processStart(),
                    Instant.now().toString(), UUID.randomUUID().toString());
            for (int attempt = 0; attempt < 3; attempt++) {
                if (create(fs, path, me.toJson())) {
                    Lease lease = new Lease(fs, path, me);
                    HELD.put(path.toString(), lease);
                    return lease;
                }
                Optional<Holder> other = read(fs, path);
                if (other.isEmpty()) {
                    // A lease being written at this instant, or one removed since: look again.
                    sleep(200);
                    if (read(fs, path).isEmpty() && exists(fs, path) && age(fs, path).toSeconds() > RENEW_SECONDS * 2) {
                        throw new JobError("output " + output + " has a lease file " + path + " that does not "
                                + "name its job (damaged?); if no job is writing " + output + ", remove " + path
                                + " and rerun");
                    }
                    continue;
                }
                Holder h = other.get();
                boolean here = h.host().equals(me.host());
                boolean earlierJobOfThisJvm = h.pid() == me.pid() && h.processStart() == me.processStart();
                if (here && alive(h) && !earlierJobOfThisJvm) {
                    throw new JobError("output " + output + " is being written by " + h.describe() + "; a second "
                            + "job would mix its files with that one's. Wait for it to end or stop it (its lease: "
                            + path + ")");
                }
                if (!here) {
                    throw new JobError("output " + output + " is held by " + h.describe() + ", last renewed "
                            + seconds(age(fs, path)) + " ago (a running job renews it every " + RENEW_SECONDS
                            + " s); another host's process cannot be checked from here. If no job is writing "
                            + output + ", remove " + path + " and rerun");
                }
                LOG.warn("taking over the lease {} of {}, which is no longer running", path, h.describe());
                breakStale(fs, path, h);
            }
            throw new JobError("could not take the lease " + path + " of " + output + ": other jobs keep taking it");
        }
    }

    /** As {@link #take} for a directory on the local file system (a data directory, the quickstart's output). */
    public static Lease takeLocal(java.nio.file.Path dir, String command) {
        try {
            FileSystem local = FileSystem.getLocal(new org.apache.hadoop.conf.Configuration());
            return take(local, local.makeQualified(OutputDir.local(dir)), command);
        } catch (IOException e) {
            throw Failures.writing(e, dir.toString(), "nothing was written");
        }
    }

    /** Whether the process a holder on this host names still runs (and is the same process, not a reused pid). */
    static boolean alive(Holder h) {
        Optional<ProcessHandle> p = ProcessHandle.of(h.pid());
        if (p.isEmpty() || !p.get().isAlive()) {
            return false;
        }
        Optional<Instant> start = p.get().info().startInstant();
        return h.processStart() < 0 || start.isEmpty()
                || Math.abs(start.get().toEpochMilli() - h.processStart()) < 2_000;
    }

    /** Creates {@code path} holding {@code content} unless it exists; false if it does. */
    private static boolean create(FileSystem fs, Path path, byte[] content) throws IOException {
        Optional<java.nio.file.Path> local = localFile(fs, path).map(java.io.File::toPath);
        if (local.isPresent()) {
            java.nio.file.Path lock = local.get();
            java.nio.file.Path tmp = lock.resolveSibling(lock.getFileName() + ".tmp-" + UUID.randomUUID());
            Files.write(tmp, content);
            try {
                // A hard link appears complete and fails when the name exists: an atomic create of a full file.
                Files.createLink(lock, tmp);
                return true;
            } catch (FileAlreadyExistsException e) {
                return false;
            } catch (IOException | UnsupportedOperationException e) {
                // A file system without hard links: a move that refuses an existing name (checked, then renamed,
                // so only nearly atomic).
                try {
                    Files.move(tmp, lock);
                    return true;
                } catch (FileAlreadyExistsException taken) {
                    return false;
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        Path tmp = new Path(path.getParent(), path.getName() + ".tmp-" + UUID.randomUUID());
        try (OutputStream out = fs.create(tmp, false)) {
            out.write(content);
        }
        try {
            // HDFS refuses a rename onto an existing name: the lease appears complete or not at all.
            return fs.rename(tmp, path);
        } finally {
            fs.delete(tmp, false);
        }
    }

    /** Moves a dead holder's lease aside (only one of several jobs taking it over succeeds) and removes it. */
    private static void breakStale(FileSystem fs, Path path, Holder dead) throws IOException {
        Path aside = new Path(path.getParent(), path.getName() + ".stale-" + UUID.randomUUID());
        Optional<java.nio.file.Path> local = localFile(fs, path).map(java.io.File::toPath);
        boolean moved;
        if (local.isPresent()) {
            try {
                Files.move(local.get(), localFile(fs, aside).orElseThrow().toPath(), StandardCopyOption.ATOMIC_MOVE);
                moved = true;
            } catch (NoSuchFileException e) {
                moved = false;
            }
        } else {
            moved = fs.rename(path, aside);
        }
        if (!moved) {
            return;
        }
        Optional<Holder> was = read(fs, aside);
        if (was.isPresent() && !was.get().token().equals(dead.token())) {
            // Another job took the dead lease over between our read and our move: give its new lease back.
            if (local.isPresent()) {
                try {
                    Files.createLink(local.get(), localFile(fs, aside).orElseThrow().toPath());
                } catch (FileAlreadyExistsException e) {
                    LOG.warn("lease {} changed hands twice while being taken over", path);
                }
            } else {
                fs.rename(aside, path);
            }
        }
        fs.delete(aside, false);
    }

    /** The local file behind {@code path} when {@code fs} is the local file system (checksummed or raw). */
    static Optional<java.io.File> localFile(FileSystem fs, Path path) {
        if (fs instanceof LocalFileSystem l) {
            return Optional.of(l.pathToFile(path));
        }
        if (fs instanceof RawLocalFileSystem r) {
            return Optional.of(r.pathToFile(path));
        }
        return Optional.empty();
    }

    private static Optional<Holder> read(FileSystem fs, Path path) {
        try {
            Optional<java.nio.file.Path> local = localFile(fs, path).map(java.io.File::toPath);
            if (local.isPresent()) {
                return Holder.parse(Files.readAllBytes(local.get()));
            }
            try (InputStream in = fs.open(path)) {
                return Holder.parse(in.readAllBytes());
            }
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static boolean exists(FileSystem fs, Path path) {
        try {
            return fs.exists(path);
        } catch (IOException e) {
            return false;
        }
    }

    private static Duration age(FileSystem fs, Path path) {
        try {
            return Duration.ofMillis(Math.max(0, System.currentTimeMillis()
                    - fs.getFileStatus(path).getModificationTime()));
        } catch (IOException e) {
            return Duration.ZERO;
        }
    }

    private static String seconds(Duration d) {
        long s = d.toSeconds();
        return s < 120 ? s + " s" : s < 7200 ? s / 60 + " min" : s / 3600 + " h";
    }

    private static long processStart() {
        return ProcessHandle.current().info().startInstant().map(Instant::toEpochMilli).orElse(-1L);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void renew() {
        try {
            fs.setTimes(path, System.currentTimeMillis(), -1);
        } catch (IOException | RuntimeException e) {
            LOG.debug("could not renew the lease {}: {}", path, e.getMessage());
        }
    }

    /** The lease file. */
    public Path path() {
        return path;
    }

    /** Releases the lease (once every holder in this JVM has): removes the file if it is still this job's. */
    @Override
    public void close() {
        synchronized (HELD) {
            if (--count > 0) {
                return;
            }
            HELD.remove(path.toString());
            release();
        }
    }

    private void release() {
        renewal.cancel(false);
        Optional<Holder> now = read(fs, path);
        if (now.isPresent() && now.get().token().equals(holder.token())) {
            try {
                Optional<java.nio.file.Path> local = localFile(fs, path).map(java.io.File::toPath);
                if (local.isPresent()) {
                    Files.deleteIfExists(local.get());
                } else {
                    fs.delete(path, false);
                }
            } catch (IOException | RuntimeException e) {
                LOG.warn("could not remove the lease {}: {}", path, e.getMessage());
            }
        }
    }

    /** At exit (a finished job, Ctrl-C, SIGTERM), every lease still held goes, so a rerun needs no takeover. */
    private static void releaseAll() {
        synchronized (HELD) {
            for (Lease lease : HELD.values()) {
                lease.release();
            }
            HELD.clear();
        }
    }
}
