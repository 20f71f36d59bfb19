package dev.electra.pipeline.packing;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Counts of a packing run, mergeable (Spark sums them per partition and merges on the driver): documents,
 * sentences, examples, tokens, single-segment examples and a histogram of example lengths.
 */
public final class PackingStats implements Serializable {
    /** Width of a length-histogram bucket, in tokens. */
    public static final int BUCKET = 16;

    private long documents;
    private long sentences;
    private long examples;
    private long tokens;
    private long singleSegment;
    private final long[] lengthHistogram;

    public PackingStats(int maxSeqLength) {
        this.lengthHistogram = new long[(maxSeqLength + BUCKET - 1) / BUCKET];
    }

    public void addDocuments(long documentCount, long sentenceCount) {
        documents += documentCount;
        sentences += sentenceCount;
    }

    public void addExample(PackedExample e) {
        examples++;
        tokens += e.length();
        if (e.singleSegment()) {
            singleSegment++;
        }
        lengthHistogram[Math.min((e.length() - 1) / BUCKET, lengthHistogram.length - 1)]++;
    }

    /** Adds {@code other} into this and returns this. */
    public PackingStats merge(PackingStats other) {
        if (other.lengthHistogram.length != lengthHistogram.length) {
            throw new IllegalArgumentException("cannot merge statistics of different max-seq-length");
        }
        documents += other.documents;
        sentences += other.sentences;
        examples += other.examples;
        tokens += other.tokens;
        singleSegment += other.singleSegment;
        for (int i = 0; i < lengthHistogram.length; i++) {
            lengthHistogram[i] += other.lengthHistogram[i];
        }
        return this;
    }

    public long documents() {
        return documents;
    }

    public long sentences() {
        return sentences;
    }

    public long examples() {
        return examples;
    }

    public long tokens() {
        return tokens;
    }

    public long singleSegmentExamples() {
        return singleSegment;
    }

    public double singleSegmentShare() {
        return examples == 0 ? 0.0 : (double) singleSegment / examples;
    }

    /** Example counts by length bucket, keyed "lo-hi" (inclusive): 1-16, 17-32, ... */
    public Map<String, Long> lengthHistogram() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < lengthHistogram.length; i++) {
            m.put((i * BUCKET + 1) + "-" + (i * BUCKET + BUCKET), lengthHistogram[i]);
        }
        return m;
    }

    /** The histogram as text bars, for the log. */
    public String histogramText() {
        long max = 1;
        for (long c : lengthHistogram) {
            max = Math.max(max, c);
        }
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Long> e : lengthHistogram().entrySet()) {
            sb.append(String.format("  %9s %9d %s%n", e.getKey(), e.getValue(), "#".repeat((int) (50 * e.getValue() / max))));
        }
        return sb.toString();
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("documents", documents);
        m.put("sentences", sentences);
        m.put("examples", examples);
        m.put("tokens", tokens);
        m.put("single_segment_examples", singleSegment);
        m.put("single_segment_share", singleSegmentShare());
        m.put("mean_example_length", examples == 0 ? 0.0 : (double) tokens / examples);
        m.put("length_histogram", lengthHistogram());
        return m;
    }
}
