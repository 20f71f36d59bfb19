package dev.electra.tokenizer;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * HuggingFace tokenizer.json for the BERT pipeline: written so HuggingFace tokenizers (Python, Rust,
 * DJL) load it unchanged and give {@link BertTokenizer}'s ids, and read back from such files
 * (for instance bert-base-uncased's).
 *
 * <p>Only what this package implements is accepted on reading: a {@code BertNormalizer}, a
 * {@code BertPreTokenizer}, a {@code WordPiece} model with "##" and [UNK], the BERT template
 * post-processor, and the five special tokens as the only added tokens. Truncation and padding
 * settings are ignored (example packing decides lengths); the decoder does not affect ids.
 */
public final class TokenizerJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /**
     * What a tokenizer.json defines.
     *
     * @param vocabulary the WordPiece vocabulary, ids as in the file
     * @param normalizer normalizer switches; {@code strip_accents: null} read as "follow lowercase"
     * @param maxInputCharsPerWord the WordPiece word length limit
     */
    public record Loaded(Vocabulary vocabulary, NormalizerOptions normalizer, int maxInputCharsPerWord) {
        public TokenizerSpec spec() {
            return new TokenizerSpec(vocabulary, normalizer, maxInputCharsPerWord);
        }
    }

    private TokenizerJson() {
    }

    public static void write(Vocabulary vocabulary, NormalizerOptions options, OutputStream out) throws IOException {
        write(new TokenizerSpec(vocabulary, options), out);
    }

    /** Writes the tokenizer.json of {@code spec} as UTF-8. Does not close {@code out}. */
    public static void write(TokenizerSpec spec, OutputStream out) throws IOException {
        Vocabulary v = spec.vocabulary();
        NormalizerOptions o = spec.normalizer();
        JsonGenerator g = new JsonFactory().createGenerator(out, JsonEncoding.UTF8);
        g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        g.useDefaultPrettyPrinter();
        g.writeStartObject();
        g.writeStringField("version", "1.0");
        g.writeNullField("truncation");
        g.writeNullField("padding");
        g.writeArrayFieldStart("added_tokens");
        int[] specialIds = SpecialTokens.ALL.stream().mapToInt(v::id).sorted().toArray();
        for (int id : specialIds) {
            g.writeStartObject();
            g.writeNumberField("id", id);
            g.writeStringField("content", v.token(id));
            g.writeBooleanField("single_word", false);
            g.writeBooleanField("lstrip", false);
            g.writeBooleanField("rstrip", false);
            g.writeBooleanField("normalized", false);
            g.writeBooleanField("special", true);
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeObjectFieldStart("normalizer");
        g.writeStringField("type", "BertNormalizer");
        g.writeBooleanField("clean_text", o.cleanText());
        g.writeBooleanField("handle_chinese_chars", o.handleChineseChars());
        g.writeBooleanField("strip_accents", o.stripAccents());
        g.writeBooleanField("lowercase", o.lowercase());
        g.writeEndObject();
        g.writeObjectFieldStart("pre_tokenizer");
        g.writeStringField("type", "BertPreTokenizer");
        g.writeEndObject();
        writeTemplate(g, v);
        g.writeObjectFieldStart("decoder");
        g.writeStringField("type", "WordPiece");
        g.writeStringField("prefix", SpecialTokens.CONTINUATION_PREFIX);
        g.writeBooleanField("cleanup", true);
        g.writeEndObject();
        g.writeObjectFieldStart("model");
        g.writeStringField("type", "WordPiece");
        g.writeStringField("unk_token", SpecialTokens.UNK);
        g.writeStringField("continuing_subword_prefix", SpecialTokens.CONTINUATION_PREFIX);
        g.writeNumberField("max_input_chars_per_word", spec.maxInputCharsPerWord());
        g.writeObjectFieldStart("vocab");
        List<String> tokens = v.tokens();
        for (int id = 0; id < tokens.size(); id++) {
            g.writeNumberField(tokens.get(id), id);
        }
        g.writeEndObject();
        g.writeEndObject();
        g.writeEndObject();
        g.flush();
    }

    private static void writeTemplate(JsonGenerator g, Vocabulary v) throws IOException {
        g.writeObjectFieldStart("post_processor");
        g.writeStringField("type", "TemplateProcessing");
        g.writeArrayFieldStart("single");
        writePiece(g, "SpecialToken", SpecialTokens.CLS, 0);
        writePiece(g, "Sequence", "A", 0);
        writePiece(g, "SpecialToken", SpecialTokens.SEP, 0);
        g.writeEndArray();
        g.writeArrayFieldStart("pair");
        writePiece(g, "SpecialToken", SpecialTokens.CLS, 0);
        writePiece(g, "Sequence", "A", 0);
        writePiece(g, "SpecialToken", SpecialTokens.SEP, 0);
        writePiece(g, "Sequence", "B", 1);
        writePiece(g, "SpecialToken", SpecialTokens.SEP, 1);
        g.writeEndArray();
        g.writeObjectFieldStart("special_tokens");
        for (String t : List.of(SpecialTokens.CLS, SpecialTokens.SEP)) {
            g.writeObjectFieldStart(t);
            g.writeStringField("id", t);
            g.writeArrayFieldStart("ids");
            g.writeNumber(v.id(t));
            g.writeEndArray();
            g.writeArrayFieldStart("tokens");
            g.writeString(t);
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void writePiece(JsonGenerator g, String kind, String id, int typeId) throws IOException {
        g.writeStartObject();
        g.writeObjectFieldStart(kind);
        g.writeStringField("id", id);
        g.writeNumberField("type_id", typeId);
        g.writeEndObject();
        g.writeEndObject();
    }

    /**
     * Reads a BERT WordPiece tokenizer.json.
     *
     * @param sourceName where the bytes come from, for error messages
     * @throws TokenizerException if the file is not JSON or describes anything but the BERT pipeline
     */
    public static Loaded read(InputStream in, String sourceName) {
        JsonNode root;
        try {
            root = MAPPER.readTree(in);
        } catch (JsonProcessingException e) {
            throw new TokenizerException("tokenizer.json at " + sourceName + " is not valid JSON: "
                    + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenizer.json at " + sourceName, e);
        }
        String where = "tokenizer.json at " + sourceName;
        if (root == null || !root.isObject()) {
            throw new TokenizerException(where + " is not a JSON object");
        }
        JsonNode model = root.path("model");
        expectType(model, "WordPiece", where, "model");
        expectText(model, "unk_token", SpecialTokens.UNK, where);
        expectText(model, "continuing_subword_prefix", SpecialTokens.CONTINUATION_PREFIX, where);
        JsonNode maxChars = model.path("max_input_chars_per_word");
        if (!maxChars.canConvertToInt() || maxChars.asInt() < 1) {
            throw new TokenizerException(where + " has model.max_input_chars_per_word " + maxChars
                    + ", expected a positive integer");
        }
        Vocabulary vocabulary = readVocab(model.path("vocab"), where);
        NormalizerOptions normalizer = readNormalizer(root.path("normalizer"), where);
        expectType(root.path("pre_tokenizer"), "BertPreTokenizer", where, "pre_tokenizer");
        checkPostProcessor(root.path("post_processor"), vocabulary, where);
        checkAddedTokens(root.path("added_tokens"), vocabulary, where);
        return new Loaded(vocabulary, normalizer, maxChars.asInt());
    }

    private static Vocabulary readVocab(JsonNode vocab, String where) {
        if (!vocab.isObject() || vocab.isEmpty()) {
            throw new TokenizerException(where + " has no model.vocab object of token → id");
        }
        String[] tokens = new String[vocab.size()];
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode id = e.getValue();
            if (!id.canConvertToInt() || id.asInt() < 0 || id.asInt() >= tokens.length) {
                throw new TokenizerException(where + " gives token '" + Vocabulary.escape(e.getKey()) + "' id " + id
                        + ", expected 0 to " + (tokens.length - 1) + " (ids must be 0..size-1)");
            }
            int i = id.asInt();
            if (tokens[i] != null) {
                throw new TokenizerException(where + " gives id " + i + " to both '" + Vocabulary.escape(tokens[i])
                        + "' and '" + Vocabulary.escape(e.getKey()) + "'");
            }
            tokens[i] = e.getKey();
        }
        return Vocabulary.of(Arrays.asList(tokens), where + " model.vocab (line = id + 1)");
    }

    private static NormalizerOptions readNormalizer(JsonNode n, String where) {
        expectType(n, "BertNormalizer", where, "normalizer");
        boolean clean = flag(n, "clean_text", where);
        boolean cjk = flag(n, "handle_chinese_chars", where);
        boolean lower = flag(n, "lowercase", where);
        JsonNode strip = n.path("strip_accents");
        if (strip.isNull() || strip.isMissingNode()) {
            return NormalizerOptions.followingLowercase(clean, cjk, lower);
        }
        return new NormalizerOptions(clean, cjk, flag(n, "strip_accents", where), lower);
    }

    private static boolean flag(JsonNode n, String field, String where) {
        JsonNode v = n.path(field);
        if (!v.isBoolean()) {
            throw new TokenizerException(where + " has normalizer." + field + " " + v + ", expected true or false");
        }
        return v.booleanValue();
    }

    private static void checkPostProcessor(JsonNode p, Vocabulary v, String where) {
        String type = p.path("type").asText("");
        if (type.equals("BertProcessing")) {
            checkPair(p.path("cls"), SpecialTokens.CLS, v, where);
            checkPair(p.path("sep"), SpecialTokens.SEP, v, where);
            return;
        }
        if (!type.equals("TemplateProcessing")) {
            throw new TokenizerException(where + " has post_processor " + brief(p)
                    + ", expected TemplateProcessing [CLS] $A [SEP] / [CLS] $A [SEP] $B:1 [SEP]:1");
        }
        String single = template(p.path("single"));
        String pair = template(p.path("pair"));
        if (!single.equals("[CLS]:0 A:0 [SEP]:0") || !pair.equals("[CLS]:0 A:0 [SEP]:0 B:1 [SEP]:1")) {
            throw new TokenizerException(where + " has post_processor templates '" + single + "' and '" + pair
                    + "', expected '[CLS]:0 A:0 [SEP]:0' and '[CLS]:0 A:0 [SEP]:0 B:1 [SEP]:1'");
        }
        for (String t : List.of(SpecialTokens.CLS, SpecialTokens.SEP)) {
            JsonNode ids = p.path("special_tokens").path(t).path("ids");
            if (ids.size() != 1 || ids.get(0).asInt(-1) != v.id(t)) {
                throw new TokenizerException(where + " has post_processor ids " + ids + " for " + t
                        + ", expected [" + v.id(t) + "] as in model.vocab");
            }
        }
    }

    private static void checkPair(JsonNode pair, String token, Vocabulary v, String where) {
        if (!pair.path(0).asText("").equals(token) || pair.path(1).asInt(-1) != v.id(token)) {
            throw new TokenizerException(where + " has BertProcessing " + pair + " for " + token
                    + ", expected [\"" + token + "\", " + v.id(token) + "]");
        }
    }

    private static String template(JsonNode pieces) {
        List<String> parts = new ArrayList<>();
        for (JsonNode piece : pieces) {
            JsonNode s = piece.has("SpecialToken") ? piece.get("SpecialToken") : piece.path("Sequence");
            parts.add(s.path("id").asText("?") + ":" + s.path("type_id").asInt(-1));
        }
        return String.join(" ", parts);
    }

    private static void checkAddedTokens(JsonNode added, Vocabulary v, String where) {
        List<String> seen = new ArrayList<>();
        for (JsonNode t : added) {
            String content = t.path("content").asText("");
            if (!SpecialTokens.isSpecial(content)) {
                throw new TokenizerException(where + " has added token '" + Vocabulary.escape(content)
                        + "'; only " + SpecialTokens.ALL + " are supported as added tokens");
            }
            if (t.path("id").asInt(-1) != v.id(content)) {
                throw new TokenizerException(where + " has added token " + content + " with id " + t.path("id")
                        + ", but model.vocab gives it id " + v.id(content));
            }
            for (String f : List.of("single_word", "lstrip", "rstrip", "normalized")) {
                if (t.path(f).asBoolean(false)) {
                    throw new TokenizerException(where + " has added token " + content + " with " + f
                            + ": true, expected false (BERT special tokens match the raw text exactly)");
                }
            }
            seen.add(content);
        }
        for (String s : SpecialTokens.ALL) {
            if (!seen.contains(s)) {
                throw new TokenizerException(where + " does not list " + s + " in added_tokens; expected all of "
                        + SpecialTokens.ALL + " so that their literal text maps to their ids");
            }
        }
    }

    private static void expectType(JsonNode n, String type, String where, String field) {
        if (!n.path("type").asText("").equals(type)) {
            throw new TokenizerException(where + " has " + field + " " + brief(n) + ", expected type " + type
                    + " (only the BERT WordPiece pipeline is supported)");
        }
    }

    private static void expectText(JsonNode n, String field, String expected, String where) {
        if (!n.path(field).asText("").equals(expected)) {
            throw new TokenizerException(where + " has model." + field + " " + n.path(field) + ", expected \""
                    + expected + "\"");
        }
    }

    private static String brief(JsonNode n) {
        if (n.isMissingNode() || n.isNull()) {
            return "null";
        }
        return n.has("type") ? "of type " + n.get("type") : "without a \"type\"";
    }
}
