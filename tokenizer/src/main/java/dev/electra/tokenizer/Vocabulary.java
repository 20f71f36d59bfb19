package dev.electra.tokenizer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * A WordPiece vocabulary: an ordered list of distinct tokens, id = position (= line number − 1 in
 * vocab.txt). Always valid: [PAD] has id 0 and [UNK], [CLS], [SEP], [MASK] are present.
 *
 * <p>Serializable so Spark can ship it to tasks; only the token list travels and it is validated
 * again on arrival.
 */
public final class Vocabulary implements Serializable {
    private static final long serialVersionUID = 1L;

    private final List<String> tokens;
    private final Map<String, Integer> ids;
    private volatile String sha256;

    private Vocabulary(List<String> tokens, Map<String, Integer> ids) {
        this.tokens = tokens;
        this.ids = ids;
    }

    /** A vocabulary of {@code tokens} in id order; see {@link #of(List, String)}. */
    public static Vocabulary of(List<String> tokens) {
        return of(tokens, "vocabulary");
    }

    /**
     * A vocabulary of {@code tokens} in id order, checked as a vocab.txt named {@code sourceName}.
     *
     * @throws TokenizerException for an empty or multi-line token, white space at either end of a
     *     token (HuggingFace trims it when reading vocab.txt), a duplicate, or a missing special token
     */
    public static Vocabulary of(List<String> tokens, String sourceName) {
        Map<String, Integer> ids = new HashMap<>(tokens.size() * 2);
        for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i);
            int line = i + 1;
            if (t == null || t.isEmpty()) {
                throw new TokenizerException(sourceName + " line " + line + " is empty; expected one token per line");
            }
            if (t.indexOf('\n') >= 0 || t.indexOf('\r') >= 0) {
                throw new TokenizerException(sourceName + " line " + line + " holds a line break inside token '"
                        + escape(t) + "'; a token cannot span lines of vocab.txt");
            }
            if (UnicodeRules.isWhitespace(t.codePointAt(0))
                    || UnicodeRules.isWhitespace(t.codePointBefore(t.length()))) {
                throw new TokenizerException(sourceName + " line " + line + " token '" + escape(t)
                        + "' starts or ends with white space; tokens are single words without spaces");
            }
            Integer previous = ids.putIfAbsent(t, i);
            if (previous != null) {
                throw new TokenizerException(sourceName + " has token '" + escape(t) + "' twice, on lines "
                        + (previous + 1) + " and " + line + "; each token must appear once");
            }
        }
        String needs = "; a WordPiece vocabulary needs [PAD] (id 0), [UNK], [CLS], [SEP], [MASK]";
        for (String special : SpecialTokens.ALL) {
            if (!ids.containsKey(special)) {
                throw new TokenizerException(sourceName + " has no " + special + " token" + needs);
            }
        }
        int pad = ids.get(SpecialTokens.PAD);
        if (pad != 0) {
            throw new TokenizerException(sourceName + " has [PAD] on line " + (pad + 1) + " (id " + pad
                    + "), expected line 1 (id 0)" + needs);
        }
        return new Vocabulary(List.copyOf(tokens), ids);
    }

    /**
     * Reads vocab.txt: UTF-8, one token per line ("\n" or "\r\n"), id = line number − 1.
     *
     * @param sourceName where the bytes come from, for error messages (a path or URI)
     */
    public static Vocabulary read(InputStream in, String sourceName) {
        String text;
        byte[] bytes;
        try {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read vocab.txt at " + sourceName, e);
        }
        ByteBuffer input = ByteBuffer.wrap(bytes);
        CharBuffer output = CharBuffer.allocate(bytes.length);
        CoderResult result = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(input, output, true);
        if (result.isError()) {
            int at = input.position();
            int line = 1;
            for (int i = 0; i < at; i++) {
                if (bytes[i] == '\n') {
                    line++;
                }
            }
            throw new TokenizerException(String.format("vocab.txt at %s is not valid UTF-8: line %d (byte %d) holds "
                    + "the byte 0x%02X, which does not begin a UTF-8 character; expected one UTF-8 token per line",
                    sourceName, line, at, bytes[at] & 0xFF));
        }
        text = output.flip().toString();
        if (text.isEmpty()) {
            throw new TokenizerException("vocab.txt at " + sourceName + " is empty; expected one token per line");
        }
        List<String> lines = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl;
            int contentEnd = end > start && text.charAt(end - 1) == '\r' ? end - 1 : end;
            lines.add(text.substring(start, contentEnd));
            start = end + 1;
        }
        return of(lines, "vocab.txt at " + sourceName);
    }

    public static Vocabulary read(Path path) {
        try (InputStream in = Files.newInputStream(path)) {
            return read(in, path.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read vocab.txt at " + path, e);
        }
    }

    /** Writes vocab.txt: UTF-8, each token followed by "\n". Does not close {@code out}. */
    public void write(OutputStream out) throws IOException {
        out.write(bytes());
    }

    /** The id of {@code token}, or -1 if absent. */
    public int id(String token) {
        Integer id = ids.get(token);
        return id == null ? -1 : id;
    }

    public String token(int id) {
        if (id < 0 || id >= tokens.size()) {
            throw new TokenizerException("token id " + id + " is outside the vocabulary [0, " + tokens.size() + ")");
        }
        return tokens.get(id);
    }

    public boolean contains(String token) {
        return ids.containsKey(token);
    }

    public int size() {
        return tokens.size();
    }

    /** The tokens in id order (unmodifiable). */
    public List<String> tokens() {
        return tokens;
    }

    public int padId() {
        return 0;
    }

    public int unkId() {
        return ids.get(SpecialTokens.UNK);
    }

    public int clsId() {
        return ids.get(SpecialTokens.CLS);
    }

    public int sepId() {
        return ids.get(SpecialTokens.SEP);
    }

    public int maskId() {
        return ids.get(SpecialTokens.MASK);
    }

    /** SHA-256 (lowercase hex) of the vocab.txt bytes {@link #write} produces; names the vocabulary in manifests. */
    public String sha256() {
        String h = sha256;
        if (h == null) {
            try {
                h = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes()));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every Java platform has SHA-256", e);
            }
            sha256 = h;
        }
        return h;
    }

    private byte[] bytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(tokens.size() * 8);
        for (String t : tokens) {
            out.writeBytes(t.getBytes(StandardCharsets.UTF_8));
            out.write('\n');
        }
        return out.toByteArray();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Vocabulary v && tokens.equals(v.tokens);
    }

    @Override
    public int hashCode() {
        return tokens.hashCode();
    }

    @Override
    public String toString() {
        return "Vocabulary[" + tokens.size() + " tokens]";
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> {
            if (cp < 0x20 || cp == 0x7F || Character.isWhitespace(cp) || UnicodeRules.isWhitespace(cp)) {
                sb.append(String.format("\\u%04X", cp));
            } else {
                sb.appendCodePoint(cp);
            }
        });
        return sb.toString();
    }

    private Object writeReplace() {
        return new SerializedForm(tokens.toArray(new String[0]));
    }

    private void readObject(ObjectInputStream in) throws InvalidObjectException {
        throw new InvalidObjectException("a Vocabulary is deserialized through its serialized form");
    }

    /** What travels: the token list alone, validated again by {@link #of} on arrival. */
    private record SerializedForm(String[] tokens) implements Serializable {
        private Object readResolve() {
            return Vocabulary.of(List.of(tokens), "deserialized vocabulary");
        }
    }
}
