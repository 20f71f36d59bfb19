/**
 * Batches padded on the fly and dynamic masking, as ELECTRA's {@code pretrain_helpers.mask}: which positions are
 * predicted and what the model sees there.
 */
package dev.electra.pipeline.masking;
