package dev.electra.bench;

import dev.electra.pipeline.checkpoint.Checkpoints;
import dev.electra.pipeline.checkpoint.LocalStorage;
import dev.electra.pipeline.checkpoint.TrainingState;
import dev.electra.pipeline.config.ConfigLoader;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.eval.EncodedTask;
import dev.electra.pipeline.eval.FineTuner;
import dev.electra.pipeline.eval.Task;
import dev.electra.pipeline.model.ElectraModel;
import dev.electra.pipeline.model.ModelConfig;
import dev.electra.pipeline.model.ParameterNames;
import dev.electra.pipeline.model.ParameterSpec;
import dev.electra.pipeline.train.Pretraining;
import dev.electra.tokenizer.BertTokenizer;
import dev.electra.tokenizer.TokenizerSpec;
import dev.electra.tokenizer.Vocabulary;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One fine-tuning run with its training curve: the diagnostic behind the evaluation's plateau marker. Fine-tunes the
 * main encoder of a local pretrain run (or, with {@code init=random}, the same architecture freshly initialised) on
 * one task and prints, per epoch, the training loss and accuracy next to the majority-label share. With
 * {@code dump=DIR} it also writes the starting parameters and the encoded task, so that
 * {@code bench/python/finetune_reference.py} can fine-tune the very same weights in PyTorch and show whether a
 * plateau belongs to the weights or to this code.
 *
 * <p>Usage: {@code bin/bench finetune run=PRETRAIN_DIR vocab=VOCAB task=TASK_DIR [epochs=8] [lr=1e-3] [batch=16]
 * [train=800] [length=64] [seed=1] [init=pretrained|random] [dump=DIR]}.
 */
public final class FineTuneBench {
    private FineTuneBench() {}

    public static void main(String[] args) throws IOException {
        Map<String, String> a = new LinkedHashMap<>(Map.of("epochs", "8", "lr", "1e-3", "batch", "16", "train", "800",
                "length", "64", "seed", "1", "init", "pretrained"));
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("expected key=value, got '" + arg + "'");
            }
            a.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        for (String required : List.of("run", "vocab", "task")) {
            if (!a.containsKey(required)) {
                throw new IllegalArgumentException("missing " + required + "=...; usage: bin/bench finetune "
                        + "run=PRETRAIN_DIR vocab=VOCAB task=TASK_DIR [epochs=] [lr=] [init=pretrained|random]");
            }
        }
        Path run = Path.of(a.get("run"));
        ElectraConfig config = ConfigLoader.load(List.of(run.resolve("_effective.conf").toString()), List.of());
        Path vocabPath = Path.of(a.get("vocab"));
        Vocabulary vocab = Vocabulary.read(Files.isDirectory(vocabPath) ? vocabPath.resolve("vocab.txt") : vocabPath);
        BertTokenizer tokenizer = BertTokenizer.of(new TokenizerSpec(vocab, config.tokenizer().normalizerOptions(),
                config.tokenizer().maxInputCharsPerWord()));
        int positions = config.model().maxPositions();
        ModelConfig modelConfig = Pretraining.modelConfig(config, vocab.size(), positions);
        ElectraModel pretrained = Pretraining.model(config, vocab.size(), positions);
        if (a.get("init").equals("pretrained")) {
            TrainingState state = new Checkpoints(new LocalStorage(run.resolve("checkpoints")), 1).loadLatest()
                    .orElseThrow(() -> new IllegalArgumentException(run + " has no complete checkpoint"));
            pretrained.setFlatParameters(state.params());
        } else if (!a.get("init").equals("random")) {
            throw new IllegalArgumentException("init must be pretrained or random, got " + a.get("init"));
        }
        int seed = Integer.parseInt(a.get("seed"));
        Task task = Task.read(Path.of(a.get("task")));
        EncodedTask encoded = EncodedTask.of(task, tokenizer, Integer.parseInt(a.get("length")),
                Integer.parseInt(a.get("train")), 500, config.seed());
        if (a.containsKey("dump")) {
            dump(Path.of(a.get("dump")), modelConfig, pretrained, encoded);
        }
        FineTuner.Settings settings = new FineTuner.Settings(Integer.parseInt(a.get("epochs")),
                Integer.parseInt(a.get("batch")), Double.parseDouble(a.get("lr")), 0.1,
                dev.electra.pipeline.train.AdamW.Settings.paper(), 1.0,
                dev.electra.pipeline.model.KernelMode.AUTO, 1.0); // one rate, as finetune_reference.py
        FineTuner.Result r = FineTuner.run(modelConfig, pretrained.objective(), pretrained.flatParameters(),
                pretrained.parameters(), encoded, settings, seed);
        System.out.printf(Locale.ROOT, "fine-tune %s from %s (%s init), %d training examples, majority share %.3f%n",
                task.name(), run, a.get("init"), r.trainExamples(), r.majorityShare());
        for (int e = 0; e < r.trainLoss().length; e++) {
            System.out.printf(Locale.ROOT, "epoch %d: train loss %.4f, train accuracy %.3f%n", e + 1,
                    r.trainLoss()[e], r.trainFit()[e]);
        }
        System.out.printf(Locale.ROOT, "dev %s %.3f, test %.3f, %d of %d labels predicted on test, %.0f s%n",
                r.metric().name().toLowerCase(Locale.ROOT), r.dev(), r.test(), r.testClassesPredicted(),
                encoded.labelCount(), r.seconds());
    }

    /**
     * model.json (sizes), params.tsv (name, shape, values: the classifier's parameters as fine-tuning starts, the
     * head drawn with the run's seed 1 initialisation is not included) and task.tsv (split, label, ids).
     */
    private static void dump(Path dir, ModelConfig c, ElectraModel model, EncodedTask task) {
        try {
            Files.createDirectories(dir);
            String encoder = model.objective().hasDiscriminator() ? ParameterNames.DISCRIMINATOR : ParameterNames.MAIN;
            Files.writeString(dir.resolve("model.json"), String.format(Locale.ROOT,
                    "{\"encoder\": \"%s\", \"hidden\": %d, \"heads\": %d, \"layers\": %d, \"embedding\": %d, "
                            + "\"labels\": %d, \"dropout\": %s, \"init_range\": %s}%n", encoder,
                    c.discriminator().hidden(), c.discriminator().heads(), c.discriminator().layers(),
                    c.embeddingSize(), task.labelCount(), c.dropout(), c.initRange()));
            float[] flat = model.flatParameters();
            try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(dir.resolve("params.tsv")))) {
                for (ParameterSpec p : model.parameters()) {
                    // the encoder's parameters: embeddings (shared and projection) and blocks, not the heads
                    if (!ParameterNames.isEmbedding(p.name()) && ParameterNames.layerOf(p.name()).isEmpty()) {
                        continue;
                    }
                    StringBuilder sb = new StringBuilder(p.name()).append('\t');
                    for (int i = 0; i < p.shape().length; i++) {
                        sb.append(i == 0 ? "" : ",").append(p.shape()[i]);
                    }
                    sb.append('\t');
                    for (long i = 0; i < p.length(); i++) {
                        sb.append(i == 0 ? "" : " ").append(flat[(int) (p.offset() + i)]);
                    }
                    w.println(sb);
                }
            }
            try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(dir.resolve("task.tsv")))) {
                for (Task.Split split : List.of(Task.Split.TRAIN, Task.Split.DEV)) {
                    int[][] x = task.ids(split);
                    int[] y = task.labels(split);
                    for (int i = 0; i < x.length; i++) {
                        StringBuilder sb = new StringBuilder(split.name()).append('\t').append(y[i]).append('\t');
                        for (int j = 0; j < x[i].length; j++) {
                            sb.append(j == 0 ? "" : " ").append(x[i][j]);
                        }
                        w.println(sb);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the dump to " + dir + ": " + e.getMessage(), e);
        }
    }
}
