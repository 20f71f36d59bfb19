package dev.electra.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenizerJsonTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void readsTheBertUncasedFile() {
        TokenizerJson.Loaded loaded = TokenizerJson.read(new ByteArrayInputStream(DjlReference.bertJson()), "bert");
        assertEquals(30522, loaded.vocabulary().size());
        assertEquals(NormalizerOptions.bertUncased(), loaded.normalizer(), "strip_accents null follows lowercase");
        assertEquals(100, loaded.maxInputCharsPerWord());
        assertEquals(0, loaded.vocabulary().id("[PAD]"));
        assertEquals(100, loaded.vocabulary().unkId());
        assertEquals(101, loaded.vocabulary().clsId());
        assertEquals(102, loaded.vocabulary().sepId());
        assertEquals(103, loaded.vocabulary().maskId());
    }

    @Test
    void writtenFileLoadsInHuggingFaceAndGivesOurIds() {
        for (NormalizerOptions options : List.of(NormalizerOptions.bertUncased(), NormalizerOptions.bertCased())) {
            TokenizerSpec spec = new TokenizerSpec(Fixtures.smallVocabulary(), options);
            BertTokenizer ours = spec.build();
            try (DjlReference hf = DjlReference.load(DjlReference.toJson(spec))) {
                List<String> cases = Fixtures.hardCases();
                for (int i = 0; i < cases.size(); i++) {
                    String a = cases.get(i);
                    DjlParityTest.assertParity(ours.encode(a), hf.encode(a), a, null);
                    String b = cases.get((i + 5) % cases.size());
                    DjlParityTest.assertParity(ours.encode(a, b), hf.encode(a, b), a, b);
                }
            }
        }
    }

    @Test
    void writeThenReadRoundTrips() {
        TokenizerSpec spec = new TokenizerSpec(Fixtures.smallVocabulary(), new NormalizerOptions(true, false, true, false), 50);
        TokenizerJson.Loaded back = TokenizerJson.read(new ByteArrayInputStream(DjlReference.toJson(spec)), "memory");
        assertEquals(spec, back.spec());
    }

    @Test
    void otherPipelinesAreRejectedWithTheReason() throws Exception {
        assertTrue(rejected(r -> ((ObjectNode) r.get("model")).put("type", "BPE")).contains("model of type \"BPE\""));
        assertTrue(rejected(r -> ((ObjectNode) r.get("normalizer")).put("type", "NFKC"))
                .contains("normalizer of type \"NFKC\""));
        assertTrue(rejected(r -> r.putNull("normalizer")).contains("normalizer null"));
        assertTrue(rejected(r -> ((ObjectNode) r.get("pre_tokenizer")).put("type", "Whitespace"))
                .contains("pre_tokenizer"));
        assertTrue(rejected(r -> ((ObjectNode) r.get("model")).put("continuing_subword_prefix", "@@"))
                .contains("continuing_subword_prefix"));
        assertTrue(rejected(r -> ((ObjectNode) r.withArray("added_tokens").get(0)).put("content", "<s>"))
                .contains("'<s>'"));
        assertTrue(rejected(r -> ((ObjectNode) r.get("model").get("vocab")).put("the", 5)).contains("id 5"));
        String notJson = assertThrows(TokenizerException.class, () -> TokenizerJson.read(
                new ByteArrayInputStream("{".getBytes(StandardCharsets.UTF_8)), "/x/tokenizer.json")).getMessage();
        assertTrue(notJson.contains("/x/tokenizer.json is not valid JSON"), notJson);
    }

    private static String rejected(java.util.function.Consumer<ObjectNode> edit) throws Exception {
        ObjectNode root = (ObjectNode) MAPPER.readTree(DjlReference.bertJson());
        edit.accept(root);
        byte[] bytes = MAPPER.writeValueAsBytes(root);
        return assertThrows(TokenizerException.class,
                () -> TokenizerJson.read(new ByteArrayInputStream(bytes), "/x/tokenizer.json")).getMessage();
    }
}
