package dev.electra.pipeline.packing;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What identifies the shards a run trains on, recorded in its {@code _run.json} ({@code data_fingerprint}): a
 * resumed run must be given shards with the same values. The one place that names its keys; the resume check reads
 * the recorded map back by them.
 *
 * @param vocabSha256  the vocabulary's checksum (from prepare's manifest)
 * @param maxSeqLength the examples' sequence length, or null where a run recorded only the vocabulary
 * @param examples     the examples over all shards, or null likewise
 * @param shards       the number of shard files, or null likewise
 */
public record DataFingerprint(String vocabSha256, Integer maxSeqLength, Long examples, Integer shards) {
    /** The vocabulary checksum's key, which the resume check names as "shards of another vocabulary". */
    public static final String VOCAB_SHA256 = "vocab_sha256";

    /** The fingerprint of prepare's output: its manifest and the number of shard files found beside it. */
    public static DataFingerprint of(ShardManifest manifest, int shardFiles) {
        return new DataFingerprint(manifest.vocabSha256(), manifest.maxSeqLength(), manifest.examples(), shardFiles);
    }

    /** What runs written before the full fingerprint existed recorded: the vocabulary's checksum alone. */
    public static DataFingerprint ofVocabulary(String vocabSha256) {
        return new DataFingerprint(vocabSha256, null, null, null);
    }

    /** The fingerprint as {@code _run.json} holds it, keys in this order, absent values left out. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        put(m, VOCAB_SHA256, vocabSha256);
        put(m, "max_seq_length", maxSeqLength);
        put(m, "examples", examples);
        put(m, "shards", shards);
        return m;
    }

    private static void put(Map<String, Object> m, String key, Object value) {
        if (value != null) {
            m.put(key, value);
        }
    }
}
