package dev.electra.jobs;

import dev.electra.pipeline.data.SampleCorpus;
import java.nio.file.Path;

/**
 * The sample corpus for tests, fetched once into the project's data directory (or {@code -Delectra.data.dir}) and
 * reused by later runs; fetch-data is idempotent.
 */
public final class TestData {
    private static Path corpus;

    private TestData() {}

    public static synchronized Path corpus() {
        if (corpus == null) {
            Path dir = Path.of(System.getProperty("electra.data.dir", "../data")).toAbsolutePath().normalize();
            corpus = SampleCorpus.fetch(dir);
        }
        return corpus;
    }

    public static Path brown() {
        return corpus().resolve("brown.txt");
    }
}
