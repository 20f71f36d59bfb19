package dev.electra.jobs;

import dev.electra.jobs.io.OutputDir;
import dev.electra.pipeline.checkpoint.ParameterLayout;
import dev.electra.pipeline.config.RunInfo;
import dev.electra.pipeline.errors.JobError;
import dev.electra.pipeline.hf.HfElectra;
import dev.electra.pipeline.hf.HfElectra.Network;
import dev.electra.pipeline.model.ElectraModel;
import dev.electra.tokenizer.TokenizerSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code export}: a pretrain run's checkpoint as two HuggingFace transformers directories,
 * {@code OUTPUT/discriminator} ({@code ElectraForPreTraining}) and {@code OUTPUT/generator}
 * ({@code ElectraForMaskedLM}), each loadable with {@code from_pretrained}: config.json, model.safetensors and the
 * tokenizer files. No Spark: it reads one checkpoint and writes a few files, atomically.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Write a pretrain run's checkpoint as HuggingFace transformers directories: "
                + "OUTPUT/discriminator (ElectraForPreTraining) and OUTPUT/generator (ElectraForMaskedLM), each with "
                + "config.json, model.safetensors, vocab.txt, tokenizer.json, tokenizer_config.json and "
                + "special_tokens_map.json.",
                "Objectives electra and electra-15 (the others have no discriminator)."})
final class ExportCommand implements Callable<Integer> {
    @Mixin
    OverwriteOption replace;

    @Option(names = "--model", required = true, paramLabel = "RUN", description = "A pretrain output directory.")
    String model;

    @Option(names = "--vocab", required = true, paramLabel = "DIR",
            description = "The vocabulary the run was pretrained with (vocab's output directory or its vocab.txt).")
    String vocab;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Output directory.")
    String output;

    @Option(names = "--step", paramLabel = "N",
            description = "The checkpoint of step N (default: the newest one that verifies).")
    Long step;

    @Override
    public Integer call() {
        List<String> arguments = new ArrayList<>(List.of("export", "--model", model, "--vocab", vocab, "--output",
                output));
        if (step != null) {
            arguments.addAll(List.of("--step", step.toString()));
        }
        long exported = run(model, vocab, output, step == null ? OptionalLong.empty() : OptionalLong.of(step),
                replace.overwrite, new Configuration(), arguments);
        System.out.println("exported " + model + " at step " + exported + " to " + output + "/discriminator and "
                + output + "/generator");
        return 0;
    }

    /** Writes {@code model}'s discriminator and generator directories into {@code out}. */
    static void write(OutputDir out, ElectraModel model, TokenizerSpec tokenizer) {
        ParameterLayout layout = ParameterLayout.of(model.parameters());
        float[] params = model.flatParameters();
        Map<String, byte[]> tokenizerFiles = HfElectra.tokenizerFiles(tokenizer.vocabulary(), tokenizer.normalizer(),
                tokenizer.maxInputCharsPerWord(), model.config().maxPositions());
        for (Network n : Network.values()) {
            out.write(n.prefix + "/" + PretrainedModels.CONFIG, HfElectra.json(HfElectra.config(model.config(), n,
                    tokenizer.vocabulary().padId())));
            out.write(n.prefix + "/" + PretrainedModels.WEIGHTS, HfElectra.safetensors(layout, params, n));
            tokenizerFiles.forEach((name, bytes) -> out.write(n.prefix + "/" + name, bytes));
        }
    }

    /** Exports and returns the step exported. */
    static long run(String run, String vocabPath, String output, OptionalLong step, boolean overwrite,
                    Configuration hadoop, List<String> arguments) {
        List<OutputDir.Input> inputs = List.of(new OutputDir.Input("--model", run + "/checkpoints"),
                new OutputDir.Input("--model", run + "/" + RunInfo.FILE_NAME),
                new OutputDir.Input("--model", run + "/" + RunInfo.CONFIG_FILE_NAME),
                new OutputDir.Input("--vocab", vocabPath));
        try (OutputDir out = OutputDir.begin("export", output, overwrite, hadoop, inputs)) {
            try {
                PretrainedModels.Loaded loaded = PretrainedModels.fromRun(run, vocabPath, hadoop, step);
                ElectraModel m = loaded.model();
                if (!m.objective().hasDiscriminator()) {
                    throw new JobError(run + " was pretrained with objective " + m.objective().configName()
                            + ", which has no discriminator; export writes ELECTRA discriminator/generator pairs "
                            + "(objectives electra and electra-15)");
                }
                write(out, m, loaded.tokenizer());
                Map<String, Object> results = new LinkedHashMap<>();
                results.put("model", run);
                results.put("step", loaded.step());
                results.put("objective", m.objective().configName());
                results.put("vocab_sha256", loaded.tokenizer().vocabulary().sha256());
                out.writeRunInfo(RunInfo.start("export", arguments, loaded.runConfig()).withResults(results));
                out.commit();
                return loaded.step();
            } catch (Exception e) {
                throw out.failure(e);
            }
        }
    }
}
