package dev.electra.tokenizer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class VocabTrainerConfigTest {

    private static final List<String> BERT = VocabTrainerConfig.BERT_SPECIAL_TOKENS;

    private static String rejection(int vocabSize, long minFrequency, int limitAlphabet, List<String> specials,
                                    String prefix) {
        return assertThrows(IllegalArgumentException.class,
                () -> new VocabTrainerConfig(vocabSize, minFrequency, limitAlphabet, specials, prefix)).getMessage();
    }

    @Test
    void bertLayoutPutsPadFirst() {
        VocabTrainerConfig config = VocabTrainerConfig.bert(30_522, 2, 1000);

        assertEquals(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"), config.specialTokens());
        assertEquals("##", config.continuingSubwordPrefix());
    }

    @Test
    void copiesTheSpecialTokens() {
        List<String> specials = new ArrayList<>(BERT);
        VocabTrainerConfig config = new VocabTrainerConfig(100, 1, 10, specials, "##");
        specials.clear();

        assertEquals(BERT, config.specialTokens());
    }

    @Test
    void explainsEachRejectedValue() {
        assertEquals("vocab.size must be > number of special tokens (5), got 3", rejection(3, 1, 10, BERT, "##"));
        assertEquals("vocab.size must be > number of special tokens (5), got 5", rejection(5, 1, 10, BERT, "##"));
        assertEquals("vocab.min-frequency must be >= 1 (1 keeps every word), got 0",
                rejection(100, 0, 10, BERT, "##"));
        assertEquals("vocab.limit-alphabet must be >= 1 (a number of distinct characters), got 0",
                rejection(100, 1, 0, BERT, "##"));
        assertEquals("continuing-subword-prefix must be non-empty (BERT uses \"##\"), got \"\"",
                rejection(100, 1, 10, BERT, ""));
        assertEquals("special-tokens must be distinct, got \"[PAD]\" twice in [[PAD], [UNK], [PAD]]",
                rejection(100, 1, 10, List.of("[PAD]", "[UNK]", "[PAD]"), "##"));
        assertEquals("special-tokens[1] must be a non-blank token, got \" \"",
                rejection(100, 1, 10, List.of("[PAD]", " "), "##"));
        assertEquals("special-tokens[0] must be a non-blank token, got null",
                rejection(100, 1, 10, Arrays.asList(null, "[UNK]"), "##"));
    }
}
