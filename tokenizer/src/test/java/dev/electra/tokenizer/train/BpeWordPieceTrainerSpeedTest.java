package dev.electra.tokenizer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Measures a BERT-sized fit; prints the time and asserts only the result size, as machines differ. */
class BpeWordPieceTrainerSpeedTest {

    @Test
    void fitsABertSizedVocabularyOnAHundredThousandWords() {
        WordCounts counts = Corpora.zipfian(42, 100_000, 10_000_000);
        VocabTrainerConfig config = VocabTrainerConfig.bert(30_522, 2, 1000);

        long start = System.nanoTime();
        List<String> vocab = new BpeWordPieceTrainer().fit(counts, config);
        long millis = (System.nanoTime() - start) / 1_000_000;

        System.out.printf("BpeWordPieceTrainer: %,d distinct words (%,d occurrences) -> %,d tokens in %,d ms%n",
                counts.distinctWords(), counts.totalWords(), vocab.size(), millis);
        assertEquals(30_522, vocab.size());
    }
}
