package dev.electra.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.electra.pipeline.distributed.PayloadPrecision;
import dev.electra.pipeline.distributed.WorkerPayload;
import dev.electra.pipeline.packing.PackedExample;
import dev.electra.pipeline.train.ParameterAveraging;
import dev.electra.pipeline.train.StepMetrics;
import dev.electra.tokenizer.Vocabulary;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import scala.reflect.ClassTag$;

/**
 * What the jobs broadcast and shuffle survives Spark's Kryo serializer with our registrations, as on a cluster
 * (local mode hands broadcasts over without serializing them, so only a cluster would notice otherwise).
 */
class KryoRegistrationsTest {
    private final SerializerInstance kryo = new KryoSerializer(new SparkConf()
            .set("spark.kryo.registrator", KryoRegistrations.class.getName())).newInstance();

    @SuppressWarnings("unchecked")
    private <T> T roundTrip(T value) {
        var tag = ClassTag$.MODULE$.<T>apply((Class<T>) value.getClass());
        return kryo.deserialize(kryo.serialize(value, tag), tag);
    }

    @Test
    void vocabularyExamplesAndAveragingRounds() {
        Vocabulary v = Vocabulary.of(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "##b"));
        assertEquals(v.tokens(), roundTrip(v).tokens());

        PackedExample e = new PackedExample(new int[] {2, 7, 3}, new byte[] {0, 0, 0});
        assertArrayEquals(e.inputIds(), roundTrip(e).inputIds());

        ParameterAveraging.RoundStart start = new ParameterAveraging.RoundStart(4, 2, new float[] {1, 2},
                List.<float[][]>of(new float[][] {{3, 4}, {5, 6}}),
                List.of(new ParameterAveraging.DataPosition(1, 9)), new dev.electra.pipeline.checkpoint.ParameterLayout(
                        List.of(new dev.electra.pipeline.checkpoint.ParameterLayout.Tensor("w", new long[] {2}, 0))),
                true);
        ParameterAveraging.RoundStart back = roundTrip(start);
        assertEquals(start.layout().tensors().get(0).toString(), back.layout().tensors().get(0).toString());
        assertArrayEquals(start.params(), back.params());
        assertArrayEquals(start.moments().get(0)[1], back.moments().get(0)[1]);
        assertEquals(start.positions(), back.positions());

        StepMetrics m = new StepMetrics(6, 1e-3, 2.5, Map.of("generator", 2.0), 2.0, 0.1, 0.01, 0.9, 0.5, 0.4,
                0.7, 0.12, Double.NaN, Double.NaN, 1.0, 512, 0.25);
        ParameterAveraging.Sum sum = new ParameterAveraging.Sum(true).add(
                new ParameterAveraging.WorkerResult(0, 4, new WorkerPayload(new float[] {1, 2}, null),
                        new float[] {0, 0}, new float[] {1, 1}, List.of(m), new ParameterAveraging.DataPosition(0, 4),
                        0.3));
        assertArrayEquals(new float[] {1, 2}, roundTrip(sum).finish(1).mean().meanAsFloat());
        // A bfloat16 payload (the change of the round) and a worker's own moments, broadcast apart.
        ParameterAveraging.Sum changes = new ParameterAveraging.Sum(false).add(
                new ParameterAveraging.WorkerResult(0, 4, WorkerPayload.of(new float[] {1, 2}, new float[] {1.5f, 2},
                        PayloadPrecision.BFLOAT16), new float[] {0, 0}, new float[] {1, 1}, List.of(m),
                        new ParameterAveraging.DataPosition(0, 4), 0.3));
        ParameterAveraging.RoundResult r = roundTrip(changes).finish(1);
        assertTrue(r.mean().ofChanges());
        assertEquals(0.5, r.mean().mean(0));
        assertArrayEquals(new float[] {1, 1}, r.moments().get(0)[1]);
        float[][] own = {{3, 4}, {5, 6}};
        assertArrayEquals(own[1], roundTrip(own)[1]);
    }
}
