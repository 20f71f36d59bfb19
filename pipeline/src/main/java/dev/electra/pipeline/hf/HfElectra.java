package dev.electra.pipeline.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.electra.pipeline.checkpoint.ParameterLayout;
import dev.electra.pipeline.errors.JobError;
import dev.electra.pipeline.hf.SafeTensors.Tensor;
import dev.electra.pipeline.model.ModelConfig;
import dev.electra.pipeline.model.ModelConfig.EncoderSize;
import dev.electra.pipeline.model.ParameterNames;
import dev.electra.tokenizer.NormalizerOptions;
import dev.electra.tokenizer.SpecialTokens;
import dev.electra.tokenizer.TokenizerJson;
import dev.electra.tokenizer.TokenizerSpec;
import dev.electra.tokenizer.Vocabulary;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Our ELECTRA as HuggingFace transformers names it ({@code modeling_electra.py}): which of our parameters is which
 * tensor of {@code ElectraForPreTraining} (the discriminator) and {@code ElectraForMaskedLM} (the generator), the
 * {@code config.json} that describes what the model computes, and the tokenizer files beside them. Both directions
 * go through one name map, so what export writes, import reads.
 *
 * <p>Our dense kernels are [in, out] (x·W); torch's Linear weights are [out, in], so kernels are transposed both
 * ways. The shared embeddings and their LayerNorm are written into both directories, as transformers has no notion
 * of sharing across models.
 */
public final class HfElectra {
    private static final Logger LOG = LoggerFactory.getLogger(HfElectra.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** Our GELU is the tanh approximation, which transformers calls gelu_new. */
    public static final String HIDDEN_ACT = "gelu_new";
    /**
     * Activations that compute our tanh-form GELU; "gelu" (erf) is read with a warning: Google's published ELECTRA
     * checkpoints were trained with the tanh form and converted with "gelu" in their config.
     */
    private static final Set<String> TANH_GELU = Set.of("gelu_new", "gelu_pytorch_tanh", "gelu_fast");
    private static final String ERF_GELU = "gelu";
    /** ε of our LayerNorm ((x − mean) / (std + ε); transformers computes / √(var + ε), equal to float precision). */
    public static final double LAYER_NORM_EPS = ModelConfig.LAYER_NORM_EPSILON;
    /** The generator's output weight: tied to the word embeddings, written for loaders that do not tie. */
    static final String LM_HEAD_WEIGHT = "generator_lm_head.weight";
    private static final String WORD_EMBEDDINGS = "electra.embeddings.word_embeddings.weight";
    /** A non-persistent buffer that files converted from older transformers versions still carry; not a weight. */
    private static final String POSITION_IDS = "electra.embeddings.position_ids";
    private static final Pattern LAYER = Pattern.compile("layer_(\\d+)/(.+)");
    /** transformers' modules of the heads' layers. */
    private static final Map<String, String> HEADS = Map.of(
            ParameterNames.in(ParameterNames.DISCRIMINATOR_HEAD, ParameterNames.TRANSFORM),
            "discriminator_predictions.dense",
            ParameterNames.in(ParameterNames.DISCRIMINATOR_HEAD, ParameterNames.OUTPUT),
            "discriminator_predictions.dense_prediction",
            ParameterNames.in(ParameterNames.mlmHead(ParameterNames.GENERATOR), ParameterNames.TRANSFORM),
            "generator_predictions.dense",
            ParameterNames.in(ParameterNames.mlmHead(ParameterNames.GENERATOR), ParameterNames.LN),
            "generator_predictions.LayerNorm",
            ParameterNames.mlmHead(ParameterNames.GENERATOR), "generator_lm_head");

    private HfElectra() {}

    /** The two models a pretraining run exports. */
    public enum Network {
        DISCRIMINATOR("discriminator", "ElectraForPreTraining"),
        GENERATOR("generator", "ElectraForMaskedLM");

        /** Our parameters' name prefix and the export's sub-directory. */
        public final String prefix;
        /** transformers' model class. */
        public final String architecture;

        Network(String prefix, String architecture) {
            this.prefix = prefix;
            this.architecture = architecture;
        }

        /** The sizes of this network's encoder. */
        public EncoderSize size(ModelConfig config) {
            return this == DISCRIMINATOR ? config.discriminator() : config.generator();
        }
    }

    /** Where one of our parameters goes in a transformers file, and whether it is a kernel to transpose. */
    record Mapping(String name, boolean transpose) {}

    /** transformers' name of our parameter {@code ours} in {@code network}'s file; null when it is not part of it. */
    static Mapping map(String ours, Network network) {
        if (ours.startsWith(ParameterNames.SHARED + "/")) {
            return switch (ours) {
                case ParameterNames.WORD_EMBEDDINGS -> new Mapping(WORD_EMBEDDINGS, false);
                case ParameterNames.POSITION_EMBEDDINGS ->
                        new Mapping("electra.embeddings.position_embeddings.weight", false);
                case ParameterNames.SEGMENT_EMBEDDINGS ->
                        new Mapping("electra.embeddings.token_type_embeddings.weight", false);
                default -> {
                    if (ours.equals(ParameterNames.gain(ParameterNames.EMBEDDINGS_LN))) {
                        yield new Mapping("electra.embeddings.LayerNorm.weight", false);
                    }
                    if (ours.equals(ParameterNames.bias(ParameterNames.EMBEDDINGS_LN))) {
                        yield new Mapping("electra.embeddings.LayerNorm.bias", false);
                    }
                    throw unknown(ours);
                }
            };
        }
        if (!ours.startsWith(network.prefix + "/")) {
            return null;
        }
        String rest = ours.substring(network.prefix.length() + 1);
        int slash = rest.lastIndexOf('/');
        String module = rest.substring(0, slash);
        String leaf = rest.substring(slash + 1);
        String hfModule;
        Matcher layer = LAYER.matcher(module);
        if (ParameterNames.embeddingsProject(network.prefix).equals(network.prefix + "/" + module)) {
            hfModule = "electra.embeddings_project";
        } else if (layer.matches()) {
            String block = "electra.encoder.layer." + layer.group(1) + ".";
            hfModule = block + switch (layer.group(2)) {
                case ParameterNames.QUERY -> "attention.self.query";
                case ParameterNames.KEY -> "attention.self.key";
                case ParameterNames.VALUE -> "attention.self.value";
                case ParameterNames.ATTENTION_OUTPUT -> "attention.output.dense";
                case ParameterNames.ATTENTION_LN -> "attention.output.LayerNorm";
                case ParameterNames.FFN_INTERMEDIATE -> "intermediate.dense";
                case ParameterNames.FFN_OUTPUT -> "output.dense";
                case ParameterNames.FFN_LN -> "output.LayerNorm";
                default -> throw unknown(ours);
            };
        } else {
            hfModule = HEADS.get(network.prefix + "/" + module);
            if (hfModule == null) {
                throw unknown(ours);
            }
        }
        return switch (leaf) {
            case "kernel" -> new Mapping(hfModule + ".weight", true);
            case "gain" -> new Mapping(hfModule + ".weight", false);
            case "bias", "output_bias" -> new Mapping(hfModule + ".bias", false);
            default -> throw unknown(ours);
        };
    }

    private static IllegalStateException unknown(String ours) {
        return new IllegalStateException("parameter " + ours + " has no transformers name");
    }

    /**
     * {@code network}'s tensors, named and shaped as transformers has them, in our layout's order (the generator's
     * tied output weight last).
     */
    public static Map<String, Tensor> tensors(ParameterLayout layout, float[] params, Network network) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (ParameterLayout.Tensor t : layout.tensors()) {
            Mapping m = map(t.name(), network);
            if (m == null) {
                continue;
            }
            float[] values = Arrays.copyOfRange(params, Math.toIntExact(t.offset()),
                    Math.toIntExact(t.offset() + t.length()));
            long[] shape = t.shape();
            out.put(m.name, m.transpose ? transpose(values, shape) : new Tensor(shape, values));
        }
        if (network == Network.GENERATOR) {
            out.put(LM_HEAD_WEIGHT, out.get(WORD_EMBEDDINGS));
        }
        return out;
    }

    /** [R, C] row-major → [C, R]. */
    static Tensor transpose(float[] values, long[] shape) {
        if (shape.length != 2) {
            throw new IllegalStateException("a kernel of shape " + Arrays.toString(shape));
        }
        int rows = (int) shape[0];
        int cols = (int) shape[1];
        float[] t = new float[values.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = values[r * cols + c];
            }
        }
        return new Tensor(new long[] {cols, rows}, t);
    }

    /** {@code network}'s {@code model.safetensors}. */
    public static byte[] safetensors(ParameterLayout layout, float[] params, Network network) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            SafeTensors.write(tensors(layout, params, network), Map.of("format", "pt"), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** {@code network}'s {@code config.json}: the architecture and every setting that decides what it computes. */
    public static ObjectNode config(ModelConfig model, Network network, int padTokenId) {
        EncoderSize size = network.size(model);
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add(network.architecture);
        c.put("model_type", "electra");
        c.put("vocab_size", model.vocabSize());
        c.put("embedding_size", model.embeddingSize());
        c.put("hidden_size", size.hidden());
        c.put("num_hidden_layers", size.layers());
        c.put("num_attention_heads", size.heads());
        c.put("intermediate_size", size.ffn());
        c.put("hidden_act", HIDDEN_ACT);
        c.put("hidden_dropout_prob", model.dropout());
        c.put("attention_probs_dropout_prob", model.dropout());
        c.put("max_position_embeddings", model.maxPositions());
        c.put("type_vocab_size", model.typeVocabSize());
        c.put("initializer_range", model.initRange());
        c.put("layer_norm_eps", LAYER_NORM_EPS);
        c.put("pad_token_id", padTokenId);
        c.put("position_embedding_type", "absolute");
        c.put("summary_type", "first");
        c.put("summary_use_proj", true);
        c.put("summary_activation", "gelu");
        c.put("summary_last_dropout", 0.1);
        c.put("classifier_dropout", (Double) null);
        c.put("use_cache", true);
        c.put("tie_word_embeddings", true);
        c.put("dtype", "float32");
        return c;
    }

    public static byte[] json(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The tokenizer files transformers reads beside a model: {@code vocab.txt}, {@code tokenizer.json} (our
     * normalizer and WordPiece settings, which the fast tokenizer applies), {@code tokenizer_config.json} and
     * {@code special_tokens_map.json}.
     */
    public static Map<String, byte[]> tokenizerFiles(Vocabulary vocabulary, NormalizerOptions normalizer,
                                                     int maxInputCharsPerWord, int modelMaxLength) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            vocabulary.write(out);
            files.put("vocab.txt", out.toByteArray());
            out = new ByteArrayOutputStream();
            TokenizerJson.write(new TokenizerSpec(vocabulary, normalizer, maxInputCharsPerWord), out);
            files.put("tokenizer.json", out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ObjectNode special = JSON.createObjectNode();
        special.put("unk_token", SpecialTokens.UNK);
        special.put("sep_token", SpecialTokens.SEP);
        special.put("pad_token", SpecialTokens.PAD);
        special.put("cls_token", SpecialTokens.CLS);
        special.put("mask_token", SpecialTokens.MASK);
        ObjectNode config = special.deepCopy();
        config.put("tokenizer_class", "ElectraTokenizer");
        config.put("do_lower_case", normalizer.lowercase());
        config.put("strip_accents", normalizer.stripAccents());
        config.put("tokenize_chinese_chars", normalizer.handleChineseChars());
        config.put("model_max_length", modelMaxLength);
        config.put("clean_up_tokenization_spaces", true);
        files.put("tokenizer_config.json", json(config));
        files.put("special_tokens_map.json", json(special));
        return files;
    }

    /**
     * Refuses a transformers {@code config.json} whose model is not the one {@code expected} builds, naming the key,
     * both values and our setting to change.
     *
     * @param where the file, for messages
     */
    public static void requireConfig(JsonNode config, ModelConfig expected, Network network, String where) {
        EncoderSize size = network.size(expected);
        String sizeHint = network == Network.GENERATOR ? " (model.generator-fraction scales the generator)" : "";
        expect(config, "model_type", "electra", where, "an ELECTRA model");
        expectInt(config, "vocab_size", expected.vocabSize(), where, "the vocabulary's size");
        expectInt(config, "embedding_size", expected.embeddingSize(), where, "model.embedding-size");
        expectInt(config, "hidden_size", size.hidden(), where, "model.hidden-size" + sizeHint);
        expectInt(config, "num_hidden_layers", size.layers(), where,
                network == Network.GENERATOR ? "model.generator-layers (0: model.layers)" : "model.layers");
        expectInt(config, "num_attention_heads", size.heads(), where, "model.heads" + sizeHint);
        expectInt(config, "intermediate_size", size.ffn(), where, "model.ffn-size" + sizeHint);
        expectInt(config, "max_position_embeddings", expected.maxPositions(), where, "model.max-positions");
        expectInt(config, "type_vocab_size", expected.typeVocabSize(), where, "two segments");
        if (config.has("position_embedding_type")) {
            expect(config, "position_embedding_type", "absolute", where, "absolute position embeddings");
        }
        double eps = config.path("layer_norm_eps").asDouble(LAYER_NORM_EPS);
        if (eps != LAYER_NORM_EPS) {
            throw new JobError(where + ": layer_norm_eps is " + eps + " but this model's LayerNorm uses "
                    + LAYER_NORM_EPS);
        }
        String act = config.path("hidden_act").asText("");
        if (act.equals(ERF_GELU)) {
            LOG.warn("{}: hidden_act is \"gelu\" (the erf form); this model computes the tanh form (\"gelu_new\", "
                    + "which Google's ELECTRA was trained with); activations differ by less than 1e-3", where);
        } else if (!TANH_GELU.contains(act)) {
            throw new JobError(where + ": hidden_act is \"" + act + "\" but this model computes GELU's tanh form "
                    + "(expected one of " + TANH_GELU + ", or \"gelu\")");
        }
    }

    /**
     * Refuses a {@code config.json} whose sizes are not those of the weights beside it (an edited config.json, or
     * files of two models): each size is read off the tensor that has it, so the message names both files, the key,
     * both numbers and the tensor, instead of failing later on a tensor the edited size makes "missing".
     */
    public static void requireConfigFitsWeights(JsonNode config, SafeTensors.Contents weights, String configWhere,
                                                String weightsWhere) {
        Map<String, SafeTensors.Tensor> t = weights.tensors();
        int layers = 0;
        while (t.containsKey("electra.encoder.layer." + layers + ".output.LayerNorm.weight")) {
            layers++;
        }
        String block = "electra.encoder.layer.0.";
        Object[][] sizes = {
            {"embedding_size", "electra.embeddings.LayerNorm.weight", 0},
            {"max_position_embeddings", "electra.embeddings.position_embeddings.weight", 0},
            {"type_vocab_size", "electra.embeddings.token_type_embeddings.weight", 0},
            {"hidden_size", block + "output.LayerNorm.weight", 0},
            {"intermediate_size", block + "intermediate.dense.weight", 0},
        };
        for (Object[] s : sizes) {
            SafeTensors.Tensor tensor = t.get((String) s[1]);
            JsonNode n = config.get((String) s[0]);
            if (tensor == null || n == null || !n.isIntegralNumber()) {
                continue;
            }
            long actual = tensor.shape()[(Integer) s[2]];
            if (n.asLong() != actual) {
                throw mismatch(configWhere, weightsWhere, (String) s[0], n.asLong(), actual,
                        s[1] + " has shape " + java.util.Arrays.toString(tensor.shape()));
            }
        }
        JsonNode declared = config.get("num_hidden_layers");
        if (layers > 0 && declared != null && declared.isIntegralNumber() && declared.asInt() != layers) {
            throw mismatch(configWhere, weightsWhere, "num_hidden_layers", declared.asLong(), layers,
                    "it holds electra.encoder.layer.0 to " + (layers - 1));
        }
    }

    private static JobError mismatch(String configWhere, String weightsWhere, String key, long declared, long actual,
                                     String evidence) {
        return new JobError(configWhere + ": " + key + " is " + declared + " but the weights beside it, "
                + weightsWhere + ", have " + actual + " (" + evidence + "); the two files do not belong together. "
                + "Restore config.json, or export the model again");
    }

    private static void expect(JsonNode config, String key, String value, String where, String meaning) {
        String actual = config.path(key).asText(null);
        if (!value.equals(actual)) {
            throw new JobError(where + ": " + key + " is " + (actual == null ? "missing" : "\"" + actual + "\"")
                    + " but this model needs \"" + value + "\" (" + meaning + ")");
        }
    }

    private static void expectInt(JsonNode config, String key, int value, String where, String setting) {
        JsonNode n = config.get(key);
        if (n == null || !n.isIntegralNumber() || n.asInt() != value) {
            throw new JobError(where + ": " + key + " is " + (n == null ? "missing" : n.toString()) + " but this "
                    + "model has " + value + " (" + setting + "); set the configuration to match the model");
        }
    }

    /**
     * Our flat parameter vector with every tensor that the given files hold: {@code discriminator} always,
     * {@code generator} when not null (otherwise the generator keeps {@code fresh}'s values). A tensor that is
     * missing, has another shape, or that the model does not have is refused by name.
     *
     * @param fresh the model's initial parameters, for what the files do not set
     */
    public static float[] load(ParameterLayout layout, float[] fresh, SafeTensors.Contents discriminator,
                               String discriminatorWhere, SafeTensors.Contents generator, String generatorWhere) {
        float[] params = fresh.clone();
        fill(layout, params, discriminator, Network.DISCRIMINATOR, discriminatorWhere, false);
        if (generator != null) {
            fill(layout, params, generator, Network.GENERATOR, generatorWhere, true);
        }
        return params;
    }

    private static void fill(ParameterLayout layout, float[] params, SafeTensors.Contents file, Network network,
                             String where, boolean sharedAlreadySet) {
        Map<String, Tensor> tensors = new LinkedHashMap<>(file.tensors());
        tensors.remove(POSITION_IDS);
        Tensor lmHead = tensors.remove(LM_HEAD_WEIGHT);
        for (ParameterLayout.Tensor t : layout.tensors()) {
            Mapping m = map(t.name(), network);
            if (m == null) {
                continue;
            }
            Tensor found = tensors.remove(m.name);
            if (found == null) {
                throw new JobError(where + " has no tensor " + m.name + " (our " + t.name() + ", shape "
                        + Arrays.toString(hfShape(t.shape(), m.transpose)) + "); is it an " + network.architecture
                        + " checkpoint?");
            }
            long[] want = hfShape(t.shape(), m.transpose);
            if (!Arrays.equals(found.shape(), want)) {
                throw new JobError(where + ": tensor " + m.name + " has shape " + Arrays.toString(found.shape())
                        + " but this model's is " + Arrays.toString(want));
            }
            float[] values = m.transpose ? transpose(found.values(), found.shape()).values() : found.values();
            int offset = Math.toIntExact(t.offset());
            if (sharedAlreadySet && t.name().startsWith("shared/")) {
                float diff = maxDifference(params, offset, values);
                if (diff > 0) {
                    LOG.warn("{}: {} differs from the discriminator's by up to {}; the discriminator's is used (the "
                            + "two networks share it)", where, m.name, diff);
                }
                continue;
            }
            System.arraycopy(values, 0, params, offset, values.length);
        }
        if (!tensors.isEmpty()) {
            throw new JobError(where + " has tensors this model does not have: " + List.copyOf(tensors.keySet())
                    .subList(0, Math.min(5, tensors.size())) + (tensors.size() > 5 ? " and " + (tensors.size() - 5)
                    + " more" : "") + "; is it an " + network.architecture + " checkpoint of the configured size?");
        }
        if (lmHead != null) {
            int offset = Math.toIntExact(wordEmbeddingsOffset(layout));
            if (maxDifference(params, offset, lmHead.values()) > 0) {
                LOG.warn("{}: {} is not the word embeddings; this model ties them and uses the embeddings", where,
                        LM_HEAD_WEIGHT);
            }
        }
    }

    private static long wordEmbeddingsOffset(ParameterLayout layout) {
        for (ParameterLayout.Tensor t : layout.tensors()) {
            if (t.name().equals("shared/word_embeddings")) {
                return t.offset();
            }
        }
        throw new IllegalStateException("no word embeddings in the layout");
    }

    private static float maxDifference(float[] params, int offset, float[] values) {
        if (values.length > params.length - offset) {
            return Float.POSITIVE_INFINITY;
        }
        float max = 0;
        for (int i = 0; i < values.length; i++) {
            max = Math.max(max, Math.abs(params[offset + i] - values[i]));
        }
        return max;
    }

    private static long[] hfShape(long[] shape, boolean transpose) {
        return transpose ? new long[] {shape[1], shape[0]} : shape;
    }
}
