package dev.electra.jobs;

import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.model.kernels.Backends;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds or joins the Spark session of a job; the only place that decides Spark settings. */
public final class Sparks {
    private static final Logger LOG = LoggerFactory.getLogger(Sparks.class);
    /**
     * CoreNLP's tokenizer is one huge generated method that HotSpot leaves interpreted by default: compiled,
     * sentence splitting runs twice as fast and scales with the cores of an executor.
     */
    static final String COMPILE_HUGE_METHODS = "-XX:-DontCompileHugeMethods";
    /** Training's fused float kernels use the Java Vector API; without the module they fall back to ND4J's calls. */
    static final String VECTOR_API = "--add-modules=jdk.incubator.vector";
    /** OpenBLAS's spin before its threads sleep; set to its shortest for executors (bin/lib/common.sh says why). */
    static final String OPENBLAS_THREAD_TIMEOUT = "OPENBLAS_THREAD_TIMEOUT";

    private static boolean progressListening;

    private Sparks() {}

    private static void appendJavaOption(SparkConf conf, String key, String option) {
        String current = conf.get(key, "");
        if (!current.contains(option)) {
            conf.set(key, (current + " " + option).strip());
        }
    }

    /**
     * The active session if there is one (tests share one), otherwise a new one. Under spark-submit the master
     * it was given wins; on bin/electra it comes from {@code spark.master} in the config.
     */
    public static SparkSession session(ElectraConfig config, String appName) {
        SparkConf conf = new SparkConf();
        if (!conf.contains("spark.master")) {
            conf.setMaster(config.spark().master());
        }
        conf.setIfMissing("spark.app.name", "electra " + appName);
        // The jobs print their own progress lines; Spark's console bar would interleave with them.
        conf.setIfMissing("spark.ui.showConsoleProgress", "false");
        conf.setIfMissing("spark.sql.shuffle.partitions", "16");
        conf.setIfMissing("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
        conf.setIfMissing("spark.kryo.registrator", KryoRegistrations.class.getName());
        config.spark().properties().forEach(conf::set);
        int gpus = config.distributed().gpusPerWorker();
        if (gpus > 0) {
            Gpus.schedule(conf, gpus, Backends.cpu(), Backends.name());
        }
        String master = conf.get("spark.master");
        if (master.startsWith("yarn") || master.startsWith("k8s")) {
            // One executor per worker, as a standalone cluster gives one per Worker: each averaging task its own JVM.
            conf.setIfMissing("spark.executor.instances", String.valueOf(config.distributed().workers()));
        }
        appendJavaOption(conf, "spark.executor.extraJavaOptions", COMPILE_HUGE_METHODS);
        appendJavaOption(conf, "spark.executor.extraJavaOptions", VECTOR_API);
        // OpenBLAS's threads would otherwise spin on the executor's cores after each GEMM (bin/lib/common.sh)
        conf.setIfMissing("spark.executorEnv." + OPENBLAS_THREAD_TIMEOUT, "4");
        SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
        spark.sparkContext().setLogLevel(config.spark().logLevel());
        if (master.startsWith("yarn")) {
            String app = spark.sparkContext().applicationId();
            LOG.info("YARN application {}; its logs (driver and executors): yarn logs -applicationId {} (with "
                    + "yarn.log-aggregation-enable), or on each NodeManager under yarn.nodemanager.log-dirs/{}",
                    app, app, app);
        }
        synchronized (Sparks.class) {
            if (!progressListening) {
                spark.sparkContext().addSparkListener(new ProgressListener());
                progressListening = true;
            }
        }
        return spark;
    }
}
