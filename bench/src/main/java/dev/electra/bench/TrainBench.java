package dev.electra.bench;

import dev.electra.pipeline.config.ConfigLoader;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.model.ElectraModel;
import dev.electra.pipeline.packing.PackedExample;
import dev.electra.pipeline.train.Pretraining;
import dev.electra.pipeline.train.StepMetrics;
import dev.electra.pipeline.train.Trainer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Training throughput of the Java model on synthetic full-length batches, the same shapes as
 * {@code bench/python/electra_reference.py}, and model FLOPs utilisation against ND4J's measured GEMM peak.
 * Usage: {@code bin/bench train tiny|small [STEPS] [BATCH] [KERNELS] [VOCAB]} (KERNELS: model.kernels, default
 * auto; VOCAB: the vocabulary size, default the size's: 8,000 for tiny, BERT's 30,522 for small).
 */
public final class TrainBench {
    private TrainBench() {}

    public static void main(String[] args) {
        String size = args.length > 0 ? args[0] : "tiny";
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        String kernels = args.length > 3 ? args[3] : "auto";
        int vocab = args.length > 4 ? Integer.parseInt(args[4]) : size.equals("tiny") ? 8000 : 30522;
        int length = 128;
        ElectraConfig config = ConfigLoader.load(List.of(size), List.of("pretrain.batch-size=" + batch,
                "pretrain.warmup-steps=0", "pretrain.steps=100000", "model.kernels=" + kernels));
        ElectraModel model = Pretraining.model(config, vocab, length);
        Trainer trainer = Pretraining.trainer(config, model, new Pretraining.SpecialIds(0, 2, 3, 4));
        List<PackedExample> examples = examples(batch, length, vocab);
        double peak = gemmPeak();
        int warmup = 2;
        double seconds = 0;
        long tokens = 0;
        for (int s = 0; s < warmup + steps; s++) {
            StepMetrics m = trainer.step(examples, s, 0);
            if (s >= warmup) {
                seconds += m.seconds();
                tokens += m.tokens();
            }
        }
        double flopsPerToken = trainingFlopsPerToken(config, vocab, length);
        double tokensPerSecond = tokens / seconds;
        double achieved = tokensPerSecond * flopsPerToken / 1e9;
        System.out.printf("java size=%s batch=%dx%d params=%d threads=%s kernels=%s: %.0f tokens/s (%d steps, %.3f "
                + "s/step)%n", size, batch, length, model.parameterCount(), System.getenv("OMP_NUM_THREADS"),
                model.kernels().configName(), tokensPerSecond, steps, seconds / steps);
        System.out.printf("model FLOPs: %.2f MFLOP/token -> %.2f GFLOP/s achieved; ND4J fp32 GEMM peak %.1f GFLOP/s; MFU %.1f%%%n",
                flopsPerToken / 1e6, achieved, peak, 100 * achieved / peak);
    }

    /**
     * {@code batch} full-length synthetic examples of two segments, ids uniform over the vocabulary but the specials
     * ([CLS] = 2 first, [SEP] = 3 closing each segment), from a fixed seed.
     */
    static List<PackedExample> examples(int batch, int length, int vocab) {
        SplittableRandom random = new SplittableRandom(1);
        List<PackedExample> examples = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            int[] ids = new int[length];
            byte[] seg = new byte[length];
            for (int t = 0; t < length; t++) {
                ids[t] = 5 + random.nextInt(vocab - 5);
                seg[t] = (byte) (t >= length / 2 ? 1 : 0);
            }
            ids[0] = 2;
            ids[length / 2 - 1] = 3;
            ids[length - 1] = 3;
            examples.add(new PackedExample(ids, seg));
        }
        return examples;
    }

    /**
     * Best of several 1024^3 fp32 matrix products through {@code Nd4j.gemm} into a preallocated array, the call the
     * model's dense layers make: the peak its GEMMs could reach here. ({@code INDArray.mmuli} reached only about
     * two thirds of it on this machine, which made earlier MFU figures look better than they were.)
     */
    static double gemmPeak() {
        INDArray a = Nd4j.rand(DataType.FLOAT, 1024, 1024);
        INDArray b = Nd4j.rand(DataType.FLOAT, 1024, 1024);
        INDArray c = Nd4j.create(DataType.FLOAT, 1024, 1024);
        double best = 0;
        for (int i = 0; i < 20; i++) {
            long start = System.nanoTime();
            Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
            double s = (System.nanoTime() - start) / 1e9;
            best = Math.max(best, 2.0 * 1024 * 1024 * 1024 / s / 1e9);
        }
        return best;
    }

    /**
     * Training FLOPs per token (forward + backward = 3 × forward, 2 FLOPs per multiply-add) of both networks:
     * the dense layers (QKV, output, FFN, projection), attention scores and mixing, and the generator's tied output
     * layer at the chosen positions (15% of tokens); embeddings and element-wise work not counted.
     */
    static double trainingFlopsPerToken(ElectraConfig config, int vocab, int length) {
        ElectraConfig.ModelSizeConfig m = config.model();
        double total = 0;
        for (double fraction : new double[] {1.0, m.generatorFraction()}) {
            double h = m.hiddenSize() * fraction;
            double f = m.ffnSize() * fraction;
            double perLayer = 4 * h * h + 2 * h * f + 2 * length * h;  // multiply-adds per token
            double encoder = m.layers() * perLayer + (m.embeddingSize() != m.hiddenSize() ? m.embeddingSize() * h : 0);
            double head = fraction == 1.0 ? h * h + h : h * m.embeddingSize() + 0.155 * m.embeddingSize() * vocab;
            total += encoder + head;
        }
        return 6 * total;
    }
}
