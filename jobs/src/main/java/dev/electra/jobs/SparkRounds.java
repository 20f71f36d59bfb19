package dev.electra.jobs;

import static dev.electra.jobs.PretrainJob.INJECT_FAULT;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.electra.jobs.io.Failures;
import dev.electra.pipeline.checkpoint.Checkpoints;
import dev.electra.pipeline.checkpoint.ParameterLayout;
import dev.electra.pipeline.checkpoint.TrainingState;
import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.distributed.RoundBytes;
import dev.electra.pipeline.model.ElectraModel;
import dev.electra.pipeline.packing.PackedExample;
import dev.electra.pipeline.train.AveragingRounds;
import dev.electra.pipeline.train.HeldOutEvaluation;
import dev.electra.pipeline.train.NonFiniteLossException;
import dev.electra.pipeline.train.ParameterAveraging;
import dev.electra.pipeline.train.ParameterAveraging.RoundResult;
import dev.electra.pipeline.train.ParameterAveraging.RoundStart;
import dev.electra.pipeline.train.ParameterAveraging.Sum;
import dev.electra.pipeline.train.ParameterAveraging.WorkerResult;
import dev.electra.pipeline.train.Pretraining;
import dev.electra.pipeline.train.RunState;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pretraining's averaging rounds on Spark: the driver of {@link AveragingRounds} (a round's start broadcast, every
 * partition trained as one worker, the results met in a tree aggregation; checkpoints and metric lines written to the
 * run through Hadoop), and the fault injection that checks a cluster's retries leave a run unchanged.
 */
final class SparkRounds {
    private static final Logger LOG = LoggerFactory.getLogger(SparkRounds.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private SparkRounds() {}

    /**
     * {@link AveragingRounds} with this job's driver: each round broadcast to and run on the Spark workers, checkpoints
     * and metric lines written to the run through Hadoop.
     */
    static AveragingRounds.Trained train(SparkSession spark, ElectraConfig config, JavaRDD<PackedExample> train,
                                         RunState begin, long stopAfter, Pretraining.SpecialIds ids,
                                         ParameterLayout layout, Checkpoints checkpoints, HeldOutEvaluation heldOut,
                                         FileSystem metricsFs, Path out, int vocabSize, int maxSeqLength,
                                         Gpus.Bound gpus)
            throws IOException {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        String fault = spark.conf().get(INJECT_FAULT, "");
        try (FSDataOutputStream metrics = metricsFs.create(
                     new Path(out, String.format("metrics/train-%09d.jsonl", begin.step())), true);
             FSDataOutputStream eval = metricsFs.create(
                     new Path(out, String.format("metrics/eval-%09d.jsonl", begin.step())), true)) {
            return AveragingRounds.train(config, begin, stopAfter, layout, heldOut, new AveragingRounds.Driver() {
                @Override
                public AveragingRounds.Ran round(RoundStart start, String description) {
                    long before = System.nanoTime();
                    jsc.setJobDescription(description);
                    Broadcast<RoundStart> state = jsc.broadcast(start.shared());
                    // Moments kept per worker travel one broadcast each: a task reads only its own worker's, so an
                    // executor fetches 2 × parameters per worker it runs, not every worker's. The driver holds them
                    // until the round ends, so a re-run task reads the same.
                    List<Broadcast<float[][]>> own = new ArrayList<>();
                    if (start.moments().size() > 1) {
                        for (float[][] pair : start.moments()) {
                            own.add(jsc.broadcast(pair));
                        }
                    }
                    double broadcastSeconds = (System.nanoTime() - before) / 1e9;
                    gpus.startRound();
                    try {
                        return new AveragingRounds.Ran(SparkRounds.round(train, state, own, config, ids, vocabSize,
                                maxSeqLength, fault, config.distributed().workers(), gpus), broadcastSeconds);
                    } finally {
                        gpus.endRound();
                        state.destroy();
                        own.forEach(Broadcast::destroy);
                    }
                }

                @Override
                public void checkpoint(TrainingState saved) {
                    try {
                        checkpoints.save(saved);
                    } catch (IOException | RuntimeException e) {
                        throw Failures.writing(e, out + "/checkpoints/" + Checkpoints.directoryName(saved.step()),
                                "the run keeps its earlier checkpoints; rerun to resume from the newest");
                    }
                }

                @Override
                public void trainLine(Map<String, Object> line) throws IOException {
                    gpus.addTo(line);
                    writeLine(metrics, line);
                }

                @Override
                public void heldOutLine(Map<String, Object> line) throws IOException {
                    writeLine(eval, line);
                }
            });
        }
    }

    /** One round on the cluster: every partition trains as one worker; the results meet in a tree aggregation. */
    private static RoundResult round(JavaRDD<PackedExample> train, Broadcast<RoundStart> state,
                                     List<Broadcast<float[][]>> ownMoments, ElectraConfig config,
                                     Pretraining.SpecialIds ids, int vocabSize, int maxSeqLength, String fault,
                                     int workers, Gpus.Bound gpus) {
        boolean averageMoments = state.value().averageMoments();
        try {
            Sum sum = train.mapPartitionsWithIndex((worker, examples) -> {
                List<PackedExample> mine = new ArrayList<>();
                examples.forEachRemaining(mine::add);
                // Before anything is built: ND4J's arrays of this thread go to the device Spark gave the task.
                gpus.bind(worker);
                ElectraModel model = WorkerModels.borrow(config, vocabSize, maxSeqLength);
                RoundStart start = state.value();
                float[][] moments = ownMoments.isEmpty() ? start.momentsOf(worker) : ownMoments.get(worker).value();
                WorkerResult result = ParameterAveraging.workerRound(config, model, ids, mine, start, worker, moments,
                        faultInjection(fault));
                WorkerModels.giveBack(config, vocabSize, maxSeqLength, model);
                return List.of(result).iterator();
            // The driver receives one aggregate whatever the number of workers: the tree's depth grows with it so each
            // merge combines at most a few partial sums, and the last merge runs on an executor
            // (finalAggregateOnExecutor, Spark 3.3+), not in the driver. A reduceByKey over slices of the vector (as
            // BigDL does) would spread the merging wider, but the driver would still receive every slice, and a
            // round's Sum also carries each worker's metrics and moments, which are not sliced.
            }, true).treeAggregate(new Sum(averageMoments), Sum::add, Sum::merge, RoundBytes.treeDepth(workers),
                    true);
            return sum.finish(workers);
        } catch (Exception e) {
            // Scala code throws SparkException without declaring it.
            if (!(e instanceof SparkException)) {
                throw e;
            }
            Throwable t = e;
            while (t != null) {
                if (t instanceof NonFiniteLossException n) {
                    throw n;
                }
                t = t.getCause();
            }
            if (String.valueOf(e.getMessage()).contains(NonFiniteLossException.class.getSimpleName())) {
                throw new IllegalStateException("pretrain stopped: a worker's loss became non-finite (details: "
                        + e.getMessage() + "); lower pretrain.learning-rate or resume from an earlier checkpoint", e);
            }
            throw new IllegalStateException("pretrain round failed after Spark's retries: " + e.getMessage(), e);
        }
    }

    /**
     * Refuses, before the first round, a run whose rounds cannot fit this driver: the one aggregate it receives per
     * round against {@code spark.driver.maxResultSize}, and what a round holds against this JVM's maximum heap (the
     * driver's: pretrain runs its loop here).
     */
    static void requireDriverFits(SparkSession spark, ElectraConfig config, long parameters) {
        RoundBytes round = Pretraining.roundBytes(config, parameters);
        long maxResultSize = spark.sparkContext().getConf().getSizeAsBytes("spark.driver.maxResultSize", "1g");
        round.requireFits(maxResultSize, Runtime.getRuntime().maxMemory());
        LOG.info("pretrain: a round sends {} bytes, each worker returns {}, the driver receives one aggregate of {} "
                        + "(spark.driver.maxResultSize {}) and holds at least {} (max heap {})",
                round.broadcastBytes(), round.returnBytes(), round.aggregateBytes(), maxResultSize,
                round.driverHeapBytes(), Runtime.getRuntime().maxMemory());
    }

    /**
     * The listener that injects {@link PretrainJob#INJECT_FAULT}'s failure, on the task's first attempt of the stage's
     * first attempt only: a killed executor loses its shuffle output, Spark then re-runs the whole stage, and task
     * attempt numbers start again at 0 in the new stage attempt (on YARN every replacement executor was killed).
     */
    private static ParameterAveraging.StepListener faultInjection(String fault) {
        if (fault.isEmpty()) {
            return ParameterAveraging.StepListener.NONE;
        }
        String[] parts = fault.split(":");
        if (parts.length < 2) {
            throw new IllegalArgumentException(INJECT_FAULT + " must be WORKER:STEP[:exit], got '" + fault + "'");
        }
        int worker = Integer.parseInt(parts[0]);
        long atStep = Long.parseLong(parts[1]);
        boolean exit = parts.length > 2 && parts[2].equals("exit");
        return (w, stepsDone) -> {
            TaskContext task = TaskContext.get();
            if (w == worker && stepsDone == atStep && task != null && task.attemptNumber() == 0
                    && task.stageAttemptNumber() == 0) {
                if (exit) {
                    LOG.warn("injected fault: worker {} kills its executor after step {}", w, stepsDone);
                    Runtime.getRuntime().halt(137);
                }
                throw new IllegalStateException("injected fault: worker " + w + " fails after step " + stepsDone);
            }
        };
    }

    private static void writeLine(FSDataOutputStream out, Map<String, Object> line) throws IOException {
        out.write(JSON.writeValueAsBytes(line));
        out.write('\n');
        out.hflush();
    }
}
