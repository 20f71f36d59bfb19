package dev.electra.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Only the jobs module may import Spark (or Hadoop): tokenizer and pipeline stay plain Java. */
class ModuleBoundaryTest {

    @Test
    void onlyJobsImportsSparkOrHadoop() throws IOException {
        List<String> offenders = new ArrayList<>();
        for (String module : List.of("tokenizer", "pipeline")) {
            Path src = Path.of("..", module, "src");
            try (Stream<Path> files = Files.walk(src)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    for (String line : Files.readAllLines(f)) {
                        if (line.startsWith("import org.apache.spark") || line.startsWith("import org.apache.hadoop")
                                || line.startsWith("import scala.")) {
                            offenders.add(f + ": " + line);
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), offenders);
    }
}
