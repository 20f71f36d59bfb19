/**
 * The model outside this project: HuggingFace transformers' ELECTRA files (safetensors weights, config.json and the
 * tokenizer files) written from a checkpoint and read back into one, through one name map.
 */
package dev.electra.pipeline.hf;
