package dev.electra.jobs;

import dev.electra.pipeline.data.SampleCorpus;
import dev.electra.pipeline.eval.Task;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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

    /**
     * A small classification task from Brown lines {@code from}..{@code to} (of four words or more): does the line
     * hold a comma? Split 2:1:1 into train, dev and test; written to {@code dir}.
     */
    public static Task commaTask(Path dir, int from, int to) throws IOException {
        List<Task.Example> examples = new ArrayList<>();
        for (String line : Files.readAllLines(brown()).subList(from, to)) {
            String text = Task.clean(line);
            if (text.split(" ").length >= 4) {
                examples.add(new Task.Example(text.contains(",") ? 1 : 0, text, null));
            }
        }
        int n = examples.size();
        Task task = new Task("comma", Task.Kind.CLASSIFICATION, Task.Metric.MCC, List.of("none", "comma"), "test",
                Map.of(Task.Split.TRAIN, examples.subList(0, n / 2), Task.Split.DEV, examples.subList(n / 2, 3 * n / 4),
                        Task.Split.TEST, examples.subList(3 * n / 4, n)));
        task.write(dir);
        return task;
    }
}
