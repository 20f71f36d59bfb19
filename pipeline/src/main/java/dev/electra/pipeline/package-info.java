/**
 * From token ids to a trained model, in plain Java (no Spark): configuration ({@code config}), the sample corpus
 * ({@code data}) and pretraining-example packing ({@code packing}).
 */
package dev.electra.pipeline;
