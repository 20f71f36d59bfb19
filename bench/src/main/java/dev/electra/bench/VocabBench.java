package dev.electra.bench;

import dev.electra.tokenizer.BertTokenizer;
import dev.electra.tokenizer.NormalizerOptions;
import dev.electra.tokenizer.SpecialTokens;
import dev.electra.tokenizer.TokenizerSpec;
import dev.electra.tokenizer.Vocabulary;
import dev.electra.tokenizer.train.BpeWordPieceTrainer;
import dev.electra.tokenizer.train.VocabTrainerConfig;
import dev.electra.tokenizer.train.WordCounts;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The WordPiece trainer's fit on one core: the words of real text files (BERT's uncased normalizer and
 * pre-tokenizer, as {@code vocab} counts them, words seen at least twice), fitted to each vocabulary size asked,
 * three times each; prints the distinct words, the tokens fitted and the best and median milliseconds. Only the fit
 * is timed (counting is Spark's part of {@code vocab}). Usage: {@code VocabBench [DIR_OR_FILE] [SIZE...]} (default
 * data/corpus, 8000 and 30522).
 */
public final class VocabBench {
    private static final int RUNS = 3;

    private VocabBench() {}

    public static void main(String[] args) throws IOException {
        Path input = Path.of(args.length > 0 ? args[0] : "data/corpus");
        List<Integer> sizes = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            sizes.add(Integer.parseInt(args[i]));
        }
        if (sizes.isEmpty()) {
            sizes = List.of(8000, 30_522);
        }
        WordCounts seen = count(input);
        WordCounts counts = new WordCounts();
        seen.sortedByWord().forEach((w, c) -> {
            if (c >= 2) {
                counts.add(w, c);
            }
        });
        System.out.printf("%s: %,d words, %,d distinct seen at least twice%n", input, seen.totalWords(),
                counts.distinctWords());
        for (int size : sizes) {
            VocabTrainerConfig config = VocabTrainerConfig.bert(size, 2, 1000);
            long[] millis = new long[RUNS];
            int fitted = 0;
            for (int r = 0; r < RUNS; r++) {
                long start = System.nanoTime();
                fitted = new BpeWordPieceTrainer().fit(counts, config).size();
                millis[r] = (System.nanoTime() - start) / 1_000_000;
            }
            java.util.Arrays.sort(millis);
            System.out.printf("vocab.size %,d: %,d tokens fitted, best %,d ms, median %,d ms (%d runs)%n", size,
                    fitted, millis[0], millis[RUNS / 2], RUNS);
        }
    }

    private static WordCounts count(Path input) throws IOException {
        BertTokenizer words = new TokenizerSpec(Vocabulary.of(SpecialTokens.ALL), NormalizerOptions.bertUncased(),
                100).build();
        List<Path> files;
        if (Files.isDirectory(input)) {
            try (Stream<Path> s = Files.list(input)) {
                files = s.filter(Files::isRegularFile).sorted().toList();
            }
        } else {
            files = List.of(input);
        }
        WordCounts counts = new WordCounts();
        for (Path f : files) {
            try (BufferedReader in = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    for (String w : words.words(line)) {
                        counts.add(w);
                    }
                }
            }
        }
        return counts;
    }
}
