package dev.electra.jobs;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import dev.electra.jobs.io.CorpusInput;
import dev.electra.pipeline.eval.FineTuner;
import dev.electra.pipeline.packing.PackedExample;
import dev.electra.pipeline.train.ParameterAveraging;
import dev.electra.pipeline.train.StepMetrics;
import dev.electra.tokenizer.Vocabulary;
import org.apache.spark.serializer.KryoRegistrator;

/**
 * Kryo serializers for what the jobs shuffle: examples, their keys, corpus records and averaging rounds. Java serialization of
 * these records dominated the packing stage's shuffles; Kryo 4 cannot set the final fields of Java records by
 * itself, so each type is written explicitly.
 */
public final class KryoRegistrations implements KryoRegistrator {

    @Override
    public void registerClasses(Kryo kryo) {
        // Broadcasts go through Kryo on a cluster (local mode hands over the object itself). The averaging rounds
        // move a few large float arrays: Java serialization writes them in bulk and handles records; the
        // vocabulary has its own compact serialized form; score's model is one float array and two small records.
        // These types go through Java serialization.
        for (Class<?> type : new Class<?>[] {Vocabulary.class, ParameterAveraging.RoundStart.class,
            ParameterAveraging.WorkerResult.class, ParameterAveraging.Sum.class, ParameterAveraging.DataPosition.class,
            ParameterAveraging.WorkerSummary.class, StepMetrics.class, FineTuner.Result.class, ScoreJob.Scorer.class}) {
            kryo.register(type, new JavaSerializer());
        }
        kryo.register(PackedExample.class, new Serializer<PackedExample>() {
            @Override
            public void write(Kryo k, Output out, PackedExample e) {
                out.writeInt(e.length(), true);
                out.writeInts(e.inputIds(), true);
                out.writeBytes(e.segmentIds());
            }

            @Override
            public PackedExample read(Kryo k, Input in, Class<PackedExample> type) {
                int n = in.readInt(true);
                return new PackedExample(in.readInts(n, true), in.readBytes(n));
            }
        });
        kryo.register(PrepareJob.ExampleKey.class, new Serializer<PrepareJob.ExampleKey>() {
            @Override
            public void write(Kryo k, Output out, PrepareJob.ExampleKey key) {
                out.writeInt(key.shard(), true);
                out.writeLong(key.document(), true);
                out.writeInt(key.index(), true);
            }

            @Override
            public PrepareJob.ExampleKey read(Kryo k, Input in, Class<PrepareJob.ExampleKey> type) {
                return new PrepareJob.ExampleKey(in.readInt(true), in.readLong(true), in.readInt(true));
            }
        });
        kryo.register(CorpusInput.Record.class, new Serializer<CorpusInput.Record>() {
            @Override
            public void write(Kryo k, Output out, CorpusInput.Record r) {
                out.writeInt(r.file(), true);
                out.writeLong(r.position(), true);
                out.writeString(r.text());
                out.writeByte(r.status().ordinal());
                out.writeBoolean(r.startsDocument());
            }

            @Override
            public CorpusInput.Record read(Kryo k, Input in, Class<CorpusInput.Record> type) {
                return new CorpusInput.Record(in.readInt(true), in.readLong(true), in.readString(),
                        CorpusInput.Status.values()[in.readByte()], in.readBoolean());
            }
        });
    }
}
