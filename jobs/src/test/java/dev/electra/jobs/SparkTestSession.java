package dev.electra.jobs;

import dev.electra.pipeline.config.ConfigLoader;
import dev.electra.pipeline.config.ElectraConfig;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/**
 * The one local Spark session all tests of this JVM share (starting one costs seconds): two threads, and a failed
 * task is tried twice, as on a cluster, so that the fault-injection tests see Spark's retry.
 */
public final class SparkTestSession {
    private static SparkSession session;

    private SparkTestSession() {}

    public static synchronized SparkSession get() {
        if (session == null) {
            ElectraConfig config = ConfigLoader.load(List.of("tiny"), List.of(
                    "spark.master=local[2,2]",
                    "spark.properties.\"spark.ui.enabled\"=false",
                    "spark.properties.\"spark.sql.shuffle.partitions\"=4",
                    "spark.properties.\"spark.driver.host\"=127.0.0.1"));
            session = Sparks.session(config, "tests");
        }
        return session;
    }

    /** The tiny configuration with extra {@code key=value} overrides. */
    public static ElectraConfig config(String... sets) {
        return ConfigLoader.load(List.of("tiny"), List.of(sets));
    }
}
