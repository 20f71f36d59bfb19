package dev.electra.bench;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.electra.tokenizer.BertTokenizer;
import dev.electra.tokenizer.TokenizerJson;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Tokenization throughput on one core: our {@link BertTokenizer#encode} against HuggingFace tokenizers'
 * {@code encode()} (Rust, through DJL) on the same lines and the same vocabulary, in the same JVM and run.
 * Usage: {@code bin/bench tokenizer [CORPUS_FILE...]} (default: the sample corpus in data/corpus).
 * Prints MB/s of UTF-8 input per core (best of the timed rounds) and checks that both give the same ids.
 */
public final class TokenizerBench {
    private static final int WARMUP_ROUNDS = 2;
    private static final int ROUNDS = 5;

    private TokenizerBench() {}

    public static void main(String[] args) throws IOException {
        List<Path> files = new ArrayList<>();
        for (String a : args) {
            files.add(Path.of(a));
        }
        if (files.isEmpty()) {
            for (String name : List.of("brown.txt", "sotu.txt", "moby-dick.txt")) {
                files.add(Path.of("data", "corpus", name));
            }
        }
        List<String> lines = new ArrayList<>();
        long bytes = 0;
        for (Path f : files) {
            if (!Files.isRegularFile(f)) {
                throw new IllegalArgumentException(f + " does not exist; run bin/electra fetch-data first or pass files");
            }
            for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                lines.add(line);
                bytes += line.getBytes(StandardCharsets.UTF_8).length + 1;
            }
        }
        byte[] bertJson = bertJson();
        BertTokenizer ours = TokenizerJson.read(new ByteArrayInputStream(bertJson), "BERT uncased").spec().build();
        try (HuggingFaceTokenizer hf = djl(bertJson)) {
            long mismatches = 0;
            for (String line : lines) {
                long[] theirs = hf.encode(line).getIds();
                int[] mine = ours.encode(line).ids();
                if (!Arrays.equals(Arrays.stream(theirs).mapToInt(x -> (int) x).toArray(), mine)) {
                    mismatches++;
                }
            }
            System.out.printf("corpus: %d lines, %.1f MB (%s); vocabulary: BERT uncased (%d tokens); mismatching lines: %d%n",
                    lines.size(), bytes / 1e6, files, ours.vocabulary().size(), mismatches);
            double oursMBs = time("ours (BertTokenizer.encode)", bytes, () -> {
                long n = 0;
                for (String line : lines) {
                    n += ours.encode(line).ids().length;
                }
                return n;
            });
            double idsMBs = time("ours (BertTokenizer.tokenIds, no offsets)", bytes, () -> {
                long n = 0;
                for (String line : lines) {
                    n += ours.tokenIds(line).length;
                }
                return n;
            });
            double djlMBs = time("HuggingFace via DJL (encode, one call per line)", bytes, () -> {
                long n = 0;
                for (String line : lines) {
                    n += hf.encode(line).getIds().length;
                }
                return n;
            });
            System.out.printf("speed-up: encode %.1fx, tokenIds %.1fx (ours / DJL, one thread each)%n",
                    oursMBs / djlMBs, idsMBs / djlMBs);
        }
    }

    private interface Body {
        long run();
    }

    /** Best-of-N throughput in MB/s on the calling thread. */
    private static double time(String name, long bytes, Body body) {
        for (int i = 0; i < WARMUP_ROUNDS; i++) {
            body.run();
        }
        double best = Double.MAX_VALUE;
        long tokens = 0;
        for (int i = 0; i < ROUNDS; i++) {
            long start = System.nanoTime();
            tokens = body.run();
            best = Math.min(best, (System.nanoTime() - start) / 1e9);
        }
        double mbs = bytes / 1e6 / best;
        System.out.printf("%-50s %8.2f MB/s  %10.0f tokens/s  (best of %d, %.2f s)%n", name, mbs, tokens / best,
                ROUNDS, best);
        return mbs;
    }

    private static byte[] bertJson() throws IOException {
        try (InputStream in = TokenizerBench.class.getResourceAsStream("/all-minilm-l6-v2-q-tokenizer.json")) {
            if (in == null) {
                throw new IllegalStateException("BERT's tokenizer.json (langchain4j jar) is not on the classpath");
            }
            return in.readAllBytes();
        }
    }

    /** DJL on the same vocabulary, with the file's truncation and padding to 128 removed. */
    private static HuggingFaceTokenizer djl(byte[] json) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = (ObjectNode) mapper.readTree(json);
        root.putNull("truncation");
        root.putNull("padding");
        Path file = Files.createTempFile("bert-tokenizer", ".json");
        file.toFile().deleteOnExit();
        mapper.writeValue(file.toFile(), root);
        return HuggingFaceTokenizer.newInstance(file, Map.of("truncation", "false", "padding", "false"));
    }
}
