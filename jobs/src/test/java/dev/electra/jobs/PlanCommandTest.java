package dev.electra.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code plan} prints the model's table for each K, link and H, and says it is arithmetic. */
class PlanCommandTest {

    private static String[] run(String... args) {
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        ByteArrayOutputStream capturedErr = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        int code;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(capturedErr, true, StandardCharsets.UTF_8));
            code = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), args);
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        return new String[] {String.valueOf(code), captured.toString(StandardCharsets.UTF_8),
            err + capturedErr.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void aTableForEachWorkerCountLinkAndRoundLength() {
        String[] r = run("plan", "--conf", "tiny", "--step-seconds", "0.2", "--workers", "8,64", "--link-gbps", "10",
                "--steps-per-round", "4,100");
        assertEquals("0", r[0], r[2]);
        String out = r[1];
        assertTrue(out.contains("a model, not a measurement"), out);
        assertTrue(out.contains("P = 1,578,881 parameters"), out);
        long rows = out.lines().filter(l -> l.matches("\\| (8|64) \\| 10 Gbit/s \\| (4|100) \\|.*")).count();
        assertEquals(4, rows, out);
    }

    @Test
    void aStepTimeOrADeviceIsRequired() {
        String[] r = run("plan", "--conf", "tiny");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("--step-seconds") && r[2].contains("--device"), r[2]);
    }
}
