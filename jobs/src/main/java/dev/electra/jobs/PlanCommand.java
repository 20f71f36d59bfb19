package dev.electra.jobs;

import dev.electra.pipeline.config.ConfigLoader;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.distributed.RoundBytes;
import dev.electra.pipeline.distributed.ScalingModel;
import dev.electra.pipeline.model.Flops;
import dev.electra.pipeline.model.ModelConfig;
import dev.electra.pipeline.train.Pretraining;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code plan}: what a pretraining run on K workers would do, predicted by {@link ScalingModel} before anyone pays
 * for the cluster: for each K, link and H (local steps per round), the round's time, the share not spent computing,
 * tokens per second and the global batch, and the H that keeps 90% of the time computing. Arithmetic, not a
 * measurement; docs/scaling.md gives its assumptions and how its two costs were calibrated.
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = {"Predict averaging rounds on K workers (round time, communication share, tokens/s, global "
                + "batch) from the configuration, a worker's step time and the link: arithmetic, not a measurement "
                + "(docs/scaling.md)."})
final class PlanCommand implements Callable<Integer> {
    /**
     * ELECTRA-Base pretraining at sequence length 128, sequences per second per GPU, published by NVIDIA
     * (DeepLearningExamples, TensorFlow2/LanguageModeling/ELECTRA README, tensorflow:20.07-tf2-py3, one GPU): a
     * ceiling for GPU workers, scaled to other sizes by training FLOPs per sequence.
     */
    enum Device {
        A100_TF32(533), A100_AMP(955), V100_FP32(116), V100_AMP(444);

        final double baseSequencesPerSecond;

        Device(double baseSequencesPerSecond) {
            this.baseSequencesPerSecond = baseSequencesPerSecond;
        }
    }

    /**
     * Calibrated on this machine's standalone cluster ({@code bin/bench round-cost}, 2026-12-07, docs/scaling.md): a
     * round's fixed cost, seconds.
     */
    static final double FIXED_SECONDS = 0.27;
    /**
     * Calibrated likewise: bytes per second a round's arrays are serialized, copied and written to shuffle files at,
     * with the driver and two executors sharing 2 cores (a pessimistic figure for machines with cores to spare).
     */
    static final double SERDES_BYTES_PER_SECOND = 0.11e9;

    @Mixin
    CommonOptions common;

    @Option(names = "--workers", split = ",", paramLabel = "K", description = "Worker counts (default: 8,16,32,64).")
    List<Integer> workers = List.of(8, 16, 32, 64);

    @Option(names = "--steps-per-round", split = ",", paramLabel = "H",
            description = "Local steps per round (default: distributed.averaging-frequency and 10, 100, 1000).")
    List<Integer> steps;

    @Option(names = "--link-gbps", split = ",", paramLabel = "GBPS",
            description = "Each machine's link in Gbit/s (default: 10,25,100).")
    List<Double> links = List.of(10.0, 25.0, 100.0);

    @Option(names = "--step-seconds", paramLabel = "S",
            description = "A worker's optimizer step at the configuration's batch, measured (worker_seconds / "
                    + "round_steps in a run's metric lines).")
    Double stepSeconds;

    @Option(names = "--device", paramLabel = "DEVICE",
            description = "Instead of --step-seconds: a GPU's published ELECTRA-Base rate as a ceiling, scaled by "
                    + "FLOPs: ${COMPLETION-CANDIDATES}.")
    Device device;

    @Option(names = "--fixed-seconds", paramLabel = "S", description = "A round's fixed cost (default: calibrated, "
            + FIXED_SECONDS + ").")
    double fixedSeconds = FIXED_SECONDS;

    @Option(names = "--serdes-gbytes", paramLabel = "GB/S", description = "Serialization and copy rate in GB/s "
            + "(default: calibrated, " + SERDES_BYTES_PER_SECOND / 1e9 + ").")
    double serdes = SERDES_BYTES_PER_SECOND / 1e9;

    @Override
    public Integer call() {
        ElectraConfig config = common.config();
        if ((stepSeconds == null) == (device == null)) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "give either --step-seconds (measured) or --device (a published GPU rate)");
        }
        int length = config.prepare().maxSeqLength();
        int batch = config.pretrain().batchSize();
        ModelConfig modelConfig = Pretraining.modelConfig(config, config.vocab().size(), length);
        long parameters = Pretraining.model(config, config.vocab().size(), length).parameterCount();
        double step = stepSeconds != null ? stepSeconds : deviceStep(modelConfig, config, batch, length);
        List<Integer> hs = steps != null ? steps
                : List.of(config.distributed().averagingFrequency(), 10, 100, 1000).stream().distinct().toList();
        System.out.println(header(config, parameters, step, batch, length));
        System.out.println(table(config, parameters, step, batch, length, hs));
        return 0;
    }

    /** A step on {@code device}: the batch over its ELECTRA-Base rate, scaled by FLOPs per sequence. */
    private double deviceStep(ModelConfig modelConfig, ElectraConfig config, int batch, int length) {
        // NVIDIA's rates are ELECTRA-Base's at 128 tokens: the base overlay's sizes
        ModelConfig base = Pretraining.modelConfig(ConfigLoader.load(List.of("base"), List.of()), 30522, 128);
        double ours = Flops.perStep(modelConfig, config.pretrain().objective(), 1, length, config.pretrain().maskProb());
        double theirs = Flops.perStep(base, config.pretrain().objective(), 1, 128, config.pretrain().maskProb());
        return batch * (ours / theirs) / device.baseSequencesPerSecond;
    }

    private String header(ElectraConfig config, long parameters, double step, int batch, int length) {
        return String.format(Locale.ROOT, "plan (a model, not a measurement: docs/scaling.md): P = %,d parameters, a "
                        + "worker's step %.3f s (%s) at %d × %d; optimizer %s, moments %s, payload %s, outer %s; round "
                        + "fixed cost %.2f s, serialization %.2f GB/s", parameters, step,
                stepSeconds != null ? "measured" : device.name().toLowerCase(Locale.ROOT) + ", published ceiling",
                batch, length, config.pretrain().optimizer().name().toLowerCase(Locale.ROOT),
                config.distributed().optimizerState().name().toLowerCase(Locale.ROOT),
                config.distributed().payload().name().toLowerCase(Locale.ROOT),
                config.distributed().outerOptimizer().name().toLowerCase(Locale.ROOT), fixedSeconds, serdes);
    }

    private String table(ElectraConfig config, long parameters, double step, int batch, int length,
                         List<Integer> hs) {
        StringBuilder out = new StringBuilder("| K | link | H | round | communicating | tokens/s | global batch "
                + "| H for 90% computing |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int k : workers) {
            RoundBytes bytes = Pretraining.roundBytes(config, parameters, k);
            for (double gbps : links) {
                ScalingModel m = new ScalingModel(step, batch, length, fixedSeconds, serdes * 1e9,
                        ScalingModel.gigabits(gbps));
                int h90 = m.stepsForShare(bytes, 0.1);
                for (int h : hs) {
                    ScalingModel.Round r = m.round(bytes, h);
                    out.append(String.format(Locale.ROOT, "| %d | %.0f Gbit/s | %d | %.2f s | %.1f%% | %,.0f | %d "
                            + "| %d |%n", k, gbps, h, r.seconds(), 100 * r.communicationShare(), r.tokensPerSecond(),
                            r.globalBatch(), h90));
                }
            }
        }
        return out.toString();
    }
}
