/**
 * Packing of sentence ids into pretraining examples {@code [CLS] A [SEP] B [SEP]}, as ELECTRA's
 * {@code build_pretraining_dataset.py}, with mergeable statistics.
 */
package dev.electra.pipeline.packing;
