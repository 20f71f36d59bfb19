package dev.electra.tokenizer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The key correctness check: the incremental trainer must produce exactly the vocabulary of the plain
 * recount-everything {@link ReferenceBpeTrainer}, merge for merge, on corpora built to provoke ties, repeated
 * symbols, barriers, supplementary characters and special tokens that collide with learned ones.
 */
class IncrementalMatchesReferenceTest {

    private static final String[] LETTERS = {"ab", "abc", "abcd", "aab", "xyzé", "a😀b"};

    static Stream<Integer> seeds() {
        return IntStream.range(0, 60).boxed();
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void sameVocabularyAsTheReference(int seed) {
        Random random = new Random(seed);
        String letters = LETTERS[seed % LETTERS.length];
        WordCounts counts = Corpora.randomSmall(random, 5 + random.nextInt(40), letters, 1 + random.nextInt(9),
                1 + random.nextInt(5));
        List<String> specials = seed % 3 == 0
                ? List.of("[PAD]", "[UNK]", "ab", "##b", "a")
                : VocabTrainerConfig.BERT_SPECIAL_TOKENS;
        VocabTrainerConfig config = new VocabTrainerConfig(
                specials.size() + 1 + random.nextInt(60),
                1 + random.nextInt(3),
                1 + random.nextInt(5),
                specials,
                "##");

        List<String> expected;
        try {
            expected = ReferenceBpeTrainer.fit(counts, config);
        } catch (IllegalArgumentException alphabetDoesNotFit) {
            assertThrows(IllegalArgumentException.class, () -> new BpeWordPieceTrainer().fit(counts, config));
            return;
        }
        assertEquals(expected, new BpeWordPieceTrainer().fit(counts, config), counts.sortedByWord() + " " + config);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void sameVocabularyAsTheReferenceOnZipfianCorpora(int seed) {
        WordCounts counts = Corpora.zipfian(seed, 150, 400);
        VocabTrainerConfig config = VocabTrainerConfig.bert(100 + 7 * seed, 1 + seed % 3, 10 + seed % 40);

        assertEquals(ReferenceBpeTrainer.fit(counts, config), new BpeWordPieceTrainer().fit(counts, config));
    }
}
