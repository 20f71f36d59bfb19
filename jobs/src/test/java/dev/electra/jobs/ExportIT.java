package dev.electra.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.hf.SafeTensors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * export, score and pretrain.init-from on a micro run: the transformers directories, the round trip export → import
 * → export, scores from a run equal to scores from its export, the refusals, and (tagged integration) transformers
 * itself loading the export and agreeing with our logits.
 */
class ExportIT {
    @TempDir
    static Path dir;
    static SparkSession spark;
    static Path vocab;
    static Path shards;
    static Path run;
    static Path export;
    static Path input;
    static Path scores;

    /** E 16 ≠ H 32: the discriminator has embeddings_project, the generator (16 wide) has none. Init-range 0.2 (ten times BERT's) makes
     * the logits differ from token to token, so agreement is not an accident of a near-constant output. */
    static final String[] MICRO = {
        "vocab.size=500", "prepare.max-seq-length=32", "prepare.num-shards=2",
        "model.embedding-size=16", "model.hidden-size=32", "model.layers=2", "model.heads=2", "model.ffn-size=48",
        "model.generator-fraction=0.5", "model.max-positions=32", "model.init-range=0.2",
        "pretrain.batch-size=4", "pretrain.steps=4", "pretrain.warmup-steps=1", "pretrain.log-every=2",
        "pretrain.checkpoint-every=2", "pretrain.eval-batches=1"};

    @BeforeAll
    static void pretrainAndExport() throws IOException {
        spark = SparkTestSession.get();
        Path corpus = Files.createDirectories(dir.resolve("corpus"));
        Files.write(corpus.resolve("brown.txt"), Files.readAllLines(TestData.brown()).subList(0, 800));
        ElectraConfig config = SparkTestSession.config(MICRO);
        vocab = dir.resolve("vocab");
        VocabJob.run(spark, config, corpus.toString(), vocab.toString(), false, List.of("vocab"));
        shards = dir.resolve("shards");
        PrepareJob.run(spark, config, corpus.toString(), vocab.toString(), shards.toString(), false,
                List.of("prepare"));
        run = dir.resolve("run");
        PretrainJob.run(spark, config, shards.toString(), run.toString(), false, Long.MAX_VALUE,
                List.of("pretrain"));
        export = dir.resolve("export");
        assertEquals(4, export(run, export, OptionalLong.empty(), false));
        input = dir.resolve("input.txt");
        List<String> lines = new ArrayList<>(Files.readAllLines(TestData.brown()).subList(900, 930));
        lines.add("");
        lines.add("Président Müller visited 北京 in 1999, didn't he?");
        lines.add("the quick brown fox ".repeat(20));
        Files.write(input, lines);
        scores = dir.resolve("scores.jsonl");
        ScoreJob.run(spark, config, run.toString(), vocab.toString(), input.toString(), scores.toString(), false);
    }

    private static long export(Path from, Path to, OptionalLong step, boolean overwrite) {
        return ExportCommand.run(from.toString(), vocab.toString(), to.toString(), step, overwrite,
                new Configuration(), List.of("export"));
    }

    private static Set<String> visibleFiles(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return new TreeSet<>(s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).toList());
        }
    }

    @Test
    void exportWritesTwoTransformersDirectories() throws IOException {
        Set<String> files = Set.of("config.json", "model.safetensors", "vocab.txt", "tokenizer.json",
                "tokenizer_config.json", "special_tokens_map.json");
        assertEquals(files, visibleFiles(export.resolve("discriminator")));
        assertEquals(files, visibleFiles(export.resolve("generator")));
        ObjectMapper json = new ObjectMapper();
        JsonNode d = json.readTree(export.resolve("discriminator/config.json").toFile());
        JsonNode g = json.readTree(export.resolve("generator/config.json").toFile());
        assertEquals("ElectraForPreTraining", d.get("architectures").get(0).asText());
        assertEquals("ElectraForMaskedLM", g.get("architectures").get(0).asText());
        assertEquals(32, d.get("hidden_size").asInt());
        assertEquals(16, g.get("hidden_size").asInt());
        assertEquals(32, d.get("max_position_embeddings").asInt());
        JsonNode tokenizer = json.readTree(export.resolve("discriminator/tokenizer_config.json").toFile());
        assertTrue(tokenizer.get("do_lower_case").asBoolean());
        assertEquals(32, tokenizer.get("model_max_length").asInt());
        assertArrayEquals(Files.readAllBytes(vocab.resolve("vocab.txt")),
                Files.readAllBytes(export.resolve("generator/vocab.txt")));
        var disc = SafeTensors.read(Files.readAllBytes(export.resolve("discriminator/model.safetensors")), "d");
        assertTrue(disc.tensors().containsKey("electra.embeddings_project.weight"));
        assertEquals("pt", disc.metadata().get("format"));
        var gen = SafeTensors.read(Files.readAllBytes(export.resolve("generator/model.safetensors")), "g");
        assertFalse(gen.tensors().containsKey("electra.embeddings_project.weight"), "E = generator hidden");
        assertTrue(gen.tensors().containsKey("generator_lm_head.weight"));
        JsonNode info = json.readTree(export.resolve("_run.json").toFile());
        assertEquals("export", info.get("command").asText());
        assertEquals(4, info.path("results").get("step").asInt());
    }

    @Test
    void pretrainingFromAnExportStartsFromItsWeightsAndExportsTheSameBytes() throws IOException {
        // lr(0) = 0 under warmup: one step leaves the imported parameters as they were, so the new run's export
        // must equal the export it started from, byte for byte.
        ElectraConfig config = SparkTestSession.config(append(MICRO, "pretrain.steps=1",
                "pretrain.checkpoint-every=1", "pretrain.init-from=" + export));
        Path continued = dir.resolve("continued");
        PretrainJob.run(spark, config, shards.toString(), continued.toString(), false, Long.MAX_VALUE,
                List.of("pretrain"));
        Path again = dir.resolve("export-again");
        export(continued, again, OptionalLong.empty(), false);
        for (String net : List.of("discriminator", "generator")) {
            assertArrayEquals(Files.readAllBytes(export.resolve(net + "/model.safetensors")),
                    Files.readAllBytes(again.resolve(net + "/model.safetensors")), net);
            assertArrayEquals(Files.readAllBytes(export.resolve(net + "/config.json")),
                    Files.readAllBytes(again.resolve(net + "/config.json")), net);
        }
    }

    @Test
    void initFromRefusesAModelOfAnotherSize() {
        ElectraConfig wider = SparkTestSession.config(append(MICRO, "model.ffn-size=64",
                "pretrain.init-from=" + export));
        Exception e = assertThrows(RuntimeException.class, () -> PretrainJob.run(spark, wider, shards.toString(),
                dir.resolve("wider").toString(), false, Long.MAX_VALUE, List.of("pretrain")));
        assertTrue(e.getMessage().contains("discriminator/config.json: intermediate_size is 48 but this model has 64 "
                + "(model.ffn-size)"), e.getMessage());
    }

    @Test
    void scoresOfTheRunAndOfItsExportAreIdentical() throws IOException {
        List<String> fromRun = Files.readAllLines(scores);
        assertEquals(Files.readAllLines(input).size(), fromRun.size(), "one line per input line");
        Path fromExport = dir.resolve("scores-export.jsonl");
        ScoreJob.run(spark, SparkTestSession.config(MICRO), export.toString(), null, input.toString(),
                fromExport.toString(), false);
        assertEquals(fromRun, Files.readAllLines(fromExport));
        ObjectMapper json = new ObjectMapper();
        JsonNode empty = json.readTree(fromRun.get(30));
        assertEquals("[\"[CLS]\",\"[SEP]\"]", empty.get("tokens").toString());
        assertEquals(2, empty.get("replaced_logits").size());
        JsonNode longLine = json.readTree(fromRun.get(32));
        assertTrue(longLine.get("truncated").asBoolean());
        assertEquals(32, longLine.get("ids").size());
        assertEquals("[SEP]", longLine.get("tokens").get(31).asText());
        JsonNode first = json.readTree(fromRun.get(0));
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        for (JsonNode v : first.get("replaced_logits")) {
            min = Math.min(min, v.asDouble());
            max = Math.max(max, v.asDouble());
        }
        assertTrue(max - min > 0.1, "logits vary across tokens: " + min + " .. " + max);
    }

    @Test
    void evaluateFineTunesAnExportAsItFineTunesTheRun() throws IOException {
        Path tasks = dir.resolve("tasks");
        TestData.commaTask(tasks.resolve("comma"), 2000, 2200);
        ElectraConfig config = SparkTestSession.config(append(MICRO, "evaluate.seeds=1", "evaluate.epochs=1",
                "evaluate.max-seq-length=32", "evaluate.batch-size=16", "evaluate.probe-l2=[0.01]"));
        var fromRun = EvaluateJob.run(spark, config, run.toString(), vocab.toString(), tasks.toString(),
                List.of("comma"), dir.resolve("eval-run").toString(), false, List.of("evaluate"));
        var fromExport = EvaluateJob.run(spark, config, export.toString(), null, tasks.toString(), List.of("comma"),
                export.resolve("evaluation").toString(), false, List.of("evaluate"));
        assertEquals(withoutTimes(fromRun.scores()), withoutTimes(fromExport.scores()),
                "the same weights and tokenizer fine-tune to the same scores");
        assertEquals(withoutTimes(fromRun.probes()), withoutTimes(fromExport.probes()),
                "and probe to the same scores");
        assertEquals(4L, fromRun.step());
        assertNull(fromExport.step(), "a transformers directory has no step");
        assertTrue(Files.isRegularFile(export.resolve("evaluation/evaluation.json")));
    }

    /** Scores as JSON without the seconds each fine-tuning took. */
    private static String withoutTimes(Object scores) throws IOException {
        return new ObjectMapper().writeValueAsString(scores).replaceAll("\"seconds\":[0-9.E-]+,?", "");
    }

    @Test
    void badInputsGetOneClearErrorAndLeaveNothing() throws IOException {
        Exception e = assertThrows(RuntimeException.class, () -> export(run, export, OptionalLong.empty(), false));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        e = assertThrows(RuntimeException.class, () -> export(run, dir.resolve("x3"), OptionalLong.of(3), false));
        assertTrue(e.getMessage().contains("has no complete checkpoint of step 3"), e.getMessage());

        Path empty = Files.createDirectories(dir.resolve("no-checkpoint"));
        Files.copy(run.resolve("_run.json"), empty.resolve("_run.json"));
        Files.copy(run.resolve("_effective.conf"), empty.resolve("_effective.conf"));
        e = assertThrows(RuntimeException.class, () -> export(empty, dir.resolve("x1"), OptionalLong.empty(), false));
        assertTrue(e.getMessage().contains("has no complete checkpoint"), e.getMessage());

        Path truncated = copyOfExport("truncated");
        Path weights = truncated.resolve("discriminator/model.safetensors");
        Files.write(weights, Arrays.copyOf(Files.readAllBytes(weights), 100));
        assertScoreRefused(truncated, "discriminator/model.safetensors is not a valid safetensors file",
                "is the file truncated?");

        Path overlapping = copyOfExport("overlapping");
        Path genWeights = overlapping.resolve("generator/model.safetensors");
        byte[] bytes = Files.readAllBytes(genWeights);
        int headerLength = (int) java.nio.ByteBuffer.wrap(bytes, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .getLong();
        String header = new String(bytes, 8, headerLength, StandardCharsets.UTF_8);
        // the second tensor moved one float back: it overlaps the first (same digits, so the header keeps its length)
        var offsets = java.util.regex.Pattern.compile("\"data_offsets\":\\[(\\d+),(\\d+)\\]").matcher(header);
        assertTrue(offsets.find() && offsets.find());
        long begin = Long.parseLong(offsets.group(1));
        long end = Long.parseLong(offsets.group(2));
        String moved = header.substring(0, offsets.start()) + "\"data_offsets\":[" + (begin - 4) + "," + (end - 4)
                + "]" + header.substring(offsets.end());
        assertEquals(header.length(), moved.length(), "same number of digits");
        System.arraycopy(moved.getBytes(StandardCharsets.UTF_8), 0, bytes, 8, headerLength);
        Files.write(genWeights, bytes);
        assertScoreRefused(overlapping, "generator/model.safetensors is not a valid safetensors file",
                "overlapping tensors");

        Path activation = copyOfExport("activation");
        Path config = activation.resolve("discriminator/config.json");
        ObjectNode c = (ObjectNode) new ObjectMapper().readTree(config.toFile());
        c.put("hidden_act", "swish");
        Files.write(config, new ObjectMapper().writeValueAsBytes(c));
        assertScoreRefused(activation, "hidden_act is \"swish\"");
    }

    /** What a user who edits or damages an export, or scores a binary file, is told: the file and what to do. */
    @Test
    void editedExportsAndBinaryInputsAreNamed() throws IOException {
        Path damaged = dir.resolve("damaged");
        copyTree(export, damaged);
        Path weights = damaged.resolve("discriminator/model.safetensors");
        assertTrue(Files.exists(damaged.resolve("discriminator/.model.safetensors.crc")), "copied with its .crc");
        Files.write(weights, Arrays.copyOf(Files.readAllBytes(weights), Files.readAllBytes(weights).length / 2));
        Exception e = assertThrows(RuntimeException.class, () -> ScoreJob.run(spark, SparkTestSession.config(MICRO),
                damaged.toString(), null, input.toString(), dir.resolve("damaged.jsonl").toString(), false));
        String line = Main.describe(e);
        assertTrue(line.contains("model.safetensors does not match its checksum file .model.safetensors.crc")
                && line.contains("damaged or truncated") && line.contains("run export again")
                && !line.contains("delete"), line);

        Path wider = copyOfExport("edited-hidden");
        setConfig(wider.resolve("discriminator/config.json"), "hidden_size", 48);
        assertScoreRefused(wider, "discriminator/config.json: hidden_size is 48 but the weights beside it, ",
                "discriminator/model.safetensors, have 32 (", "Restore config.json");

        Path heads = copyOfExport("heads");
        setConfig(heads.resolve("discriminator/config.json"), "num_attention_heads", 3);
        assertScoreRefused(heads, "discriminator/config.json describes no model this tool builds: hidden_size must be "
                + "divisible by num_attention_heads, got hidden_size 32 and num_attention_heads 3");

        Path binary = dir.resolve("weights.bin");
        Files.write(binary, new byte[] {'P', 'K', 3, 4, 0, 0, 1, 2});
        e = assertThrows(RuntimeException.class, () -> ScoreJob.run(spark, SparkTestSession.config(MICRO),
                export.toString(), null, binary.toString(), dir.resolve("binary.jsonl").toString(), false));
        assertTrue(e.getMessage().contains("weights.bin looks binary (a NUL byte at offset 4); expected a UTF-8 text "
                + "file, one input per line"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("binary.jsonl")));
    }

    private static void setConfig(Path config, String key, int value) throws IOException {
        ObjectNode c = (ObjectNode) new ObjectMapper().readTree(config.toFile());
        c.put(key, value);
        Files.write(config, new ObjectMapper().writeValueAsBytes(c));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
    }

    private static Path copyOfExport(String name) throws IOException {
        Path target = dir.resolve(name);
        for (String net : List.of("discriminator", "generator")) {
            Files.createDirectories(target.resolve(net));
            for (String f : visibleFiles(export.resolve(net))) {
                Files.copy(export.resolve(net).resolve(f), target.resolve(net).resolve(f));
            }
        }
        return target;
    }

    private static void assertScoreRefused(Path model, String... fragments) throws IOException {
        Path out = dir.resolve("refused-" + model.getFileName() + ".jsonl");
        Exception e = assertThrows(RuntimeException.class, () -> ScoreJob.run(spark, SparkTestSession.config(MICRO),
                model.toString(), null, input.toString(), out.toString(), false));
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), e.getMessage() + " lacks " + f);
        }
        assertFalse(Files.exists(out), "no output");
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(), s.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(".refused-")).toList(), "no temporary output left");
        }
    }

    private static String[] append(String[] base, String... more) {
        String[] all = Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    /**
     * bench/python/hf_check.py on the export and the run's scores: its own numpy forward from the files alone, and,
     * where transformers is importable, from_pretrained of both directories and the tokenizer. CI provides the
     * Python (ELECTRA_HF_PYTHON; ELECTRA_HF_TRANSFORMERS=required when it has transformers); elsewhere it runs when
     * a python3 with numpy is found.
     */
    @Test
    @Tag("integration")
    void transformersSemanticsAgreeWithOurLogits() throws Exception {
        String python = System.getenv().getOrDefault("ELECTRA_HF_PYTHON", "python3");
        boolean required = System.getenv("ELECTRA_HF_PYTHON") != null || System.getenv("CI") != null;
        if (!required) {
            Process probe = new ProcessBuilder(python, "-c", "import numpy").redirectErrorStream(true).start();
            Assumptions.assumeTrue(probe.waitFor() == 0, python + " with numpy is not available");
        }
        Path script = Path.of(System.getProperty("user.dir")).getParent().resolve("bench/python/hf_check.py");
        Process p = new ProcessBuilder(python, script.toString(), export.toString(), scores.toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        System.out.println(output);
        assertEquals(0, code, output);
        assertTrue(output.contains(" 0 failed"), output);
        if ("required".equals(System.getenv("ELECTRA_HF_TRANSFORMERS"))) {
            assertTrue(output.contains("compared)") && !output.contains("not importable"),
                    "transformers itself must have been compared: " + output);
        }
    }
}
