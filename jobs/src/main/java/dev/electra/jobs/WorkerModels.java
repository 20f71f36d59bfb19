package dev.electra.jobs;

import dev.electra.pipeline.config.ElectraConfig;
import dev.electra.pipeline.model.ElectraModel;
import dev.electra.pipeline.train.Pretraining;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Models kept per JVM between rounds: building a SameDiff graph costs seconds, a round's task only loads the
 * broadcast parameters into one. A task borrows a model for its duration (graphs are not thread-safe, and an
 * executor runs several tasks at once) and gives it back; one whose task failed is dropped, not reused. Only the
 * current run's models are kept.
 */
final class WorkerModels {
    private static final Map<String, Queue<ElectraModel>> FREE = new ConcurrentHashMap<>();

    private WorkerModels() {}

    private static String key(ElectraConfig config, int vocabSize, int maxSeqLength) {
        return config.rendered() + "\u0000" + vocabSize + "\u0000" + maxSeqLength;
    }

    static ElectraModel borrow(ElectraConfig config, int vocabSize, int maxSeqLength) {
        String key = key(config, vocabSize, maxSeqLength);
        // Models of another run (an ablation's previous objective) would only hold native memory: dropped.
        FREE.keySet().removeIf(k -> !k.equals(key));
        ElectraModel model = FREE.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>()).poll();
        return model != null ? model : Pretraining.model(config, vocabSize, maxSeqLength);
    }

    static void giveBack(ElectraConfig config, int vocabSize, int maxSeqLength, ElectraModel model) {
        FREE.computeIfAbsent(key(config, vocabSize, maxSeqLength), k -> new ConcurrentLinkedQueue<>()).add(model);
    }
}
