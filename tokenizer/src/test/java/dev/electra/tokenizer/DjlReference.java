package dev.electra.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * HuggingFace tokenizers (Rust, through DJL) as the reference. Truncation and padding are removed
 * from the tokenizer.json (the langchain4j file pads and truncates to 128) and disabled in DJL.
 */
public final class DjlReference implements AutoCloseable {
    static final String BERT_RESOURCE = "/all-minilm-l6-v2-q-tokenizer.json";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final HuggingFaceTokenizer hf;

    /** One encoded example as HuggingFace gives it; spans in code points, null for template specials. */
    public record Ref(long[] ids, long[] typeIds, CharSpan[] spans, String[] tokens) {
        public int[] intIds() {
            return Arrays.stream(ids).mapToInt(x -> (int) x).toArray();
        }

        public int[] intTypeIds() {
            return Arrays.stream(typeIds).mapToInt(x -> (int) x).toArray();
        }
    }

    private DjlReference(HuggingFaceTokenizer hf) {
        this.hf = hf;
    }

    public static DjlReference load(byte[] tokenizerJson) {
        try {
            ObjectNode root = (ObjectNode) MAPPER.readTree(tokenizerJson);
            root.putNull("truncation");
            root.putNull("padding");
            Path file = Files.createTempFile("tokenizer", ".json");
            file.toFile().deleteOnExit();
            MAPPER.writeValue(file.toFile(), root);
            return new DjlReference(HuggingFaceTokenizer.newInstance(file,
                    Map.of("truncation", "false", "padding", "false")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] bertJson() {
        try (InputStream in = DjlReference.class.getResourceAsStream(BERT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(BERT_RESOURCE + " is not on the test classpath (langchain4j jar)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] toJson(TokenizerSpec spec) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            TokenizerJson.write(spec, out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static TokenizerSpec bertSpec() {
        return TokenizerJson.read(new ByteArrayInputStream(bertJson()), BERT_RESOURCE).spec();
    }

    public Ref encode(String text) {
        return ref(hf.encode(text));
    }

    public Ref encode(String a, String b) {
        return ref(hf.encode(a, b));
    }

    public Ref[] batchEncode(List<String> texts) {
        return Arrays.stream(hf.batchEncode(texts)).map(DjlReference::ref).toArray(Ref[]::new);
    }

    private static Ref ref(ai.djl.huggingface.tokenizers.Encoding e) {
        return new Ref(e.getIds(), e.getTypeIds(), e.getCharTokenSpans(), e.getTokens());
    }

    @Override
    public void close() {
        hf.close();
    }
}
