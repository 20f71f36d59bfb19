package dev.electra.pipeline.packing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DataFingerprintTest {

    /** The keys, their order and their values are those runs already recorded, so their resume checks still pass. */
    @Test
    void theMapIsWhatRunsRecorded() {
        DataFingerprint f = new DataFingerprint("abc", 128, 5000L, 4);
        assertEquals(List.of("vocab_sha256", "max_seq_length", "examples", "shards"), List.copyOf(f.toMap().keySet()));
        assertEquals(Map.of("vocab_sha256", "abc", "max_seq_length", 128, "examples", 5000L, "shards", 4), f.toMap());
    }

    @Test
    void anOlderRunRecordedTheVocabularyAlone() {
        assertEquals(Map.of(DataFingerprint.VOCAB_SHA256, "abc"), DataFingerprint.ofVocabulary("abc").toMap());
    }
}
