package dev.electra.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.electra.jobs.io.Failures;
import dev.electra.jobs.io.HadoopStorage;
import dev.electra.jobs.io.OutputDir;
import dev.electra.pipeline.checkpoint.Checkpoints;
import dev.electra.pipeline.checkpoint.ParameterLayout;
import dev.electra.pipeline.checkpoint.TrainingState;
import dev.electra.pipeline.config.ConfigLoader;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.config.RunInfo;
import dev.electra.pipeline.errors.JobError;
import dev.electra.pipeline.hf.HfElectra;
import dev.electra.pipeline.hf.HfElectra.Network;
import dev.electra.pipeline.hf.SafeTensors;
import dev.electra.pipeline.model.ElectraModel;
import dev.electra.pipeline.model.LossWeights;
import dev.electra.pipeline.model.ModelConfig;
import dev.electra.pipeline.model.Objective;
import dev.electra.pipeline.model.SamplingConfig;
import dev.electra.pipeline.train.PretrainResults;
import dev.electra.pipeline.train.Pretraining;
import dev.electra.tokenizer.TokenizerJson;
import dev.electra.tokenizer.TokenizerSpec;
import dev.electra.tokenizer.Vocabulary;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pretrained ELECTRA made ready for use, from either place one lives: a pretrain run (its newest verified
 * checkpoint, or a given step, with the vocabulary it was trained with) or a HuggingFace transformers directory
 * (a discriminator directory, or an export's {@code discriminator/} + {@code generator/} pair), which carries its own
 * sizes, vocabulary and tokenizer settings.
 */
final class PretrainedModels {
    private static final Logger LOG = LoggerFactory.getLogger(PretrainedModels.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String CONFIG = "config.json";
    static final String WEIGHTS = "model.safetensors";

    private PretrainedModels() {}

    /**
     * A model with its parameters set.
     *
     * @param runConfig the run's configuration (null for a transformers directory)
     * @param step      the checkpoint's step (-1 for a transformers directory)
     */
    record Loaded(ElectraModel model, TokenizerSpec tokenizer, String source, ElectraConfig runConfig, long step,
                  PretrainResults results) {}

    /** Whether {@code path} is a transformers directory (a discriminator's or an export's) rather than a run. */
    static boolean isTransformers(String path, Configuration hadoop) {
        try {
            Path p = new Path(path);
            FileSystem fs = p.getFileSystem(hadoop);
            return fs.exists(new Path(p, CONFIG)) || fs.exists(new Path(p, "discriminator/" + CONFIG));
        } catch (IOException e) {
            throw Failures.reading(e, path);
        }
    }

    /** What loading {@code path} reads, for {@link OutputDir#checkApart}: outputs may sit beside these, not on them. */
    static List<OutputDir.Input> inputs(String path, Configuration hadoop) {
        if (!isTransformers(path, hadoop)) {
            return List.of(new OutputDir.Input("--model", path + "/checkpoints"),
                    new OutputDir.Input("--model", path + "/" + RunInfo.FILE_NAME),
                    new OutputDir.Input("--model", path + "/" + RunInfo.CONFIG_FILE_NAME));
        }
        List<OutputDir.Input> inputs = new ArrayList<>();
        for (String part : List.of("discriminator", "generator", CONFIG, WEIGHTS, "vocab.txt", "tokenizer.json")) {
            inputs.add(new OutputDir.Input("--model", path + "/" + part));
        }
        return inputs;
    }

    /** A run or a transformers directory; {@code vocabPath} is required for a run and must be null otherwise. */
    static Loaded open(String path, String vocabPath, Configuration hadoop) {
        if (isTransformers(path, hadoop)) {
            if (vocabPath != null) {
                throw new JobError("--vocab is for pretrain runs; " + path + " is a transformers directory and "
                        + "carries its own vocab.txt and tokenizer.json");
            }
            return fromTransformers(path, hadoop);
        }
        if (vocabPath == null) {
            throw new JobError(path + " is a pretrain run: pass --vocab with the vocabulary it was trained with");
        }
        return fromRun(path, vocabPath, hadoop, OptionalLong.empty());
    }

    /** A pretrain run's checkpoint (the newest verified one, or {@code step}) on its vocabulary. */
    static Loaded fromRun(String run, String vocabPath, Configuration hadoop, OptionalLong step) {
        PretrainedRun pretrained = openRun(run, hadoop, step);
        Vocabulary vocabulary = Tokenizers.readVocabulary(vocabPath, hadoop);
        requireRunVocabulary(pretrained, run, vocabulary, vocabPath);
        ElectraConfig config = pretrained.config();
        ElectraModel model = Pretraining.model(config, vocabulary.size(), config.model().maxPositions());
        TrainingState state = pretrained.state();
        if (model.parameterCount() != state.params().length) {
            throw new JobError("the checkpoint of " + run + " holds " + state.params().length + " parameters, its "
                    + "configuration with a vocabulary of " + vocabulary.size() + " tokens builds "
                    + model.parameterCount() + "; is --vocab the run's vocabulary?");
        }
        state.layout().requireSame(ParameterLayout.of(model.parameters()),
                "the checkpoint of " + run + " at step " + state.step());
        model.setFlatParameters(state.params());
        TokenizerSpec tokenizer = new TokenizerSpec(vocabulary, Tokenizers.normalizerOptions(config),
                config.tokenizer().maxInputCharsPerWord());
        return new Loaded(model, tokenizer, run + " (step " + state.step() + ")", config, state.step(),
                pretrained.results());
    }

    /** What a pretrain run left: its configuration, its newest checkpoint and its vocabulary fingerprint. */
    private record PretrainedRun(ElectraConfig config, TrainingState state, PretrainResults results) {}

    /** The run's configuration and results with its newest verified checkpoint, or the one of {@code step}. */
    private static PretrainedRun openRun(String run, Configuration hadoop, OptionalLong step) {
        try {
            Path dir = new Path(run);
            FileSystem fs = dir.getFileSystem(hadoop);
            Path conf = new Path(dir, RunInfo.CONFIG_FILE_NAME);
            Path info = new Path(dir, RunInfo.FILE_NAME);
            if (!fs.exists(conf) || !fs.exists(info)) {
                throw new IllegalArgumentException(run + " is not a pretrain run: it has no "
                        + RunInfo.CONFIG_FILE_NAME + " and " + RunInfo.FILE_NAME);
            }
            java.nio.file.Path local = Files.createTempFile("electra-run-", ".conf");
            try (InputStream in = fs.open(conf)) {
                Files.write(local, in.readAllBytes());
            }
            ElectraConfig runConfig = ConfigLoader.loadRecorded(local.toString());
            Files.delete(local);
            PretrainResults results;
            try (InputStream in = fs.open(info)) {
                results = PretrainResults.read(JSON.readTree(in).path("results"));
            }
            Checkpoints checkpoints = new Checkpoints(new HadoopStorage(run + "/checkpoints", hadoop), 1);
            TrainingState state;
            if (step.isPresent()) {
                String name = Checkpoints.directoryName(step.getAsLong());
                if (!checkpoints.completeCheckpoints().contains(name)) {
                    throw new JobError(run + " has no complete checkpoint of step " + step.getAsLong() + "; it has "
                            + checkpoints.completeCheckpoints());
                }
                state = checkpoints.load(name);
            } else {
                state = checkpoints.loadLatest().orElseThrow(() -> new JobError(run + " has no complete checkpoint "
                        + "(in " + run + "/checkpoints); has its pretrain run saved one yet?"));
            }
            return new PretrainedRun(runConfig, state, results);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the pretrain run " + run + ": " + e.getMessage(), e);
        }
    }

    /** Refuses a vocabulary other than the one the run recorded in its {@code _run.json}. */
    private static void requireRunVocabulary(PretrainedRun pretrained, String run, Vocabulary vocabulary,
                                     String vocabPath) {
        String expected = pretrained.results().vocabSha256();
        if (expected != null && !expected.isEmpty() && !expected.equals(vocabulary.sha256())) {
            throw new JobError("the checkpoint in " + run + " was pretrained with another vocabulary (SHA-256 "
                    + expected + ", " + pretrained.results().vocabSize() + " tokens) than " + vocabPath
                    + " (SHA-256 " + vocabulary.sha256() + ", " + vocabulary.size() + " tokens)");
        }
    }

    /** A transformers directory's discriminator and, for an export, its generator (null without one). */
    private record Located(Path discriminator, Path generator) {
        static Located in(FileSystem fs, String dir) throws IOException {
            Path root = new Path(dir);
            if (fs.exists(new Path(root, CONFIG))) {
                return new Located(root, null);
            }
            Path disc = new Path(root, "discriminator");
            if (!fs.exists(new Path(disc, CONFIG))) {
                throw new JobError(dir + " is not a transformers ELECTRA directory: it has neither " + CONFIG
                        + " nor discriminator/" + CONFIG);
            }
            Path gen = new Path(root, "generator");
            return new Located(disc, fs.exists(new Path(gen, CONFIG)) ? gen : null);
        }

        /** The files' weights checked against {@code model}'s sizes, as a flat vector over its fresh parameters. */
        float[] weightsFor(FileSystem fs, ElectraModel model) throws IOException {
            ModelConfig config = model.config();
            SafeTensors.Contents disc = checked(fs, discriminator, config, Network.DISCRIMINATOR);
            SafeTensors.Contents gen = generator == null ? null : checked(fs, generator, config, Network.GENERATOR);
            return HfElectra.load(ParameterLayout.of(model.parameters()), model.flatParameters(), disc,
                    new Path(discriminator, WEIGHTS).toString(), gen, String.valueOf(generator == null ? null
                            : new Path(generator, WEIGHTS)));
        }

        /** A network's weights, once its config.json is found to fit them and to describe {@code config}'s model. */
        private static SafeTensors.Contents checked(FileSystem fs, Path dir, ModelConfig config, Network network)
                throws IOException {
            Path json = new Path(dir, CONFIG);
            Path weights = new Path(dir, WEIGHTS);
            JsonNode described = readJson(fs, json);
            SafeTensors.Contents contents = readWeights(fs, weights);
            HfElectra.requireConfigFitsWeights(described, contents, json.toString(), weights.toString());
            HfElectra.requireConfig(described, config, network, json.toString());
            return contents;
        }
    }

    /**
     * A transformers ELECTRA discriminator (with the export's generator when {@code DIR/generator} exists), its sizes
     * from its config.json, its tokenizer from its tokenizer.json (or vocab.txt with the BERT uncased settings).
     */
    static Loaded fromTransformers(String dir, Configuration hadoop) {
        try {
            FileSystem fs = new Path(dir).getFileSystem(hadoop);
            Located files = Located.in(fs, dir);
            TokenizerSpec tokenizer = tokenizer(fs, files.discriminator());
            Path discConfig = new Path(files.discriminator(), CONFIG);
            ModelConfig modelConfig = modelConfig(readJson(fs, discConfig),
                    files.generator() == null ? null : readJson(fs, new Path(files.generator(), CONFIG)),
                    tokenizer.vocabulary().size(), discConfig.toString());
            ElectraModel model = ElectraModel.build(modelConfig, Objective.ELECTRA, LossWeights.paper(),
                    SamplingConfig.paper(), DataType.FLOAT, 0);
            model.setFlatParameters(files.weightsFor(fs, model));
            return new Loaded(model, tokenizer, dir, null, -1, PretrainResults.read(JSON.createObjectNode()));
        } catch (IOException e) {
            throw Failures.reading(e, dir);
        }
    }

    /**
     * {@code pretrain.init-from}: a transformers ELECTRA's weights as {@code model}'s step 0, refused unless its
     * config.json describes the model's sizes and its vocab.txt is the shards' vocabulary ({@code vocabSha256}).
     */
    static float[] initialParameters(String dir, ElectraModel model, String vocabSha256, Configuration hadoop) {
        try {
            FileSystem fs = new Path(dir).getFileSystem(hadoop);
            Located files = Located.in(fs, dir);
            Vocabulary vocabulary = tokenizer(fs, files.discriminator()).vocabulary();
            if (!vocabSha256.isEmpty() && !vocabulary.sha256().equals(vocabSha256)) {
                throw new JobError("pretrain.init-from " + dir + " has another vocabulary (" + vocabulary.size()
                        + " tokens, SHA-256 " + vocabulary.sha256() + ") than the shards (SHA-256 " + vocabSha256
                        + "); prepare the corpus with the model's vocab.txt");
            }
            float[] params = files.weightsFor(fs, model);
            LOG.info("pretrain: step 0 from {} ({} and {})", dir, files.discriminator(),
                    files.generator() == null ? "a fresh generator" : files.generator());
            return params;
        } catch (IOException e) {
            throw Failures.reading(e, dir);
        }
    }

    /**
     * The sizes a transformers config describes; the generator's fraction from its hidden size and its depth from its
     * layers when there is one (a lone discriminator gets a 1/4 generator that scoring and fine-tuning never run).
     */
    private static ModelConfig modelConfig(JsonNode disc, JsonNode gen, int vocabSize, String where) {
        int hidden = integer(disc, "hidden_size", where);
        double fraction = gen == null ? 0.25 : (double) integer(gen, "hidden_size", where) / hidden;
        try {
            return new ModelConfig(vocabSize, integer(disc, "embedding_size", where), hidden,
                    integer(disc, "num_hidden_layers", where), integer(disc, "num_attention_heads", where),
                    integer(disc, "intermediate_size", where), integer(disc, "max_position_embeddings", where),
                    integer(disc, "type_vocab_size", where), dropout(disc, where), fraction,
                    disc.path("initializer_range").asDouble(0.02),
                    gen == null ? 0 : integer(gen, "num_hidden_layers", where));
        } catch (IllegalArgumentException e) {
            // ModelConfig names our settings (hidden-size, heads); the user needs the file whose values they are.
            throw new JobError(where + " describes no model this tool builds: " + e.getMessage()
                    .replace("hidden-size", "hidden_size").replace("heads", "num_attention_heads"), e);
        }
    }

    /** Fine-tuning's dropout: the config's (one rate for embeddings, attention and blocks, as this model has). */
    private static double dropout(JsonNode config, String where) {
        double hidden = config.path("hidden_dropout_prob").asDouble(0.1);
        double attention = config.path("attention_probs_dropout_prob").asDouble(hidden);
        if (attention != hidden) {
            LOG.warn("{}: attention_probs_dropout_prob {} differs from hidden_dropout_prob {}; this model has one "
                    + "dropout rate and uses {}", where, attention, hidden, hidden);
        }
        return hidden;
    }

    private static int integer(JsonNode config, String key, String where) {
        JsonNode n = config.get(key);
        if (n == null || !n.isIntegralNumber() || n.asInt() < 1) {
            throw new JobError(where + ": " + key + " is " + (n == null ? "missing" : n.toString())
                    + "; expected a positive integer");
        }
        return n.asInt();
    }

    private static TokenizerSpec tokenizer(FileSystem fs, Path dir) throws IOException {
        Path json = new Path(dir, "tokenizer.json");
        if (fs.exists(json)) {
            try (InputStream in = fs.open(json)) {
                return TokenizerJson.read(in, json.toString()).spec();
            }
        }
        Path vocab = new Path(dir, "vocab.txt");
        if (!fs.exists(vocab)) {
            throw new JobError(dir + " has neither tokenizer.json nor vocab.txt");
        }
        try (InputStream in = fs.open(vocab)) {
            return new TokenizerSpec(Vocabulary.read(in, vocab.toString()),
                    dev.electra.tokenizer.NormalizerOptions.bertUncased());
        }
    }

    private static JsonNode readJson(FileSystem fs, Path file) throws IOException {
        if (!fs.exists(file)) {
            throw new JobError(file + " does not exist");
        }
        try (InputStream in = fs.open(file)) {
            JsonNode node = JSON.readTree(in);
            if (node == null || !node.isObject()) {
                throw new JobError(file + " is not a JSON object");
            }
            return node;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new JobError(file + " is not valid JSON: " + e.getOriginalMessage());
        }
    }

    static SafeTensors.Contents readWeights(FileSystem fs, Path file) throws IOException {
        if (!fs.exists(file)) {
            throw new JobError(file + " does not exist (weights in other formats, such as pytorch_model.bin, are not "
                    + "read: convert them to safetensors)");
        }
        long length = fs.getFileStatus(file).getLen();
        if (length > Integer.MAX_VALUE - 8) {
            throw new JobError(file + " has " + length + " bytes, more than this reader holds (2 GiB)");
        }
        byte[] bytes = new byte[(int) length];
        try (var in = fs.open(file)) {
            in.readFully(0, bytes);
        }
        return SafeTensors.read(bytes, file.toString());
    }
}
