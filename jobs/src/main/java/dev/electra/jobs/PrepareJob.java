package dev.electra.jobs;

import dev.electra.jobs.io.CorpusInput;
import dev.electra.jobs.io.OutputDir;
import dev.electra.jobs.io.ParquetFooters;
import dev.electra.jobs.io.Shards;
import dev.electra.jobs.io.SkipCounter;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.config.RunInfo;
import dev.electra.pipeline.packing.DocumentPacker;
import dev.electra.pipeline.packing.PackedExample;
import dev.electra.pipeline.packing.PackingSpec;
import dev.electra.pipeline.packing.PackingStats;
import dev.electra.pipeline.packing.ShardManifest;
import dev.electra.tokenizer.NormalizerOptions;
import dev.electra.tokenizer.SpecialTokens;
import dev.electra.tokenizer.Vocabulary;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.StorageLevels;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import scala.Tuple2;

/**
 * {@code prepare}: documents → sentences (CoreNLP) → WordPiece ids → packed examples → Parquet shards and
 * {@code _manifest.json}. Documents are numbered in input order, each is packed with its own random stream, and
 * each goes to a shard chosen from its number and the seed, so the shards are byte-identical whatever the number
 * of Spark partitions.
 */
@Command(name = "prepare", mixinStandardHelpOptions = true,
        description = {"Pack pretraining examples [CLS] A [SEP] B [SEP] into Parquet shards.",
                "Reads text (.txt/.gz/.bz2: one paragraph per line, blank line between documents), JSON lines "
                        + "(input.text-field) or Parquet; writes OUTPUT/shard-NNNNN.parquet (input_ids array<int>, "
                        + "segment_ids array<tinyint>, length int) and OUTPUT/_manifest.json.",
                "Keys: prepare.max-seq-length, prepare.num-shards, prepare.single-segment-prob, "
                        + "prepare.random-length-prob, seed, tokenizer.*, input.*."})
public final class PrepareJob implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(PrepareJob.class);
    public static final String MANIFEST = ShardManifest.FILE_NAME;
    public static final String INPUT_IDS = "input_ids";
    public static final String SEGMENT_IDS = "segment_ids";
    public static final String LENGTH = "length";
    public static final StructType SCHEMA = new StructType()
            .add(INPUT_IDS, DataTypes.createArrayType(DataTypes.IntegerType, false), false)
            .add(SEGMENT_IDS, DataTypes.createArrayType(DataTypes.ByteType, false), false)
            .add(LENGTH, DataTypes.IntegerType, false);

    @Mixin
    CommonOptions common;

    @Mixin
    OverwriteOption replace;

    @Option(names = "--input", required = true, paramLabel = "PATH", description = "Corpus: file, directory or glob.")
    String input;

    @Option(names = "--vocab", required = true, paramLabel = "FILE",
            description = "vocab.txt, or the directory the vocab command wrote.")
    String vocab;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Output directory for the shards.")
    String output;

    @Override
    public Integer call() {
        ElectraConfig config = common.config();
        SparkSession spark = Sparks.session(config, "prepare");
        PackingStats stats = run(spark, config, input, vocab, output, replace.overwrite,
                List.of("prepare", "--input", input, "--vocab", vocab, "--output", output));
        // Counted in the output: a shard the seeded hash gave no example is not written, so there may be fewer
        // than prepare.num-shards.
        int written = Shards.open(output, spark.sparkContext().hadoopConfiguration()).files().size();
        System.out.println("wrote " + stats.examples() + " examples (" + stats.tokens() + " tokens) in " + written
                + " shards: " + output);
        return 0;
    }

    /** Position of an example: its shard, its document and its index in the document. */
    record ExampleKey(int shard, long document, int index) implements Comparable<ExampleKey>, Serializable {
        @Override
        public int compareTo(ExampleKey o) {
            int c = Long.compare(document, o.document);
            return c != 0 ? c : Integer.compare(index, o.index);
        }
    }

    /** Sends each example to the partition of its shard. */
    static final class ShardPartitioner extends Partitioner {
        private final int shards;

        ShardPartitioner(int shards) {
            this.shards = shards;
        }

        @Override
        public int numPartitions() {
            return shards;
        }

        @Override
        public int getPartition(Object key) {
            return ((ExampleKey) key).shard();
        }
    }

    public static PackingStats run(SparkSession spark, ElectraConfig config, String input, String vocabPath,
                                   String output, boolean overwrite, List<String> arguments) {
        long start = System.nanoTime();
        RunInfo info = RunInfo.start("prepare", arguments, config);
        var hadoop = spark.sparkContext().hadoopConfiguration();
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        try (OutputDir out = OutputDir.begin("prepare", output, overwrite, hadoop,
                List.of(new OutputDir.Input("--input", input), new OutputDir.Input("--vocab", vocabPath)))) {
            try {
                Vocabulary vocab = Tokenizers.readVocabulary(vocabPath, hadoop);
                List<CorpusInput.InputFile> files = CorpusInput.list(input, config.input(), hadoop);
                LOG.info("prepare: {} input files from {}, vocabulary of {} tokens", files.size(), input, vocab.size());
                JavaRDD<CorpusInput.Record> records = CorpusInput.read(spark, files, config.input());
                spark.sparkContext().setJobDescription("prepare: count documents per partition");
                long[] documentOffsets = documentOffsets(records);

                SkipCounter skips = new SkipCounter(spark.sparkContext());
                Broadcast<Vocabulary> vocabB = sc.broadcast(vocab);
                NormalizerOptions options = Tokenizers.normalizerOptions(config);
                int maxChars = config.tokenizer().maxInputCharsPerWord();
                PackingSpec spec = new PackingSpec(config.prepare().maxSeqLength(), config.prepare().singleSegmentProb(),
                        config.prepare().randomLengthProb(), vocab.id(SpecialTokens.CLS), vocab.id(SpecialTokens.SEP));
                long seed = config.seed();
                LongAccumulator documentCount = spark.sparkContext().longAccumulator("documents");
                LongAccumulator sentenceCount = spark.sparkContext().longAccumulator("sentences");
                int shards = config.prepare().numShards();

                JavaPairRDD<Long, Tuple2<Long, String>> lines = documentLines(records, documentOffsets, skips);
                // Documents are hashed over several partitions per core: sentence splitting dominates the job, and
                // one input file per task would leave cores idle behind the largest file.
                int packingPartitions = Math.max(records.getNumPartitions(), 4 * sc.defaultParallelism());
                JavaPairRDD<ExampleKey, PackedExample> examples = lines
                        .groupByKey(packingPartitions)
                        .mapPartitionsToPair(it -> {
                            DocumentPacker packer = new DocumentPacker(Tokenizers.of(vocabB.value(), options, maxChars),
                                    spec, seed, shards);
                            List<Tuple2<ExampleKey, PackedExample>> result = new ArrayList<>();
                            it.forEachRemaining(doc -> {
                                List<DocumentPacker.Line> text = new ArrayList<>();
                                doc._2.forEach(l -> text.add(new DocumentPacker.Line(l._1, l._2)));
                                DocumentPacker.Packed packed = packer.pack(doc._1, text);
                                documentCount.add(1);
                                sentenceCount.add(packed.sentences());
                                for (int i = 0; i < packed.examples().size(); i++) {
                                    result.add(new Tuple2<>(new ExampleKey(packed.shard(), doc._1, i),
                                            packed.examples().get(i)));
                                }
                            });
                            return result.iterator();
                        })
                        .repartitionAndSortWithinPartitions(new ShardPartitioner(shards))
                        .persist(StorageLevels.MEMORY_AND_DISK_SER);
                try {
                    int maxSeqLength = spec.maxSeqLength();
                    spark.sparkContext().setJobDescription("prepare: split sentences, tokenize, pack and sort by shard");
                    List<PackingStats> perShard = examples.mapPartitions(it -> {
                        PackingStats s = new PackingStats(maxSeqLength);
                        it.forEachRemaining(t -> s.addExample(t._2));
                        return Collections.singletonList(s).iterator();
                    }, true).collect();
                    PackingStats stats = new PackingStats(maxSeqLength);
                    perShard.forEach(stats::merge);
                    stats.addDocuments(documentCount.value(), sentenceCount.value());
                    Map<String, Long> skipped = skips.report(LOG, files);
                    if (stats.examples() == 0) {
                        throw CorpusInput.nothingUsable(input, "no text to pack into examples", files, skipped,
                                config.input(), hadoop);
                    }
                    JavaRDD<Row> rows = examples.map(t -> RowFactory.create(
                            t._2.inputIds(), boxed(t._2.segmentIds()), t._2.length()));
                    String raw = new Path(out.temporary(), "_spark").toString();
                    spark.sparkContext().setJobDescription("prepare: write Parquet shards");
                    spark.createDataFrame(rows, SCHEMA).write().mode(SaveMode.ErrorIfExists).parquet(raw);
                    List<ShardManifest.Shard> shardList = moveShards(out, new Path(raw), perShard);
                    logStats(stats, skipped, config.prepare().singleSegmentProb());
                    out.write(MANIFEST, manifest(config, vocab, stats, shardList, skipped, info).toJson());
                    Map<String, Object> results = new LinkedHashMap<>(stats.toMap());
                    results.putAll(skipped);
                    results.put("wall_seconds", (System.nanoTime() - start) / 1e9);
                    out.writeRunInfo(info.withResults(results));
                    out.commit();
                    LOG.info("prepare: wrote {} examples in {} shards to {} in {} s", stats.examples(), shardList.size(),
                            out.target(), String.format("%.1f", (System.nanoTime() - start) / 1e9));
                    return stats;
                } catch (IOException e) {
                    throw new UncheckedIOException("prepare failed writing " + output + ": " + e.getMessage(), e);
                } finally {
                    examples.unpersist();
                    spark.sparkContext().setJobDescription(null);
                }
            } catch (Exception e) {
                throw out.failure(e);
            }
        }
    }

    /**
     * Each usable line keyed by its document's global number, with its number in the input: a document's lines can be
     * put back in order even when it spans partitions (partitions are in input order).
     */
    private static JavaPairRDD<Long, Tuple2<Long, String>> documentLines(JavaRDD<CorpusInput.Record> records,
                                                                        long[] documentOffsets, SkipCounter skips) {
        return records.mapPartitionsWithIndex((Integer part, Iterator<CorpusInput.Record> it) -> {
            long document = documentOffsets[part];
            long sequence = (long) part << 40;
            List<Tuple2<Long, Tuple2<Long, String>>> result = new ArrayList<>();
            while (it.hasNext()) {
                CorpusInput.Record r = it.next();
                if (r.startsDocument() || r.status() == CorpusInput.Status.BLANK) {
                    document++;
                }
                if (skips.usable(r)) {
                    result.add(new Tuple2<>(document, new Tuple2<>(sequence++, r.text())));
                }
            }
            return result.iterator();
        }, true).mapToPair(t -> t);
    }

    /**
     * For each partition, the number of document starts before it, so documents are numbered globally in input
     * order (one pass over the input that only counts).
     */
    private static long[] documentOffsets(JavaRDD<CorpusInput.Record> records) {
        List<Tuple2<Integer, Long>> counts = records.mapPartitionsWithIndex((Integer part, Iterator<CorpusInput.Record> it) -> {
            long starts = 0;
            while (it.hasNext()) {
                CorpusInput.Record r = it.next();
                if (r.startsDocument() || r.status() == CorpusInput.Status.BLANK) {
                    starts++;
                }
            }
            return Collections.singletonList(new Tuple2<>(part, starts)).iterator();
        }, true).collect();
        TreeMap<Integer, Long> byPartition = new TreeMap<>();
        counts.forEach(t -> byPartition.put(t._1, t._2));
        long[] offsets = new long[records.getNumPartitions()];
        long total = 0;
        for (int p = 0; p < offsets.length; p++) {
            offsets[p] = total;
            total += byPartition.getOrDefault(p, 0L);
        }
        return offsets;
    }

    private static Byte[] boxed(byte[] values) {
        Byte[] boxed = new Byte[values.length];
        for (int i = 0; i < values.length; i++) {
            boxed[i] = values[i];
        }
        return boxed;
    }

    /** Renames Spark's part files to shard-NNNNN.parquet (NNNNN = shard number) and drops Spark's markers. */
    private static List<ShardManifest.Shard> moveShards(OutputDir out, Path raw, List<PackingStats> perShard)
            throws IOException {
        List<ShardManifest.Shard> shards = new ArrayList<>();
        for (FileStatus f : out.fs().listStatus(raw)) {
            String name = f.getPath().getName();
            if (!name.startsWith("part-")) {
                continue;
            }
            int shard = Integer.parseInt(name.substring(5, 10));
            String target = String.format("shard-%05d.parquet", shard);
            Path targetPath = new Path(out.temporary(), target);
            if (!out.fs().rename(f.getPath(), targetPath)) {
                throw new IOException("cannot rename " + f.getPath() + " to " + target);
            }
            ParquetFooters.canonicalize(out.fs(), targetPath);
            shards.add(new ShardManifest.Shard(target, perShard.get(shard).examples(), perShard.get(shard).tokens()));
        }
        out.fs().delete(raw, true);
        shards.sort((a, b) -> a.file().compareTo(b.file()));
        return shards;
    }

    private static ShardManifest manifest(ElectraConfig config, Vocabulary vocab, PackingStats stats,
                                          List<ShardManifest.Shard> shards, Map<String, Long> skipped, RunInfo info) {
        Map<String, String> columns = new LinkedHashMap<>();
        columns.put(INPUT_IDS, "array<int>");
        columns.put(SEGMENT_IDS, "array<tinyint>");
        columns.put(LENGTH, "int");
        Map<String, Integer> specials = new LinkedHashMap<>();
        for (String token : SpecialTokens.ALL) {
            specials.put(token, vocab.id(token));
        }
        return new ShardManifest(ShardManifest.FORMAT, columns, vocab.sha256(), vocab.size(), specials,
                config.prepare().maxSeqLength(), config.seed(), stats.examples(), stats.tokens(), stats.toMap(),
                skipped, shards, info.code().toString(), config.rendered());
    }

    private static void logStats(PackingStats stats, Map<String, Long> skipped, double singleSegmentProb) {
        LOG.info("prepare: {} documents, {} sentences -> {} examples, {} tokens (mean length {}), "
                        + "single-segment share {} (target {} plus short documents)",
                stats.documents(), stats.sentences(), stats.examples(), stats.tokens(),
                String.format("%.1f", stats.examples() == 0 ? 0.0 : (double) stats.tokens() / stats.examples()),
                String.format("%.3f", stats.singleSegmentShare()), singleSegmentProb);
        LOG.info("prepare: example length histogram\n{}", stats.histogramText());
    }
}
