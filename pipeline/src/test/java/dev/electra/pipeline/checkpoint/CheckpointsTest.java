package dev.electra.pipeline.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointsTest {

    private static TrainingState state(long step, int n) {
        float[] p = new float[n];
        float[] m = new float[n];
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            p[i] = (float) Math.sin(step + i);
            m[i] = i * 0.5f;
            v[i] = step;
        }
        return new TrainingState(step, p, m, v, 42, new long[] {1, 2}, new long[] {step * 32, step * 16}, "seed = 42",
                new ParameterLayout(List.of(new ParameterLayout.Tensor("a", new long[] {2, n / 2}, 0),
                        new ParameterLayout.Tensor("b", new long[] {n - 2 * (n / 2)}, 2 * (n / 2)))));
    }

    @Test
    void npyRoundTripsAndHasNumpysHeader() throws IOException {
        float[] values = new float[100_003];
        for (int i = 0; i < values.length; i++) {
            values[i] = i * 0.25f - 7;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npy.write(values, out);
        byte[] bytes = out.toByteArray();
        assertEquals(0, (10 + (bytes[8] & 0xFF)) % 64, "header padded to 64 bytes as NumPy does");
        assertArrayEquals(values, Npy.read(new ByteArrayInputStream(bytes), "test"));
        byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length - 10);
        IOException e = assertThrows(IOException.class, () -> Npy.read(new ByteArrayInputStream(truncated), "t.npy"));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void saveLoadAndKeepTheNewest(@TempDir Path dir) throws IOException {
        Checkpoints c = new Checkpoints(new LocalStorage(dir), 2);
        for (long step = 100; step <= 400; step += 100) {
            c.save(state(step, 1000));
        }
        assertEquals(List.of("step-000000300", "step-000000400"), c.completeCheckpoints());
        TrainingState loaded = c.loadLatest().orElseThrow();
        assertEquals(400, loaded.step());
        assertArrayEquals(state(400, 1000).params(), loaded.params());
        assertArrayEquals(state(400, 1000).adamV(), loaded.adamV());
        assertArrayEquals(new long[] {1, 2}, loaded.epochs());
        assertArrayEquals(new long[] {400 * 32, 400 * 16}, loaded.examplesInEpoch());
        assertEquals("seed = 42", loaded.config());
    }

    /** An outer momentum is saved and verified like the moments; a checkpoint without one has no such file. */
    @Test
    void theOuterMomentumIsSavedOnlyWhenTheRunHasOne(@TempDir Path dir) throws IOException {
        Checkpoints c = new Checkpoints(new LocalStorage(dir), 3);
        TrainingState plain = state(100, 10);
        c.save(plain);
        assertEquals(List.of("adam_m.npy", "adam_v.npy", "params.npy", "state.json"),
                Files.list(dir.resolve("step-000000100")).map(f -> f.getFileName().toString()).sorted().toList());
        assertEquals(0, c.load("step-000000100").outerMomentum().length);

        float[] momentum = new float[10];
        for (int i = 0; i < momentum.length; i++) {
            momentum[i] = -0.125f * i;
        }
        TrainingState s = state(200, 10);
        c.save(new TrainingState(s.step(), s.params(), s.adamM(), s.adamV(), s.seed(), s.epochs(),
                s.examplesInEpoch(), s.config(), s.layout(), momentum));
        assertArrayEquals(momentum, c.load("step-000000200").outerMomentum());
        Path file = dir.resolve("step-000000200").resolve("outer_momentum.npy");
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 1] ^= 0x40;
        Files.write(file, bytes);
        IOException e = assertThrows(IOException.class, () -> c.load("step-000000200"));
        assertTrue(e.getMessage().contains("outer_momentum.npy"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TrainingState(s.step(), s.params(), s.adamM(),
                s.adamV(), s.seed(), s.epochs(), s.examplesInEpoch(), s.config(), s.layout(), new float[3]));
    }

    @Test
    void aCorruptedNewestCheckpointIsRefusedAndThePreviousUsed(@TempDir Path dir) throws IOException {
        Checkpoints c = new Checkpoints(new LocalStorage(dir), 3);
        c.save(state(100, 500));
        c.save(state(200, 500));
        Path params = dir.resolve("step-000000200").resolve("params.npy");
        byte[] bytes = Files.readAllBytes(params);
        bytes[bytes.length - 1] ^= 0x40;
        Files.write(params, bytes);
        IOException e = assertThrows(IOException.class, () -> c.load("step-000000200"));
        assertTrue(e.getMessage().contains("corrupted or truncated") && e.getMessage().contains("params.npy"),
                e.getMessage());
        assertEquals(100, c.loadLatest().orElseThrow().step());

        Files.write(params, java.util.Arrays.copyOf(bytes, 100));
        assertEquals(100, c.loadLatest().orElseThrow().step(), "a truncated file is refused too");
    }

    @Test
    void anUnfinishedCheckpointIsIgnored(@TempDir Path dir) throws IOException {
        Checkpoints c = new Checkpoints(new LocalStorage(dir), 3);
        c.save(state(100, 10));
        Files.createDirectories(dir.resolve(".step-000000200.tmp"));
        Files.writeString(dir.resolve(".step-000000200.tmp").resolve("params.npy"), "partial");
        assertEquals(100, c.loadLatest().orElseThrow().step());
        assertTrue(new Checkpoints(new LocalStorage(dir.resolve("empty")), 1).loadLatest().isEmpty());
    }

    @Test
    void aFailedSaveLeavesNoTemporaryCheckpointAndKeepsTheOldOnes(@TempDir Path dir) throws IOException {
        Checkpoints c = new Checkpoints(new LocalStorage(dir), 3);
        c.save(state(100, 10));
        Storage local = new LocalStorage(dir);
        Storage full = new Storage() {
            @Override
            public java.io.OutputStream create(String path) throws IOException {
                if (path.endsWith("adam_m.npy")) {
                    throw new IOException("No space left on device");
                }
                return local.create(path);
            }

            @Override
            public java.io.InputStream open(String path) throws IOException {
                return local.open(path);
            }

            @Override
            public boolean exists(String path) throws IOException {
                return local.exists(path);
            }

            @Override
            public List<String> list(String d) throws IOException {
                return local.list(d);
            }

            @Override
            public void rename(String from, String to) throws IOException {
                local.rename(from, to);
            }

            @Override
            public void deleteRecursively(String path) throws IOException {
                local.deleteRecursively(path);
            }

            @Override
            public String describe(String path) {
                return local.describe(path);
            }
        };
        IOException e = assertThrows(IOException.class, () -> new Checkpoints(full, 3).save(state(200, 10)));
        assertTrue(e.getMessage().contains("No space left"), e.getMessage());
        try (var files = Files.list(dir)) {
            assertEquals(List.of("latest", "step-000000100"), files.map(p -> p.getFileName().toString()).sorted()
                    .toList(), "the half-written .step-000000200.tmp is gone, step 100 and latest are kept");
        }
        assertEquals(100, c.loadLatest().orElseThrow().step());
    }

    @Test
    void incompleteCheckpointsOfAStoppedRunAreRemoved(@TempDir Path dir) throws IOException {
        Checkpoints c = new Checkpoints(new LocalStorage(dir), 3);
        c.save(state(100, 10));
        Files.createDirectories(dir.resolve(".step-000000200.tmp"));
        Files.writeString(dir.resolve(".latest.tmp"), "step-000000200");
        c.removeIncomplete();
        try (var files = Files.list(dir)) {
            assertEquals(List.of("latest", "step-000000100"), files.map(p -> p.getFileName().toString()).sorted()
                    .toList());
        }
    }
}
