package dev.electra.jobs;

import picocli.CommandLine.Option;

/** The switch of the commands that write an output directory or file. */
public final class OverwriteOption {
    @Option(names = "--overwrite", description = "Replace an existing output that this command wrote earlier (only "
            + "once the new one is complete); any other existing path is refused.")
    boolean overwrite;
}
