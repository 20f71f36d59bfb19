package dev.electra.jobs;

import picocli.CommandLine.Option;

/**
 * Where a command that reads a pretrained model (evaluate, score) finds it: a pretrain run and the vocabulary it was
 * pretrained with, or a transformers directory, which carries its tokenizer.
 */
public final class ModelOptions {
    @Option(names = "--model", required = true, paramLabel = "RUN_OR_DIR",
            description = "A pretrain output directory (its newest verified checkpoint is used), or a transformers "
                    + "ELECTRA discriminator directory (an export, or config.json with model.safetensors).")
    String model;

    @Option(names = "--vocab", paramLabel = "DIR",
            description = "For a pretrain run: the vocabulary it was pretrained with (vocab's output directory or its "
                    + "vocab.txt). Not for a transformers directory, which carries its tokenizer.")
    String vocab;
}
