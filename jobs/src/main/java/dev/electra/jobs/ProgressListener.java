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
    private final Map<Integer, long[]> taskTimes = new ConcurrentHashMap<>();
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
        var metrics = event.taskMetrics();
        if (metrics != null) {
            long[] t = taskTimes.computeIfAbsent(stageId, k -> new long[3]);
            synchronized (t) {
                t[0] += metrics.executorRunTime();
                t[1] += metrics.jvmGCTime();
                t[2] += metrics.executorCpuTime() / 1_000_000;
            }
        }
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
        var info = event.stageInfo();
        Stage stage = stages.remove(info.stageId());
        done.remove(info.stageId());
        long[] t = taskTimes.remove(info.stageId());
        if (stage != null && t != null) {
            LOG.debug("stage {} ({}) finished: {} tasks in {} s; task time {} s (CPU {} s, GC {} s)", info.stageId(),
                    shortName(stage.name()), stage.tasks(),
                    String.format("%.1f", (System.nanoTime() - stage.startNanos()) / 1e9),
                    String.format("%.1f", t[0] / 1e3), String.format("%.1f", t[2] / 1e3), String.format("%.1f", t[1] / 1e3));
        }
    }

    private static String shortName(String name) {
        int at = name.indexOf(" at ");
        return at > 0 ? name.substring(0, at) : name;
    }
}
