package dev.electra.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.electra.jobs.io.CorpusInput;
import dev.electra.jobs.io.Failures;
import dev.electra.jobs.io.OutputDir;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.errors.JobError;
import dev.electra.pipeline.eval.DiscriminatorScores;
import dev.electra.pipeline.model.ElectraModel;
import dev.electra.pipeline.model.KernelMode;
import dev.electra.pipeline.model.LossWeights;
import dev.electra.pipeline.model.ModelConfig;
import dev.electra.pipeline.model.Objective;
import dev.electra.pipeline.model.SamplingConfig;
import dev.electra.tokenizer.BertTokenizer;
import dev.electra.tokenizer.TokenizerSpec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code score}: the discriminator as a replaced-token detector. For each input line, one JSON line with the text,
 * its tokens, ids and segment ids ([CLS] … [SEP]) and the discriminator's logit for every token; a positive logit says
 * "replaced". Lines are scored in Spark partitions (each builds the model once) and written in input order.
 */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = {"Score each line of a text file with a pretrained discriminator (a pretrain run, or a "
                + "transformers ELECTRA directory such as export's): one JSON line per input line, "
                + "{\"text\", \"tokens\", \"ids\", \"type_ids\", \"replaced_logits\"}, a logit for every token "
                + "[CLS] and [SEP] included.",
                "Lines longer than the model's positions are cut to fit (\"truncated\": true). Batches of "
                        + "evaluate.batch-size lines."})
public final class ScoreJob implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(ScoreJob.class);
    static final String RESULT = "scores.jsonl";
    private static final String FIRST_FIELD = "{\"text\":";

    @Mixin
    CommonOptions common;

    @Mixin
    OverwriteOption replace;

    @Mixin
    ModelOptions source;

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "Text file, one input per line.")
    String input;

    @Option(names = "--output", required = true, paramLabel = "FILE", description = "Output file (JSON lines).")
    String output;

    @Override
    public Integer call() {
        ElectraConfig config = common.config();
        SparkSession spark = Sparks.session(config, "score");
        long lines = run(spark, config, source.model, source.vocab, input, output, replace.overwrite);
        System.out.println("scored " + lines + " lines: " + output);
        return 0;
    }

    /** What an executor needs to rebuild the discriminator and the tokenizer (Java-serialized, see KryoRegistrations). */
    record Scorer(ModelConfig model, Objective objective, float[] params, TokenizerSpec tokenizer, KernelMode kernels,
                  int batchSize) implements java.io.Serializable {
        ElectraModel build() {
            ElectraModel m = ElectraModel.build(model, objective, LossWeights.paper(), SamplingConfig.paper(),
                    DataType.FLOAT, 0).useKernels(kernels);
            m.setFlatParameters(params);
            return m;
        }
    }

    public static long run(SparkSession spark, ElectraConfig config, String modelPath, String vocabPath, String input,
                           String output, boolean overwrite) {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        var hadoop = sc.hadoopConfiguration();
        EncodeJob.checkInput("score", input, hadoop);
        try {
            Path in = new Path(input);
            // A binary file would be scored as thousands of lines of noise, as the corpus commands would read it.
            CorpusInput.requireText(in.getFileSystem(hadoop), in, hadoop, "a UTF-8 text file, one input per line");
        } catch (IOException e) {
            throw Failures.reading(e, input);
        }
        List<OutputDir.Input> inputs = new ArrayList<>(List.of(new OutputDir.Input("--input", input),
                new OutputDir.Input("--model", modelPath)));
        if (vocabPath != null) {
            inputs.add(new OutputDir.Input("--vocab", vocabPath));
        }
        try (OutputDir out = OutputDir.beginFile("score", output, overwrite, hadoop, inputs, ScoreJob::onlyScores)) {
            long count;
            try {
                PretrainedModels.Loaded loaded = PretrainedModels.open(modelPath, vocabPath, hadoop);
                ElectraModel m = loaded.model();
                if (!m.objective().hasDiscriminator()) {
                    throw new JobError(modelPath + " was pretrained with objective " + m.objective().configName()
                            + ", which has no discriminator to score tokens with");
                }
                KernelMode kernels = KernelMode.resolve(config.model().kernels()).mode();
                LOG.info("score: {} ({} parameters, kernels {})", loaded.source(), m.parameterCount(), kernels);
                Broadcast<Scorer> scorer = sc.broadcast(new Scorer(m.config(), m.objective(), m.flatParameters(),
                        loaded.tokenizer(), kernels, config.evaluate().batchSize()));
                LongAccumulator invalid = sc.sc().longAccumulator("lines with invalid UTF-8");
                LongAccumulator truncated = sc.sc().longAccumulator("lines cut to the model's positions");
                String parts = new Path(out.temporary(), "parts").toString();
                sc.setJobDescription("score: " + input);
                EncodeJob.lines(sc, input).mapPartitions(lines -> {
                    var it = new CorpusInput.Guarded<>(lines, input);
                    List<String> texts = new ArrayList<>();
                    while (it.hasNext()) {
                        texts.add(EncodeJob.text(it.next()._2, invalid));
                    }
                    return texts.isEmpty() ? List.<String>of().iterator()
                            : score(scorer.value(), texts, truncated).iterator();
                }).saveAsTextFile(parts);
                count = EncodeJob.concatenate(out.fs(), new Path(parts), new Path(out.temporary(), RESULT));
                if (invalid.value() > 0) {
                    LOG.warn("score: {} lines held bytes that are not UTF-8; they were read as U+FFFD",
                            invalid.value());
                }
                if (truncated.value() > 0) {
                    LOG.warn("score: {} lines were longer than the model's {} positions and were cut (\"truncated\": "
                            + "true)", truncated.value(), m.config().maxPositions());
                }
            } catch (Exception e) {
                throw out.failure(e);
            }
            out.commitFile(RESULT);
            return count;
        }
    }

    /** One JSON line per text, in order. */
    private static List<String> score(Scorer scorer, List<String> texts, LongAccumulator truncated)
            throws IOException {
        ElectraModel model = scorer.build();
        BertTokenizer tokenizer = scorer.tokenizer().build();
        int limit = scorer.model().maxPositions();
        int[][] ids = new int[texts.size()][];
        int[][] segments = new int[texts.size()][];
        boolean[] cut = new boolean[texts.size()];
        for (int i = 0; i < ids.length; i++) {
            int[] all = tokenizer.encode(texts.get(i)).ids();
            if (all.length > limit) {
                // [CLS] and the first pieces, then [SEP]: what the model can read of the line.
                int sep = all[all.length - 1];
                all = Arrays.copyOf(all, limit);
                all[limit - 1] = sep;
                cut[i] = true;
                truncated.add(1);
            }
            ids[i] = all;
            segments[i] = new int[all.length];
        }
        float[][] logits = DiscriminatorScores.logits(model, ids, segments, scorer.batchSize());
        ObjectMapper json = new ObjectMapper();
        List<String> lines = new ArrayList<>(texts.size());
        var vocabulary = scorer.tokenizer().vocabulary();
        for (int i = 0; i < ids.length; i++) {
            ObjectNode o = json.createObjectNode();
            o.put("text", texts.get(i));
            ArrayNode tokens = o.putArray("tokens");
            ArrayNode idArray = o.putArray("ids");
            ArrayNode types = o.putArray("type_ids");
            ArrayNode scores = o.putArray("replaced_logits");
            for (int t = 0; t < ids[i].length; t++) {
                tokens.add(vocabulary.token(ids[i][t]));
                idArray.add(ids[i][t]);
                types.add(segments[i][t]);
                scores.add(logits[i][t]);
            }
            if (cut[i]) {
                o.put("truncated", true);
            }
            lines.add(json.writeValueAsString(o));
        }
        return lines;
    }

    /** An earlier score output: every line a JSON object that starts with the text field. */
    private static boolean onlyScores(FileSystem fs, Path file) throws IOException {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(fs.open(file), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (!line.startsWith(FIRST_FIELD) || !line.endsWith("}")) {
                    return false;
                }
            }
        }
        return true;
    }
}
