package dev.electra.jobs;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code bin/electra}'s entry point in a JVM of its own (this test JVM's class path and flags), as a user runs it. */
final class CliProcess {
    private CliProcess() {}

    /** Starts {@link Main} with {@code args}; standard output and error go to {@code log}. */
    static Process start(Path log, List<String> args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-agentlib") && !a.startsWith("-javaagent")) {
                command.add(a);
            }
        }
        // The command line's own logging (as bin/electra): what a user would see.
        command.add("-Dlog4j2.configurationFile=classpath:electra-log4j2.properties");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Main.class.getName());
        command.addAll(args);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }
}
