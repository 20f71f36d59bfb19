package dev.electra.pipeline.packing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.electra.pipeline.seeds.Seeds;
import dev.electra.tokenizer.BertTokenizer;
import dev.electra.tokenizer.NormalizerOptions;
import dev.electra.tokenizer.Vocabulary;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A document's lines, in whatever order they arrive, to the examples of its sentences in input order. */
class DocumentPackerTest {
    private static final List<String> WORDS = List.of("the", "cat", "sat", "dog", "ran", "it", "was", "late", ".");
    private static final BertTokenizer TOKENIZER = BertTokenizer.of(Vocabulary.of(vocabulary()),
            NormalizerOptions.bertUncased());
    private static final PackingSpec SPEC = new PackingSpec(12, 0.0, 0.0, 2, 3);

    private static List<String> vocabulary() {
        List<String> v = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
        v.addAll(WORDS);
        return v;
    }

    private static int id(String word) {
        return vocabulary().indexOf(word);
    }

    @Test
    void sentencesArePackedInInputOrderWhateverOrderTheLinesArriveIn() {
        DocumentPacker packer = new DocumentPacker(TOKENIZER, SPEC, 42, 4);
        List<DocumentPacker.Line> lines = List.of(new DocumentPacker.Line(7, "It was late."),
                new DocumentPacker.Line(3, "The cat sat. The dog ran."));
        DocumentPacker.Packed packed = packer.pack(11, lines);
        assertEquals(3, packed.sentences(), "two sentences in the first line, one in the second");
        assertEquals(Seeds.shard(11, 42, 4), packed.shard());
        List<int[]> sentences = List.of(new int[] {id("the"), id("cat"), id("sat"), id(".")},
                new int[] {id("the"), id("dog"), id("ran"), id(".")}, new int[] {id("it"), id("was"), id("late"),
                        id(".")});
        List<PackedExample> expected = new ExamplePacker(SPEC).pack(sentences, ExamplePacker.documentRandom(42, 11));
        assertEquals(expected, packed.examples(), "the packer's examples of the sentences in input order");
        List<PackedExample> reversed = new ExamplePacker(SPEC).pack(List.of(sentences.get(2), sentences.get(0),
                sentences.get(1)), ExamplePacker.documentRandom(42, 11));
        assertNotEquals(reversed, packed.examples(), "the order matters, so the test can tell");
    }

    @Test
    void aLineHoldingSeveralParagraphsIsSplitAtItsLineBreaks() {
        DocumentPacker packer = new DocumentPacker(TOKENIZER, SPEC, 42, 4);
        assertEquals(2, packer.pack(0, List.of(new DocumentPacker.Line(0, "the cat sat\nthe dog ran"))).sentences());
    }
}
