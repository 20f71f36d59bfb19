package dev.electra.jobs.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.electra.pipeline.errors.JobError;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who may write an output, told by its lease file, on the local file system (no Spark). */
class LeaseTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static FileSystem local() throws IOException {
        return FileSystem.getLocal(new Configuration());
    }

    private static org.apache.hadoop.fs.Path qualified(FileSystem fs, Path p) {
        return fs.makeQualified(new org.apache.hadoop.fs.Path(p.toUri()));
    }

    /** A lease file as another job would have written it. */
    private static Path plant(Path output, String host, long pid, long processStart) throws IOException {
        Path lock = output.resolveSibling("." + output.getFileName() + ".lock");
        Files.write(lock, JSON.writeValueAsBytes(Map.of("command", "prepare", "host", host, "pid", pid,
                "process_start", processStart, "started", "2026-12-07T01:02:03Z", "token", "theirs")));
        return lock;
    }

    private static String thisHost() throws IOException {
        return InetAddress.getLocalHost().getHostName();
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aLeaseIsAFileBesideTheOutputWhileHeldAndGoneAfter(@TempDir Path dir) throws IOException {
        FileSystem fs = local();
        Path output = dir.resolve("shards");
        try (Lease lease = Lease.take(fs, qualified(fs, output), "prepare")) {
            Path lock = dir.resolve(".shards.lock");
            assertTrue(Files.isRegularFile(lock));
            var holder = JSON.readTree(lock.toFile());
            assertEquals("prepare", holder.get("command").asText());
            assertEquals(ProcessHandle.current().pid(), holder.get("pid").asLong());
            assertEquals(thisHost(), holder.get("host").asText());
            assertEquals(List.of(".shards.lock"), names(dir), "no temporary file beside the lease");
        }
        assertEquals(List.of(), names(dir));
    }

    @Test
    void aLeaseIsReentrantWithinOneJob(@TempDir Path dir) throws IOException {
        FileSystem fs = local();
        var output = qualified(fs, dir.resolve("run"));
        try (Lease outer = Lease.take(fs, output, "pretrain")) {
            try (Lease inner = Lease.take(fs, output, "pretrain")) {
                assertSame(outer, inner);
            }
            assertTrue(Files.exists(dir.resolve(".run.lock")), "held until the outer job lets go");
        }
        assertFalse(Files.exists(dir.resolve(".run.lock")));
    }

    @Test
    void aLiveProcessOnThisHostKeepsItsLease(@TempDir Path dir) throws Exception {
        FileSystem fs = local();
        Path output = dir.resolve("shards");
        Process other = new ProcessBuilder("sleep", "60").start();
        try {
            long start = other.info().startInstant().map(Instant::toEpochMilli).orElse(-1L);
            Path lock = plant(output, thisHost(), other.pid(), start);
            byte[] before = Files.readAllBytes(lock);
            JobError e = assertThrows(JobError.class, () -> Lease.take(fs, qualified(fs, output), "prepare"));
            assertTrue(e.getMessage().contains("is being written by prepare (process " + other.pid() + " on "
                    + thisHost()) && e.getMessage().contains(lock.toString()), e.getMessage());
            assertEquals(new String(before), new String(Files.readAllBytes(lock)), "the holder's lease untouched");
        } finally {
            other.destroy();
            other.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void theLeaseOfAProcessThatIsGoneIsTakenOver(@TempDir Path dir) throws Exception {
        FileSystem fs = local();
        Path output = dir.resolve("shards");
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor(10, TimeUnit.SECONDS);
        plant(output, thisHost(), gone.pid(), -1);
        try (Lease lease = Lease.take(fs, qualified(fs, output), "vocab")) {
            assertEquals("vocab", JSON.readTree(dir.resolve(".shards.lock").toFile()).get("command").asText());
        }
        assertEquals(List.of(), names(dir), "the dead lease and the new one both gone");
    }

    @Test
    void aReusedProcessNumberDoesNotKeepADeadLease(@TempDir Path dir) throws Exception {
        FileSystem fs = local();
        Path output = dir.resolve("shards");
        Process other = new ProcessBuilder("sleep", "60").start();
        try {
            // The pid runs, but it started long after the lease's process did: not the same process.
            plant(output, thisHost(), other.pid(), 1_000_000L);
            try (Lease lease = Lease.take(fs, qualified(fs, output), "vocab")) {
                assertEquals("vocab", JSON.readTree(dir.resolve(".shards.lock").toFile()).get("command").asText());
            }
        } finally {
            other.destroy();
            other.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aLeaseFromAnotherHostIsReportedWithItsAgeAndHowToClearIt(@TempDir Path dir) throws IOException {
        FileSystem fs = local();
        Path output = dir.resolve("run");
        Path lock = plant(output, "worker-7.cluster", 4242, 5);
        Files.setLastModifiedTime(lock, java.nio.file.attribute.FileTime.from(Instant.now().minusSeconds(600)));
        JobError e = assertThrows(JobError.class, () -> Lease.take(fs, qualified(fs, output), "pretrain"));
        assertTrue(e.getMessage().contains("held by prepare (process 4242 on worker-7.cluster, started "
                + "2026-12-07T01:02:03Z), last renewed 10 min ago"), e.getMessage());
        assertTrue(e.getMessage().contains("remove file:" + lock + " and rerun"), e.getMessage());
        assertTrue(Files.exists(lock));
    }

    @Test
    void closingDoesNotRemoveALeaseSomeoneElseNowHolds(@TempDir Path dir) throws IOException {
        FileSystem fs = local();
        Path output = dir.resolve("out");
        Lease lease = Lease.take(fs, qualified(fs, output), "encode");
        Files.delete(dir.resolve(".out.lock"));
        Path theirs = plant(output, "elsewhere", 1, 1);
        lease.close();
        assertTrue(Files.exists(theirs), "a lease with another token is not ours to remove");
    }
}
