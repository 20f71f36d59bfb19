/**
 * Benchmarks that print numbers, each against a reference run in the same process or on the same machine:
 * tokenization against HuggingFace tokenizers, training against PyTorch (bench/python). Results go to
 * docs/benchmarks.md.
 */
package dev.electra.bench;
