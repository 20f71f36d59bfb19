package dev.electra.jobs;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs the progress of long stages (tasks done of total, elapsed time, ETA) at most every
 * {@value #INTERVAL_SECONDS} seconds, since Spark's own console bar is turned off and its log is at WARN.
 */
final class ProgressListener extends SparkListener {
    private static final Logger LOG = LoggerFactory.getLogger(ProgressListener.class);
    private static final int INTERVAL_SECONDS = 10;

    private record Stage(String name, int tasks, long startNanos) {}

    private final Map<Integer, Stage> stages = new ConcurrentHashMap<>();
    private final Map<Integer, Integer> done = new ConcurrentHashMap<>();
    private volatile long lastLogNanos = System.nanoTime();

    @Override
    public void onStageSubmitted(SparkListenerStageSubmitted event) {
        var info = event.stageInfo();
        stages.put(info.stageId(), new Stage(info.name(), info.numTasks(), System.nanoTime()));
        done.put(info.stageId(), 0);
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd event) {
        int stageId = event.stageId();
        int finished = done.merge(stageId, 1, Integer::sum);
        Stage stage = stages.get(stageId);
        long now = System.nanoTime();
        if (stage == null || now - lastLogNanos < INTERVAL_SECONDS * 1_000_000_000L) {
            return;
        }
        lastLogNanos = now;
        double elapsed = (now - stage.startNanos()) / 1e9;
        double eta = finished == 0 ? Double.NaN : elapsed / finished * (stage.tasks() - finished);
        LOG.info("stage {} ({}): {}/{} tasks, {} s elapsed, ETA {} s", stageId, shortName(stage.name()), finished,
                stage.tasks(), Math.round(elapsed), Double.isNaN(eta) ? "?" : Long.toString(Math.round(eta)));
    }

    @Override
    public void onStageCompleted(SparkListenerStageCompleted event) {
        stages.remove(event.stageInfo().stageId());
        done.remove(event.stageInfo().stageId());
    }

    private static String shortName(String name) {
        int at = name.indexOf(" at ");
        return at > 0 ? name.substring(0, at) : name;
    }
}
