/**
 * Text to WordPiece ids, with the same results as HuggingFace tokenizers' BERT pipeline.
 *
 * <p>The stages are those of HuggingFace tokenizers, one class each:
 * {@link dev.electra.tokenizer.BertNormalizer} (clean control characters, space out CJK
 * ideographs, NFD accent stripping, lowercasing) → {@link dev.electra.tokenizer.BertPreTokenizer}
 * (split on white space, isolate punctuation) → {@link dev.electra.tokenizer.WordPiece} (greedy
 * longest-match-first) → the BERT template {@code [CLS] A [SEP] B [SEP]} in
 * {@link dev.electra.tokenizer.BertTokenizer}. Offsets survive every stage, so each token maps back
 * to the original text.
 *
 * <p>Parity with HuggingFace is the contract: the tests compare ids, type ids and offsets with
 * HuggingFace tokenizers (through DJL) on hard cases, random strings and every code point. The
 * Unicode character classes HuggingFace uses come from crates pinned at older or newer Unicode
 * versions than Java 17's Unicode 13; {@code UnicodeRules} lists the differences explicitly.
 *
 * <p>Offsets are UTF-16 indices into the Java string ({@code text.substring(start, end)} is the
 * token's source); HuggingFace reports Unicode scalar values, which differ only after a
 * supplementary character.
 */
package dev.electra.tokenizer;
