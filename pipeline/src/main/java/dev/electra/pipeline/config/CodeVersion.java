package dev.electra.pipeline.config;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The build that is running: project version and git commit, baked into the jar at build time. */
public record CodeVersion(String version, String commit, boolean dirty) {

    public static CodeVersion current() {
        Properties p = new Properties();
        try (InputStream in = CodeVersion.class.getResourceAsStream("/electra-git.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // An unreadable resource only loses provenance, never a run.
        }
        return new CodeVersion(
                p.getProperty("git.build.version", "unknown"),
                p.getProperty("git.commit.id.full", "unknown"),
                Boolean.parseBoolean(p.getProperty("git.dirty", "false")));
    }

    @Override
    public String toString() {
        return version + " (" + commit + (dirty ? ", uncommitted changes" : "") + ")";
    }
}
