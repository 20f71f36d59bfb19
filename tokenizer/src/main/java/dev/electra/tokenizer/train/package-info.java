/**
 * Learning the WordPiece vocabulary from a corpus, in two Spark-friendly halves.
 *
 * <ol>
 *   <li>Count: each partition adds its normalized pre-tokens to a {@link dev.electra.tokenizer.train.WordCounts},
 *       and the partial counts are combined with its associative, commutative
 *       {@link dev.electra.tokenizer.train.WordCounts#merge merge}.</li>
 *   <li>Fit: on the driver, {@link dev.electra.tokenizer.train.BpeWordPieceTrainer} turns the merged counts
 *       and a {@link dev.electra.tokenizer.train.VocabTrainerConfig} into the vocabulary in id order
 *       (special tokens, alphabet, merged pieces), ready to be written as {@code vocab.txt}.</li>
 * </ol>
 *
 * <p>The trainer is byte-pair encoding with WordPiece's {@code ##} continuation marks, as in HuggingFace
 * tokenizers; it is not Google's likelihood-based WordPiece. Encoding text with the learned vocabulary
 * (greedy longest-match-first) is the job of the tokenizer itself, not of this package.
 *
 * <p>Nothing here depends on Spark, so everything is unit-tested in plain JUnit.
 */
package dev.electra.tokenizer.train;
