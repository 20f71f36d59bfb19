package dev.electra.pipeline.packing;

import dev.electra.pipeline.seeds.Seeds;
import dev.electra.tokenizer.BertTokenizer;
import dev.electra.tokenizer.SentenceSplitter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One document to its pretraining examples: its lines put back in input order, each split into sentences
 * (CoreNLP), each sentence tokenized, the sentences packed ({@link ExamplePacker}, seeded by the document's number),
 * and the shard the document's examples go to ({@link Seeds#shard}). Spark-free: {@code prepare} makes one per
 * partition (the splitter and tokenizer are not thread-safe) and feeds it the documents it groups.
 */
public final class DocumentPacker {
    private final SentenceSplitter splitter = new SentenceSplitter();
    private final BertTokenizer tokenizer;
    private final ExamplePacker packer;
    private final long seed;
    private final int shards;

    /** A line of a document and its number in the input (lines of one document may arrive in any order). */
    public record Line(long sequence, String text) {}

    /** A document's examples, the shard they belong to and how many sentences it had. */
    public record Packed(int shard, int sentences, List<PackedExample> examples) {}

    public DocumentPacker(BertTokenizer tokenizer, PackingSpec spec, long seed, int shards) {
        this.tokenizer = tokenizer;
        this.packer = new ExamplePacker(spec);
        this.seed = seed;
        this.shards = shards;
    }

    /** Document {@code document}'s examples from its lines (a line may hold several paragraphs' worth of text). */
    public Packed pack(long document, List<Line> lines) {
        List<Line> ordered = new ArrayList<>(lines);
        ordered.sort(Comparator.comparingLong(Line::sequence));
        List<int[]> sentences = new ArrayList<>();
        for (Line line : ordered) {
            for (String part : line.text().split("\\R")) {
                for (String sentence : splitter.split(part)) {
                    sentences.add(tokenizer.tokenIds(sentence));
                }
            }
        }
        return new Packed(Seeds.shard(document, seed, shards), sentences.size(),
                packer.pack(sentences, ExamplePacker.documentRandom(seed, document)));
    }
}
