package dev.electra.pipeline.packing;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code prepare} writes as {@code _manifest.json} beside its Parquet shards, and what pretrain reads back: one
 * list of fields for writer and readers. Keys are the fields in snake case, in this order; a field an older manifest
 * lacks ({@code special_ids} before it existed) is null here and left out when written, so an older manifest writes
 * back as it was read. Fields this version does not know are ignored.
 *
 * @param format       {@link #FORMAT}
 * @param columns      the shards' Parquet columns and their types
 * @param vocabSha256  the checksum of the vocabulary the ids come from (a run must be given the same vocabulary)
 * @param vocabSize    ids are below this
 * @param specialIds   the id of each special token ({@code [PAD]}, {@code [CLS]}, ...)
 * @param maxSeqLength every example's length is at most this
 * @param seed         the seed packing drew its random lengths and segment choices from
 * @param examples     examples in all shards
 * @param tokens       tokens in all shards (padding excluded)
 * @param statistics   {@link PackingStats#toMap()}: documents, sentences, lengths
 * @param skipped      input records skipped, by reason
 * @param shards       the shards in order: file name, examples, tokens
 * @param codeVersion  the version and commit that wrote the shards
 * @param config       the effective configuration (HOCON)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ShardManifest(String format, Map<String, String> columns, String vocabSha256, int vocabSize,
                            Map<String, Integer> specialIds, int maxSeqLength, long seed, long examples, long tokens,
                            Map<String, Object> statistics, Map<String, Long> skipped, List<Shard> shards,
                            String codeVersion, String config) {
    public static final String FILE_NAME = "_manifest.json";
    /** The shards' layout, named so that a later layout can be told from this one. */
    public static final String FORMAT = "electra-pretraining-shards/1";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public ShardManifest {
        columns = ordered(columns);
        specialIds = ordered(specialIds);
        statistics = ordered(statistics);
        skipped = ordered(skipped);
        shards = shards == null ? null : List.copyOf(shards);
    }

    /** One Parquet shard: its file name in the shards' directory, its examples and tokens. */
    public record Shard(String file, long examples, long tokens) { }

    /** A manifest from its JSON. */
    public static ShardManifest read(InputStream in) throws IOException {
        return JSON.readValue(in, ShardManifest.class);
    }

    /** The manifest's JSON, indented, as prepare writes it. */
    public byte[] toJson() throws IOException {
        return JSON.writeValueAsBytes(this);
    }

    /** The id of a special token; null when the manifest names none (written before it recorded them). */
    public Integer specialId(String token) {
        return specialIds == null ? null : specialIds.get(token);
    }

    /** The manifest's maps keep their order (the written JSON's) and cannot be changed. */
    private static <V> Map<String, V> ordered(Map<String, V> m) {
        return m == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(m));
    }
}
