package dev.electra.pipeline.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import dev.electra.pipeline.distributed.OuterOptimizer;
import dev.electra.pipeline.distributed.PayloadPrecision;
import dev.electra.pipeline.model.KernelMode;
import dev.electra.pipeline.model.Objective;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Loads {@code reference.conf}, then each {@code --conf} overlay in order, then each {@code --set key=value},
 * and turns the result into an {@link ElectraConfig}. Every key an overlay or a {@code --set} names must exist
 * in reference.conf; a misspelt key fails and names the nearest valid one.
 */
public final class ConfigLoader {
    /** Keys below this prefix are free-form Spark properties, not checked against reference.conf. */
    private static final String FREE_FORM_PREFIX = "spark.properties.";

    private ConfigLoader() {}

    /** reference.conf alone. */
    public static ElectraConfig defaults() {
        return load(List.of(), List.of());
    }

    /**
     * @param overlays files, or names of the bundled overlays ({@code tiny}, {@code small}, {@code base},
     *                 {@code local}, {@code standalone}, {@code yarn}); later ones win
     * @param sets     {@code key=value} pairs, applied last, later ones win
     */
    public static ElectraConfig load(List<String> overlays, List<String> sets) {
        return load(overlays, sets, false);
    }

    /**
     * Keys earlier versions had, with what replaced them: an error in a configuration a user writes; dropped from a
     * run's recorded configuration ({@link #loadRecorded}), whose model they never shaped.
     */
    static final Map<String, String> RETIRED = Map.of("pretrain.held-out-share", "held-out examples are now "
            + "pretrain.eval-batches × pretrain.batch-size examples chosen by a seeded hash, not whole shards");

    /**
     * A run's own recorded configuration (its {@code _effective.conf} or a checkpoint's): as {@link #load} of that
     * one file, except that keys this version retired ({@link #RETIRED}) are dropped, so runs of earlier versions
     * can still be evaluated, scored and exported.
     */
    public static ElectraConfig loadRecorded(String file) {
        return load(List.of(file), List.of(), true);
    }

    private static ElectraConfig load(List<String> overlays, List<String> sets, boolean dropRetired) {
        Config reference = bundled("reference");
        TreeSet<String> validKeys = new TreeSet<>();
        reference.entrySet().forEach(e -> validKeys.add(e.getKey()));
        Config merged = reference;
        for (String overlay : overlays) {
            Config layer = overlay(overlay);
            if (dropRetired) {
                for (String key : RETIRED.keySet()) {
                    layer = layer.withoutPath(key);
                }
            }
            checkKeys(layer, validKeys, "in " + overlay);
            merged = layer.withFallback(merged);
        }
        for (String set : sets) {
            Config layer = parseSet(set);
            checkKeys(layer, validKeys, "in --set " + set);
            merged = layer.withFallback(merged);
        }
        Config resolved = merged.resolve();
        try {
            return toRecord(resolved);
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException(e.getMessage(), e);
        }
    }

    private static ElectraConfig toRecord(Config c) {
        Map<String, String> sparkProps = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigValue> e : c.getConfig("spark.properties").entrySet()) {
            String key = String.join(".", ConfigUtil.splitPath(e.getKey()));
            sparkProps.put(key, String.valueOf(e.getValue().unwrapped()));
        }
        String rendered = c.root().render(ConfigRenderOptions.defaults().setOriginComments(false).setComments(false).setJson(false));
        return new ElectraConfig(
                wholeLong(c, "seed"),
                new ElectraConfig.SparkConfig(c.getString("spark.master"), c.getString("spark.log-level"), sparkProps),
                new ElectraConfig.DataConfig(c.getString("data.dir")),
                new ElectraConfig.TokenizerConfig(
                        c.getBoolean("tokenizer.clean-text"),
                        c.getBoolean("tokenizer.handle-chinese-chars"),
                        c.getBoolean("tokenizer.strip-accents"),
                        c.getBoolean("tokenizer.lowercase"),
                        whole(c, "tokenizer.max-input-chars-per-word")),
                new ElectraConfig.VocabConfig(
                        whole(c, "vocab.size"), wholeLong(c, "vocab.min-frequency"), whole(c, "vocab.limit-alphabet")),
                new ElectraConfig.InputConfig(
                        inputFormat(c.getString("input.format")),
                        c.getString("input.text-field"),
                        whole(c, "input.max-line-chars")),
                new ElectraConfig.PrepareConfig(
                        whole(c, "prepare.max-seq-length"),
                        whole(c, "prepare.num-shards"),
                        c.getDouble("prepare.single-segment-prob"),
                        c.getDouble("prepare.random-length-prob")),
                new ElectraConfig.ModelSizeConfig(
                        whole(c, "model.embedding-size"),
                        whole(c, "model.hidden-size"),
                        whole(c, "model.layers"),
                        whole(c, "model.heads"),
                        whole(c, "model.ffn-size"),
                        c.getDouble("model.generator-fraction"),
                        whole(c, "model.generator-layers"),
                        c.getDouble("model.dropout"),
                        whole(c, "model.max-positions"),
                        c.getDouble("model.init-range"),
                        choice(KernelMode.class, "model.kernels", c.getString("model.kernels"))),
                new ElectraConfig.PretrainConfig(
                        objective(c.getString("pretrain.objective")),
                        c.getDouble("pretrain.mask-prob"),
                        c.getDouble("pretrain.gen-weight"),
                        c.getDouble("pretrain.disc-weight"),
                        c.getDouble("pretrain.temperature"),
                        c.getBoolean("pretrain.disallow-correct"),
                        whole(c, "pretrain.batch-size"),
                        whole(c, "pretrain.accumulation-steps"),
                        c.getDouble("pretrain.learning-rate"),
                        wholeLong(c, "pretrain.warmup-steps"),
                        wholeLong(c, "pretrain.steps"),
                        c.getDouble("pretrain.weight-decay"),
                        c.getDouble("pretrain.adam-beta1"),
                        c.getDouble("pretrain.adam-beta2"),
                        c.getDouble("pretrain.adam-epsilon"),
                        c.getDouble("pretrain.clip-norm"),
                        whole(c, "pretrain.log-every"),
                        whole(c, "pretrain.checkpoint-every"),
                        whole(c, "pretrain.keep-checkpoints"),
                        whole(c, "pretrain.eval-batches"),
                        choice(ElectraConfig.OptimizerKind.class, "pretrain.optimizer", c.getString("pretrain.optimizer")),
                        c.getStringList(ResumeCheck.MAY_CHANGE),
                        c.getString("pretrain.init-from")),
                new ElectraConfig.DistributedConfig(
                        whole(c, "distributed.workers"),
                        whole(c, "distributed.averaging-frequency"),
                        choice(ElectraConfig.OptimizerState.class, "distributed.optimizer-state",
                                c.getString("distributed.optimizer-state")),
                        whole(c, "distributed.optimizer-state-every"),
                        choice(OuterOptimizer.Kind.class, "distributed.outer-optimizer",
                                c.getString("distributed.outer-optimizer")),
                        c.getDouble("distributed.outer-learning-rate"),
                        c.getDouble("distributed.outer-momentum"),
                        choice(PayloadPrecision.class, "distributed.payload", c.getString("distributed.payload")),
                        whole(c, "distributed.gpus-per-worker")),
                new ElectraConfig.EvaluateConfig(
                        c.getStringList("evaluate.tasks"),
                        whole(c, "evaluate.seeds"),
                        whole(c, "evaluate.epochs"),
                        whole(c, "evaluate.batch-size"),
                        numberOrList(c, "evaluate.learning-rate"),
                        c.getDouble("evaluate.warmup-share"),
                        c.getDouble("evaluate.weight-decay"),
                        c.getDouble("evaluate.adam-beta1"),
                        c.getDouble("evaluate.adam-beta2"),
                        c.getDouble("evaluate.adam-epsilon"),
                        whole(c, "evaluate.max-seq-length"),
                        whole(c, "evaluate.max-train-examples"),
                        whole(c, "evaluate.max-eval-examples"),
                        c.getDouble("evaluate.layerwise-lr-decay"),
                        choice(ElectraConfig.EvaluateMode.class, "evaluate.mode", c.getString("evaluate.mode")),
                        c.getDoubleList("evaluate.probe-l2"),
                        c.getDouble("evaluate.clip-norm"),
                        c.getStringList("evaluate.fine-tune-tasks")),
                rendered);
    }

    /** A key that holds one number or a list of numbers. */
    private static List<Double> numberOrList(Config c, String key) {
        return c.getValue(key).valueType() == com.typesafe.config.ConfigValueType.LIST ? c.getDoubleList(key)
                : List.of(c.getDouble(key));
    }

    /** An integer key: a fraction (steps = 5.7) is an error, not silently truncated as Typesafe Config would. */
    private static int whole(Config c, String key) {
        long v = wholeLong(c, key);
        if (v != (int) v) {
            throw new ConfigException(key + " must be a whole number below 2^31, got " + v);
        }
        return (int) v;
    }

    private static long wholeLong(Config c, String key) {
        Object raw = c.getValue(key).unwrapped();
        if (raw instanceof Integer || raw instanceof Long) {
            return ((Number) raw).longValue();
        }
        if (raw instanceof Double d && d == Math.rint(d) && Math.abs(d) < 9.0e15) {
            return d.longValue();
        }
        if (raw instanceof String s) {
            try {
                return Long.parseLong(s.strip());
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw new ConfigException(key + " must be a whole number, got '" + raw + "' (" + c.getValue(key).origin()
                .description() + ")");
    }

    private static Objective objective(String value) {
        try {
            return Objective.parse(value);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("pretrain.objective: " + e.getMessage(), e);
        }
    }

    private static <E extends Enum<E>> E choice(Class<E> type, String key, String value) {
        for (E e : type.getEnumConstants()) {
            if (e.name().replace('_', '-').equalsIgnoreCase(value)) {
                return e;
            }
        }
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(e.name().replace('_', '-').toLowerCase(Locale.ROOT));
        }
        throw new ConfigException(key + " must be one of " + String.join(", ", names) + "; got '" + value + "'");
    }

    private static ElectraConfig.InputFormat inputFormat(String value) {
        try {
            return ElectraConfig.InputFormat.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("input.format must be one of auto, text, jsonl, parquet; got '" + value + "'");
        }
    }

    private static Config overlay(String nameOrPath) {
        Path path = Path.of(nameOrPath);
        if (Files.isRegularFile(path)) {
            try {
                return ConfigFactory.parseFile(path.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
            } catch (com.typesafe.config.ConfigException e) {
                throw new ConfigException("cannot read config file " + path + ": " + e.getMessage(), e);
            }
        }
        String name = nameOrPath.endsWith(".conf") ? nameOrPath.substring(0, nameOrPath.length() - 5) : nameOrPath;
        if (!name.contains("/") && ConfigLoader.class.getResource("/conf/" + name + ".conf") != null) {
            return bundled(name);
        }
        throw new ConfigException("config file " + nameOrPath + " does not exist; give a path to a HOCON file "
                + "or a bundled overlay: tiny, small, base, quickstart, local, standalone, yarn");
    }

    private static Config bundled(String name) {
        String resource = "/conf/" + name + ".conf";
        try (InputStream in = ConfigLoader.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new ConfigException("bundled config " + resource + " is missing from the classpath");
            }
            return ConfigFactory.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8),
                    ConfigParseOptions.defaults().setOriginDescription(name + ".conf"));
        } catch (java.io.IOException e) {
            throw new ConfigException("cannot read bundled config " + resource, e);
        }
    }

    static Config parseSet(String set) {
        int eq = set.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException("--set expects key=value, got '" + set + "'");
        }
        String key = set.substring(0, eq).trim();
        String value = set.substring(eq + 1).trim();
        try {
            ConfigUtil.splitPath(key);
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException("--set key '" + key + "' is not a valid config path: " + e.getMessage(), e);
        }
        ConfigValue parsed;
        try {
            parsed = ConfigFactory.parseString("v = " + value,
                    ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF)).getValue("v");
        } catch (com.typesafe.config.ConfigException e) {
            // Values such as local[2] are not valid unquoted HOCON; take them as plain strings.
            parsed = ConfigValueFactory.fromAnyRef(value, "--set " + key);
        }
        return ConfigFactory.empty("--set " + key).withValue(key, parsed);
    }

    private static void checkKeys(Config layer, TreeSet<String> validKeys, String where) {
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, ConfigValue> e : layer.entrySet()) {
            String key = e.getKey();
            if (!validKeys.contains(key) && !key.startsWith(FREE_FORM_PREFIX)) {
                unknown.add(key);
            }
        }
        if (!unknown.isEmpty()) {
            String key = unknown.get(0);
            if (RETIRED.containsKey(key)) {
                throw new ConfigException("config key '" + key + "' " + where + " was removed: " + RETIRED.get(key));
            }
            throw new ConfigException("unknown config key '" + key + "' " + where
                    + "; did you mean '" + nearest(key, validKeys) + "'? (every key is listed in conf/reference.conf)");
        }
    }

    public static String nearest(String key, Iterable<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            int d = levenshtein(key, candidate);
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        return best;
    }

    static int levenshtein(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
