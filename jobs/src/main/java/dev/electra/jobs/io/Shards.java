package dev.electra.jobs.io;

import dev.electra.pipeline.errors.JobError;
import dev.electra.pipeline.packing.PackedExample;
import dev.electra.pipeline.packing.ShardManifest;
import dev.electra.pipeline.train.HeldOut;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.format.FileMetaData;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;

/** The pretraining shards the prepare job wrote: the manifest, and the examples of chosen shards in order. */
public record Shards(String directory, ShardManifest manifest, List<String> files) {
    public static final String MANIFEST = ShardManifest.FILE_NAME;

    public static Shards open(String directory, Configuration hadoop) {
        try {
            Path dir = new Path(directory);
            FileSystem fs = dir.getFileSystem(hadoop);
            Path manifestPath = new Path(dir, MANIFEST);
            if (!fs.exists(manifestPath)) {
                throw new IllegalArgumentException(directory + " has no " + MANIFEST
                        + "; point --data at a directory written by the prepare command");
            }
            ShardManifest manifest;
            try (InputStream in = fs.open(manifestPath)) {
                manifest = ShardManifest.read(in);
            }
            List<ShardManifest.Shard> listed = manifest.shards() == null ? List.of() : manifest.shards();
            List<String> files = new ArrayList<>();
            for (ShardManifest.Shard shard : listed) {
                files.add(new Path(dir, shard.file()).toString());
            }
            if (files.isEmpty()) {
                throw new IllegalArgumentException(manifestPath + " lists no shards");
            }
            for (int i = 0; i < files.size(); i++) {
                check(fs, new Path(files.get(i)), listed.get(i).examples());
            }
            return new Shards(directory, manifest, files);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read shards in " + directory + ": " + e.getMessage(), e);
        }
    }

    /**
     * Refuses a shard that is missing, cut short, not Parquet, not of prepare's columns or not of the manifest's
     * size, before a Spark task meets it (a truncated shard otherwise fails deep in a task, far from its name).
     */
    private static void check(FileSystem fs, Path shard, long examples) throws IOException {
        String redo = "; rerun prepare, or restore the shard";
        if (!fs.exists(shard)) {
            throw new JobError("shard " + shard + " listed in its " + MANIFEST + " is missing" + redo);
        }
        FileMetaData meta;
        try {
            meta = ParquetFooters.read(fs, shard);
        } catch (IOException | RuntimeException e) {
            throw new JobError("shard " + shard + " is truncated or not a Parquet file (" + e.getMessage() + ")"
                    + redo, e);
        }
        List<String> columns = new ArrayList<>();
        meta.getSchema().forEach(element -> columns.add(element.getName()));
        for (String column : List.of("input_ids", "segment_ids")) {
            if (!columns.contains(column)) {
                throw new JobError("shard " + shard + " has no column " + column + " (columns " + columns + "): not a "
                        + "shard written by prepare" + redo);
            }
        }
        if (meta.getNum_rows() != examples) {
            throw new JobError("shard " + shard + " holds " + meta.getNum_rows() + " examples, its " + MANIFEST
                    + " says " + examples + ": it was replaced or damaged after prepare wrote it" + redo);
        }
    }

    public int vocabSize() {
        return manifest.vocabSize();
    }

    public int maxSeqLength() {
        return manifest.maxSeqLength();
    }

    public int specialId(String token) {
        Integer id = manifest.specialId(token);
        if (id == null) {
            throw new IllegalArgumentException(directory + "/" + MANIFEST + " names no id for " + token
                    + "; rerun prepare with this version");
        }
        return id;
    }

    /** Examples in shard {@code index} of the manifest. */
    public long examplesIn(int index) {
        return manifest.shards().get(index).examples();
    }

    /** Examples in all shards. */
    public long examples() {
        long n = 0;
        for (int i = 0; i < files.size(); i++) {
            n += examplesIn(i);
        }
        return n;
    }

    /**
     * The training examples (all but {@code heldOut}) as an RDD of {@code workers} partitions: the examples are
     * numbered in shard order and row order, and example g goes to partition g mod {@code workers}, in number order.
     * Every worker thus holds a disjoint, equally sized (within the held-out examples' spread) share, the same on every
     * run and cluster.
     */
    /**
     * What a job that read these shards should say about {@code failure}: when it is Parquet failing to decode values
     * (a shard damaged inside, which the footer check cannot see and which Spark reports without the file's name),
     * each shard is read whole to find the damaged one, and the error names it; otherwise the failure as it is.
     */
    public RuntimeException explain(SparkSession spark, Exception failure) {
        boolean decoding = Failures.cause(failure, dev.electra.pipeline.errors.JobError.class).isEmpty()
                && Failures.chain(failure).anyMatch(t -> String.valueOf(t.getMessage()).contains("org.apache.parquet")
                        || java.util.Arrays.stream(t.getStackTrace())
                        .anyMatch(f -> f.getClassName().startsWith("org.apache.parquet")));
        if (decoding) {
            for (String file : files) {
                try {
                    // Every value decoded: counting rows alone would not touch the damaged pages.
                    spark.read().parquet(file).select("input_ids").javaRDD()
                            .foreach(r -> r.getList(0).forEach(java.util.Objects::requireNonNull));
                } catch (Exception e) {
                    return new dev.electra.pipeline.errors.JobError(Failures.damaged(file, Failures.innermost(e)),
                            failure);
                }
            }
        }
        return Failures.unchecked(failure);
    }

    public JavaRDD<PackedExample> partitioned(SparkSession spark, int workers, HeldOut heldOut) {
        return numbered(spark).filter(t -> !heldOut.contains(t._1()))
                .repartitionAndSortWithinPartitions(new ModuloPartitioner(workers)).values();
    }

    /** The held-out examples, in number order: one pass over the shards, only they reach the driver. */
    public List<PackedExample> heldOut(SparkSession spark, HeldOut heldOut) {
        return numbered(spark).filter(t -> heldOut.contains(t._1())).sortByKey().values().collect();
    }

    /** Every example with its number (shard order, then row order). */
    private JavaPairRDD<Long, PackedExample> numbered(SparkSession spark) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<JavaPairRDD<Long, PackedExample>> parts = new ArrayList<>();
        long offset = 0;
        for (int i = 0; i < files.size(); i++) {
            long first = offset;
            parts.add(spark.read().parquet(files.get(i)).select("input_ids", "segment_ids").javaRDD()
                    .zipWithIndex()
                    .mapToPair(t -> new Tuple2<>(first + t._2(), example(t._1()))));
            offset += examplesIn(i);
        }
        return parts.size() == 1 ? parts.get(0) : jsc.union(parts.toArray(new JavaPairRDD[0]));
    }

    /** Example g → partition g mod n. */
    static final class ModuloPartitioner extends Partitioner {
        private final int n;

        ModuloPartitioner(int n) {
            this.n = n;
        }

        @Override
        public int numPartitions() {
            return n;
        }

        @Override
        public int getPartition(Object key) {
            return (int) Math.floorMod((Long) key, (long) n);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ModuloPartitioner m && m.n == n;
        }

        @Override
        public int hashCode() {
            return n;
        }
    }

    private static PackedExample example(Row r) {
        List<Integer> ids = r.getList(0);
        List<Byte> segments = r.getList(1);
        int[] idArray = new int[ids.size()];
        byte[] segArray = new byte[segments.size()];
        for (int i = 0; i < idArray.length; i++) {
            idArray[i] = ids.get(i);
            segArray[i] = segments.get(i);
        }
        return new PackedExample(idArray, segArray);
    }
}
