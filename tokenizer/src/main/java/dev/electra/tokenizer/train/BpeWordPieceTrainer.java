package dev.electra.tokenizer.train;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Learns a WordPiece vocabulary (BERT's {@code vocab.txt} layout) from word counts by <em>byte-pair-encoding
 * merges</em>: the algorithm of HuggingFace's {@code WordPieceTrainer}, which is a BPE trainer underneath.
 * It is <strong>not</strong> Google's original WordPiece, which picks the merge that most increases the
 * likelihood of a unigram language model; here the most frequent adjacent pair wins.
 *
 * <p>The steps, in order:
 * <ol>
 *   <li>Words counted fewer than {@code minFrequency} times are dropped, before the alphabet or any pair is
 *       counted.</li>
 *   <li>The alphabet is the {@code limitAlphabet} most frequent characters (Unicode code points, weighted by
 *       word counts; equal counts keep the smaller code point). Other characters are not dropped from their
 *       words: they become barriers that no pair crosses, so no token contains them and the text on either
 *       side of them is still learned from. (HuggingFace instead deletes them, which can join characters that
 *       were never adjacent.)</li>
 *   <li>Each word is split into characters; every character but the first carries the continuing-subword
 *       prefix ({@code "hug"} becomes {@code h ##u ##g}). The starting vocabulary holds, after the special
 *       tokens, the word-initial form of each alphabet character that starts some word, then the
 *       continuation form of each that continues some word, each group by code point.</li>
 *   <li>Merge rule: repeatedly take the adjacent pair with the highest count, summed over words and weighted by
 *       word counts (a pair occurring twice in a word counts twice). Equal counts go to the pair whose left
 *       symbol is smaller by {@link String#compareTo}, then whose right symbol is. The pair {@code (a, b)} is
 *       replaced in every word, scanning left to right, by {@code a} followed by {@code b} without its
 *       prefix ({@code (##u, ##g)} becomes {@code ##ug}). The merged token is appended to the vocabulary
 *       unless it is already there (another pair may have produced the same text); the merge applies
 *       either way.</li>
 *   <li>Stop rule: stop as soon as the vocabulary holds {@code vocabSize} tokens, or no adjacent pair is
 *       left, or the best pair occurs fewer than {@code minFrequency} times. The last is HuggingFace's rule;
 *       after step 1 it cannot fire (a pair occurs at least as often as any kept word containing it) and is
 *       checked so that the rule holds whatever the word filter does.</li>
 * </ol>
 *
 * <p>Every training word made only of alphabet characters can be encoded without [UNK] by greedy
 * longest-match-first WordPiece, because each of its characters is in the vocabulary in the form its
 * position needs. The result is a pure function of the counts and the configuration: it does not depend on
 * hash order or on how the counts were partitioned and merged.
 *
 * <p>Stateless and thread-safe; fit on the driver after merging the per-partition {@link WordCounts}.
 */
public final class BpeWordPieceTrainer {

    private static final Logger LOG = LoggerFactory.getLogger(BpeWordPieceTrainer.class);

    /**
     * Returns the vocabulary in id order: the special tokens, the alphabet, then merged tokens in merge
     * order. Its size is {@code config.vocabSize()} unless the stop rule ended training early.
     *
     * @throws IllegalArgumentException if the special tokens and the alphabet alone exceed
     *                                  {@code config.vocabSize()}
     */
    public List<String> fit(WordCounts counts, VocabTrainerConfig config) {
        Objects.requireNonNull(counts, "counts");
        Objects.requireNonNull(config, "config");
        String prefix = config.continuingSubwordPrefix();

        List<int[]> wordCodePoints = new ArrayList<>();
        List<Long> kept = new ArrayList<>();
        for (Map.Entry<String, Long> e : counts.sortedByWord().entrySet()) {
            if (e.getValue() >= config.minFrequency()) {
                wordCodePoints.add(e.getKey().codePoints().toArray());
                kept.add(e.getValue());
            }
        }
        long[] wordCount = kept.stream().mapToLong(Long::longValue).toArray();
        Set<Integer> alphabet = Alphabet.mostFrequent(wordCodePoints, wordCount, config.limitAlphabet());

        List<String> symbolText = new ArrayList<>();
        Map<String, Integer> symbolIds = new HashMap<>();
        TreeSet<Integer> initialChars = new TreeSet<>();
        TreeSet<Integer> continuingChars = new TreeSet<>();
        int[][] wordSymbols = new int[wordCodePoints.size()][];
        for (int w = 0; w < wordSymbols.length; w++) {
            int[] cps = wordCodePoints.get(w);
            int[] symbols = new int[cps.length];
            for (int i = 0; i < cps.length; i++) {
                if (!alphabet.contains(cps[i])) {
                    symbols[i] = PairMerger.BARRIER;
                    continue;
                }
                (i == 0 ? initialChars : continuingChars).add(cps[i]);
                String text = i == 0 ? Character.toString(cps[i]) : prefix + Character.toString(cps[i]);
                symbols[i] = symbolIds.computeIfAbsent(text, t -> {
                    symbolText.add(t);
                    return symbolText.size() - 1;
                });
            }
            wordSymbols[w] = symbols;
        }

        LinkedHashSet<String> vocab = new LinkedHashSet<>(config.specialTokens());
        initialChars.forEach(cp -> vocab.add(Character.toString(cp)));
        continuingChars.forEach(cp -> vocab.add(prefix + Character.toString(cp)));
        int startSize = vocab.size();
        if (startSize > config.vocabSize()) {
            throw new IllegalArgumentException("vocab.size (" + config.vocabSize()
                    + ") must hold at least the " + config.specialTokens().size() + " special tokens and the "
                    + (startSize - config.specialTokens().size()) + " alphabet tokens (word-initial and "
                    + prefix + " forms of " + alphabet.size() + " characters), " + startSize
                    + " in all; raise vocab.size or lower vocab.limit-alphabet (" + config.limitAlphabet() + ")");
        }

        PairMerger merger = new PairMerger(symbolText, symbolIds, prefix, wordSymbols, wordCount);
        int merges = 0;
        String stop = "the vocabulary is full";
        while (vocab.size() < config.vocabSize()) {
            long best = merger.bestPairCount();
            if (best == 0) {
                stop = "no adjacent pair is left";
                break;
            }
            if (best < config.minFrequency()) {
                stop = "the best pair occurs " + best + " < vocab.min-frequency times";
                break;
            }
            vocab.add(merger.mergeBest());
            merges++;
        }

        LOG.info("Trained a WordPiece vocabulary of {} tokens ({} special, {} alphabet, {} merged, {} merges) "
                        + "from {} of {} distinct words; stopped because {}",
                vocab.size(), config.specialTokens().size(), startSize - config.specialTokens().size(),
                vocab.size() - startSize, merges, wordSymbols.length, counts.distinctWords(), stop);
        return List.copyOf(vocab);
    }
}
