/**
 * Packing of sentence ids into pretraining examples {@code [CLS] A [SEP] B [SEP]}, as ELECTRA's
 * {@code build_pretraining_dataset.py}, with mergeable statistics; {@link dev.electra.pipeline.packing.DocumentPacker}
 * takes one document from its lines to its examples and shard.
 */
package dev.electra.pipeline.packing;
