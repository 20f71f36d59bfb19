package dev.electra.jobs.io;

import dev.electra.jobs.io.CorpusInput.InputFile;
import dev.electra.jobs.io.CorpusInput.Record;
import dev.electra.jobs.io.CorpusInput.Status;
import java.io.Serializable;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;

/**
 * Counts the records a job skips (malformed UTF-8, lines over {@code input.max-line-chars}, JSON lines without
 * the text field) and keeps a few of their locations, so the log says how many and where. Skipping such records
 * is the documented behaviour; the counts also go to {@code _run.json}.
 */
public final class SkipCounter implements Serializable {
    /** Locations kept per kind of skip. */
    private static final int EXAMPLES = 3;

    private final Map<Status, LongAccumulator> counts = new EnumMap<>(Status.class);
    private final CollectionAccumulator<String> examples;

    public SkipCounter(SparkContext sc) {
        for (Status s : Status.values()) {
            if (s != Status.OK && s != Status.BLANK) {
                counts.put(s, sc.longAccumulator("skipped " + s.name().toLowerCase()));
            }
        }
        examples = sc.collectionAccumulator("skipped record locations");
    }

    /** True when the record carries usable text; counts it otherwise (blank lines are not skips). */
    public boolean usable(Record r) {
        if (r.status() == Status.OK) {
            return true;
        }
        LongAccumulator acc = counts.get(r.status());
        if (acc != null) {
            acc.add(1);
            if (acc.value() <= EXAMPLES) {
                examples.add(r.status() + "@" + r.file() + ":" + r.position());
            }
        }
        return false;
    }

    /** Logs the totals and the first locations with file names; returns the totals for {@code _run.json}. */
    public Map<String, Long> report(Logger log, List<InputFile> files) {
        Map<String, Long> totals = new LinkedHashMap<>();
        counts.forEach((status, acc) -> totals.put("skipped_" + status.name().toLowerCase(), acc.value()));
        totals.forEach((kind, n) -> {
            if (n > 0) {
                log.warn("{} {} records (documented behaviour: such records are skipped)", n, kind.replace('_', ' '));
            }
        });
        for (String example : examples.value().stream().sorted().limit(10).toList()) {
            int at = example.indexOf('@');
            int colon = example.lastIndexOf(':');
            int file = Integer.parseInt(example.substring(at + 1, colon));
            log.warn("  skipped {} at {} byte offset {}", example.substring(0, at), files.get(file).path(),
                    example.substring(colon + 1));
        }
        return totals;
    }
}
