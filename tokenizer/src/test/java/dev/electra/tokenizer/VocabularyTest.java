package dev.electra.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class VocabularyTest {
    private static final String GOOD = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\n##s\n";

    private static Vocabulary read(String text) {
        return Vocabulary.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), "/x/vocab.txt");
    }

    private static String error(String text) {
        return assertThrows(TokenizerException.class, () -> read(text)).getMessage();
    }

    @Test
    void readsOneTokenPerLineWithIdsFromZero() {
        Vocabulary v = read(GOOD);
        assertEquals(7, v.size());
        assertEquals(0, v.id("[PAD]"));
        assertEquals(5, v.id("the"));
        assertEquals("##s", v.token(6));
        assertEquals(-1, v.id("absent"));
        assertEquals(1, v.unkId());
        assertEquals(4, v.maskId());
        assertEquals(v, read(GOOD.replace("\n", "\r\n")), "CRLF line ends");
        assertEquals(v, read(GOOD.substring(0, GOOD.length() - 1)), "no final newline");
    }

    @Test
    void writeThenReadGivesTheSameVocabularyAndChecksum() throws IOException {
        Vocabulary v = read(GOOD + "café\n中\n😀\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        v.write(out);
        assertEquals(GOOD + "café\n中\n😀\n", out.toString(StandardCharsets.UTF_8));
        assertEquals(v, read(out.toString(StandardCharsets.UTF_8)));
        assertEquals(v.sha256(), read(out.toString(StandardCharsets.UTF_8)).sha256());
        assertEquals(64, v.sha256().length());
        assertNotEquals(v.sha256(), read(GOOD).sha256());
    }

    @Test
    void sha256IsOfTheFileBytes() {
        assertEquals(sha256Hex(GOOD), read(GOOD).sha256());
    }

    private static String sha256Hex(String s) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void duplicateNamesBothLines() {
        String m = error(GOOD + "the\n");
        assertTrue(m.contains("/x/vocab.txt") && m.contains("'the'") && m.contains("lines 6 and 8"), m);
    }

    @Test
    void emptyLineIsAnError() {
        String m = error("[PAD]\n[UNK]\n\n[CLS]\n[SEP]\n[MASK]\n");
        assertTrue(m.contains("/x/vocab.txt line 3 is empty"), m);
        assertTrue(error("").contains("is empty"));
        assertTrue(error(GOOD + "\n").contains("line 8 is empty"), "a blank last line");
    }

    @Test
    void missingSpecialsAreNamed() {
        String m = error("[PAD]\n[CLS]\n[SEP]\n[MASK]\n");
        assertEquals("vocab.txt at /x/vocab.txt has no [UNK] token; a WordPiece vocabulary needs [PAD] (id 0), "
                + "[UNK], [CLS], [SEP], [MASK]", m);
        String pad = error("[UNK]\n[PAD]\n[CLS]\n[SEP]\n[MASK]\n");
        assertTrue(pad.contains("[PAD] on line 2 (id 1), expected line 1 (id 0)"), pad);
    }

    @Test
    void tokensWithSpacesOrBadBytesAreRejected() {
        assertTrue(error(GOOD + "two words \n").contains("line 8"));
        byte[] bad = (GOOD + "x").getBytes(StandardCharsets.UTF_8);
        bad[bad.length - 1] = (byte) 0xFF;
        String m = assertThrows(TokenizerException.class,
                () -> Vocabulary.read(new ByteArrayInputStream(bad), "/x/vocab.txt")).getMessage();
        assertTrue(m.contains("vocab.txt at /x/vocab.txt is not valid UTF-8: line 8 (byte " + (bad.length - 1)
                + ") holds the byte 0xFF"), m);
        assertThrows(TokenizerException.class, () -> Vocabulary.of(List.of("[PAD]", "a\nb")));
    }

    @Test
    void tokenOutOfRangeIsAnError() {
        Vocabulary v = read(GOOD);
        assertThrows(TokenizerException.class, () -> v.token(7));
        assertThrows(TokenizerException.class, () -> v.token(-1));
    }

    @Test
    void tokensAreImmutable() {
        Vocabulary v = Vocabulary.of(new ArrayList<>(SpecialTokens.ALL));
        assertThrows(UnsupportedOperationException.class, () -> v.tokens().add("x"));
    }

    @Test
    void serializesAsItsTokenList() throws Exception {
        Vocabulary v = read(GOOD);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(v);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            Vocabulary back = (Vocabulary) in.readObject();
            assertEquals(v, back);
            assertEquals(5, back.id("the"));
        }
    }
}
