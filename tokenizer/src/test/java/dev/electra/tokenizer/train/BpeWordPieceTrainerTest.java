package dev.electra.tokenizer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class BpeWordPieceTrainerTest {

    private static final List<String> SPECIALS = VocabTrainerConfig.BERT_SPECIAL_TOKENS;
    private final BpeWordPieceTrainer trainer = new BpeWordPieceTrainer();

    /** The corpus of HuggingFace's course chapter on BPE: its merges can be followed by hand. */
    private static WordCounts hugs() {
        return Corpora.of("hug", 10, "pug", 5, "pun", 12, "bun", 4, "hugs", 5);
    }

    private static List<String> specialsThen(String... tokens) {
        List<String> vocab = new ArrayList<>(SPECIALS);
        vocab.addAll(List.of(tokens));
        return vocab;
    }

    @Test
    void learnsTheHandComputedMergesUntilNoPairIsLeft() {
        // Pair counts: (##u,##g)=20 (p,##u)=17 (##u,##n)=16 (h,##u)=15 (##g,##s)=5 (b,##u)=4.
        // Then (##u,##n)=16, (h,##ug)=15, (p,##un)=12, a tie at 5 won by "hug" < "p", (p,##ug)=5, (b,##un)=4.
        List<String> vocab = trainer.fit(hugs(), VocabTrainerConfig.bert(100, 1, 1000));

        assertEquals(specialsThen("b", "h", "p", "##g", "##n", "##s", "##u",
                "##ug", "##un", "hug", "pun", "hugs", "pug", "bun"), vocab);
    }

    @Test
    void stopsExactlyAtVocabSize() {
        List<String> vocab = trainer.fit(hugs(), VocabTrainerConfig.bert(15, 1, 1000));

        assertEquals(specialsThen("b", "h", "p", "##g", "##n", "##s", "##u", "##ug", "##un", "hug"), vocab);
    }

    @Test
    void dropsRareWordsBeforeTheAlphabetAndThePairsAreCounted() {
        // bun (4) is gone, so there is no "b"; (##u,##n) falls to 12 and ties with (p,##u), "##u" < "p".
        List<String> vocab = trainer.fit(hugs(), VocabTrainerConfig.bert(100, 5, 1000));

        assertEquals(specialsThen("h", "p", "##g", "##n", "##s", "##u",
                "##ug", "hug", "##un", "pun", "hugs", "pug"), vocab);
    }

    @Test
    void breaksCountTiesByTheLeftSymbol() {
        List<String> vocab = trainer.fit(Corpora.of("cd", 3, "ab", 3), VocabTrainerConfig.bert(100, 1, 1000));

        assertEquals(specialsThen("a", "c", "##b", "##d", "ab", "cd"), vocab);
    }

    @Test
    void breaksCountTiesByTheRightSymbolWhenTheLeftIsEqual() {
        List<String> vocab = trainer.fit(Corpora.of("ac", 2, "ab", 2), VocabTrainerConfig.bert(100, 1, 1000));

        assertEquals(specialsThen("a", "##b", "##c", "ab", "ac"), vocab);
    }

    @Test
    void aRepeatedSymbolMergesLeftToRightWithoutOverlap() {
        // a ##a ##a ##a: (##a,##a) counts 2 and wins; merging gives a ##aa ##a, not a ##a ##aa, so the
        // next merge is (##aa,##a) (tied with (a,##aa), "##aa" < "a"), never (##a,##aa).
        List<String> vocab = trainer.fit(Corpora.of("aaaa", 1), VocabTrainerConfig.bert(100, 1, 1000));

        assertEquals(specialsThen("a", "##a", "##aa", "##aaa", "aaaa"), vocab);
    }

    @Test
    void charactersOutsideTheAlphabetAreBarriersNotGaps() {
        // z (3) is outside the alphabet of 4. In "azb" no pair spans it, so (a,##b) counts 10, not 13,
        // and "cd" (11) is merged first; deleting z as HuggingFace does would put "ab" first.
        List<String> vocab = trainer.fit(Corpora.of("ab", 10, "cd", 11, "azb", 3),
                VocabTrainerConfig.bert(100, 1, 4));

        assertEquals(specialsThen("a", "c", "##b", "##d", "cd", "ab"), vocab);
    }

    @Test
    void limitAlphabetKeepsTheSmallerCodePointAmongEqualCounts() {
        assertEquals(specialsThen("x"), trainer.fit(Corpora.of("xy", 2), VocabTrainerConfig.bert(100, 1, 1)));
        assertEquals(specialsThen("##x"), trainer.fit(Corpora.of("yx", 2), VocabTrainerConfig.bert(100, 1, 1)));
    }

    @Test
    void limitAlphabetKeepsTheMostFrequentCharactersWeightedByWordCounts() {
        // Counted once per occurrence, a (2) would beat q (2) on code point; weighted, q (100) > e (9) > a (6).
        WordCounts counts = Corpora.of("qq", 50, "e", 3, "ea", 3, "ae", 3);
        List<String> vocab = trainer.fit(counts, VocabTrainerConfig.bert(100, 1, 2));

        assertEquals(specialsThen("e", "q", "##e", "##q", "qq"), vocab);
    }

    @Test
    void splitsCodePointsNotUtf16Units() {
        List<String> vocab = trainer.fit(Corpora.of("😀é😀", 2), VocabTrainerConfig.bert(100, 1, 1000));

        // The tie at 2 goes to (##é,##😀): "##é" < "😀".
        assertEquals(specialsThen("😀", "##é", "##😀", "##é😀", "😀é😀"), vocab);
    }

    @Test
    void specialTokensComeFirstInTheGivenOrder() {
        List<String> specials = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "[EXTRA]");
        List<String> vocab = trainer.fit(hugs(), new VocabTrainerConfig(50, 1, 1000, specials, "##"));

        assertEquals(specials, vocab.subList(0, specials.size()));
        assertEquals(0, vocab.indexOf("[PAD]"));
    }

    @Test
    void anEmptyCorpusGivesOnlyTheSpecialTokens() {
        assertEquals(SPECIALS, trainer.fit(new WordCounts(), VocabTrainerConfig.bert(100, 1, 1000)));
        assertEquals(SPECIALS, trainer.fit(Corpora.of("rare", 1), VocabTrainerConfig.bert(100, 2, 1000)));
    }

    @Test
    void aTokenAlreadyInTheVocabularyIsNotAddedAgainButItsMergeStillApplies() {
        // "hug" is a special token here: merging (h,##ug) adds nothing, yet (hug,##s) can follow.
        // "b" is one too, so the alphabet does not repeat it.
        List<String> specials = List.of("[PAD]", "[UNK]", "hug", "b");
        List<String> vocab = trainer.fit(hugs(), new VocabTrainerConfig(100, 1, 1000, specials, "##"));

        assertEquals(List.of("[PAD]", "[UNK]", "hug", "b", "h", "p", "##g", "##n", "##s", "##u",
                "##ug", "##un", "pun", "hugs", "pug", "bun"), vocab);
    }

    @Test
    void rejectsAVocabSizeTooSmallForTheAlphabet() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> trainer.fit(hugs(), VocabTrainerConfig.bert(11, 1, 1000)));

        assertEquals("vocab.size (11) must hold at least the 5 special tokens and the 7 alphabet tokens "
                + "(word-initial and ## forms of 7 characters), 12 in all; raise vocab.size or lower "
                + "vocab.limit-alphabet (1000)", e.getMessage());
    }

    @Test
    void fillsVocabSizeExactlyWhenEnoughMergesExist() {
        WordCounts counts = Corpora.zipfian(7, 3_000, 10_000);
        for (int size : new int[] {300, 1_000, 2_345}) {
            assertEquals(size, trainer.fit(counts, VocabTrainerConfig.bert(size, 2, 1000)).size());
        }
    }

    @Test
    void aSmallerVocabularyIsAPrefixOfALargerOne() {
        WordCounts counts = Corpora.zipfian(8, 2_000, 5_000);
        List<String> large = trainer.fit(counts, VocabTrainerConfig.bert(1_500, 1, 1000));
        List<String> small = trainer.fit(counts, VocabTrainerConfig.bert(700, 1, 1000));

        assertEquals(large.subList(0, 700), small);
    }

    @Test
    void hasNoDuplicates() {
        Random random = new Random(11);
        for (int round = 0; round < 30; round++) {
            WordCounts counts = Corpora.randomSmall(random, 40, "ab", 9, 4);
            List<String> vocab = trainer.fit(counts, VocabTrainerConfig.bert(1000, 1, 1000));
            assertEquals(new HashSet<>(vocab).size(), vocab.size(), "duplicates in " + vocab);
        }
    }

    @Test
    void isDeterministicWhateverThePartitioningAndMergeOrder() {
        WordCounts whole = Corpora.zipfian(3, 4_000, 20_000);
        VocabTrainerConfig config = VocabTrainerConfig.bert(2_000, 2, 1000);
        List<String> expected = trainer.fit(whole, config);
        assertEquals(expected, trainer.fit(whole, config));

        Random random = new Random(5);
        for (int parts : new int[] {1, 2, 7, 16}) {
            List<WordCounts> partitions = Corpora.partition(whole, parts, random);
            Collections.shuffle(partitions, random);
            WordCounts leftFold = new WordCounts();
            partitions.forEach(leftFold::merge);
            WordCounts treeFold = treeMerge(Corpora.partition(whole, parts, random));

            assertEquals(whole, leftFold);
            assertEquals(whole, treeFold);
            assertEquals(expected, trainer.fit(leftFold, config));
            assertEquals(expected, trainer.fit(treeFold, config));
        }
    }

    private static WordCounts treeMerge(List<WordCounts> parts) {
        if (parts.size() == 1) {
            return parts.get(0);
        }
        int mid = parts.size() / 2;
        return treeMerge(parts.subList(mid, parts.size())).merge(treeMerge(parts.subList(0, mid)));
    }

    @Test
    void encodesEveryTrainingWordWithoutUnknownByGreedyLongestMatch() {
        Stream.of(Corpora.zipfian(9, 3_000, 10_000), hugs(), Corpora.randomSmall(new Random(2), 60, "abé😀", 8, 3))
                .forEach(counts -> {
                    for (int size : new int[] {100, 400, 2_000}) {
                        List<String> vocab = trainer.fit(counts, VocabTrainerConfig.bert(size, 1, 1000));
                        Set<String> vocabSet = new HashSet<>(vocab);
                        counts.sortedByWord().keySet().forEach(word -> {
                            List<String> pieces = GreedyWordPiece.encode(word, vocabSet, "##", "[UNK]");
                            assertNotEquals(List.of("[UNK]"), pieces, word + " with " + vocab);
                            assertEquals(word, String.join("", pieces).replace("##", ""));
                        });
                    }
                });
    }

    @Test
    void wordsWithACharacterOutsideTheAlphabetEncodeToUnknown() {
        List<String> vocab = trainer.fit(Corpora.of("ab", 10, "cd", 11, "azb", 3),
                VocabTrainerConfig.bert(100, 1, 4));

        assertEquals(List.of("[UNK]"), GreedyWordPiece.encode("azb", new HashSet<>(vocab), "##", "[UNK]"));
        assertEquals(List.of("ab"), GreedyWordPiece.encode("ab", new HashSet<>(vocab), "##", "[UNK]"));
    }
}
