package dev.electra.jobs;

import dev.electra.pipeline.config.ConfigLoader;
import dev.electra.pipeline.config.ElectraConfig;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options every command that reads a configuration takes: overlays and overrides. */
public final class CommonOptions {
    @Option(names = "--conf", paramLabel = "FILE",
            description = "HOCON overlay, a path or a bundled name (tiny, small, base, local, standalone, yarn); "
                    + "repeatable, later ones win. Defaults: conf/reference.conf.")
    List<String> confs = new ArrayList<>();

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override one config key, e.g. --set prepare.max-seq-length=256; repeatable, applied last.")
    List<String> sets = new ArrayList<>();

    public ElectraConfig config() {
        return ConfigLoader.load(confs, sets);
    }
}
