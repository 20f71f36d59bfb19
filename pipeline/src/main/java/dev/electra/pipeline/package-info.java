/**
 * From token ids to a trained and evaluated model, in plain Java (no Spark), one package a layer: pretraining-example
 * packing ({@code packing}), masking ({@code masking}), the model ({@code model}), configuration ({@code config}),
 * checkpoints ({@code checkpoint}), training and parameter averaging ({@code train}), evaluation ({@code eval}),
 * metrics ({@code metrics}), the ablation report ({@code report}), the transformers format ({@code hf}), the sample
 * data ({@code data}), and below them all seeds ({@code seeds}) and the error a user reads ({@code errors}).
 */
package dev.electra.pipeline;
