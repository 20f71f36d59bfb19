package dev.electra.tokenizer;

import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The BERT tokenizer: special-token matching, {@link BertNormalizer}, {@link BertPreTokenizer},
 * {@link WordPiece} and the template {@code [CLS] A [SEP]} / {@code [CLS] A [SEP] B [SEP]}; ids,
 * type ids and offsets equal HuggingFace tokenizers'.
 *
 * <p>As HuggingFace's added vocabulary, literal occurrences of the five special tokens in the raw
 * text ({@code [PAD] [UNK] [CLS] [SEP] [MASK]}, case-sensitive, anywhere, even inside a word)
 * are matched before normalization and become that token; the text between them is normalized
 * separately. "[cls]" is ordinary text.
 *
 * <p>Thread-safe and immutable. Serializable through its {@link TokenizerSpec}: the lookup tables
 * are rebuilt on arrival, so build it once per partition rather than per record either way.
 */
public final class BertTokenizer implements Serializable {
    private static final long serialVersionUID = 1L;

    private final TokenizerSpec spec;
    private final Vocabulary vocabulary;
    private final BertNormalizer normalizer;
    private final BertPreTokenizer preTokenizer = new BertPreTokenizer();
    private final WordPiece wordPiece;
    private final int[] specialIds;

    private BertTokenizer(TokenizerSpec spec) {
        this.spec = spec;
        this.vocabulary = spec.vocabulary();
        this.normalizer = new BertNormalizer(spec.normalizer());
        this.wordPiece = WordPiece.of(vocabulary, spec.maxInputCharsPerWord());
        this.specialIds = new int[SpecialTokens.ALL.size()];
        for (int i = 0; i < specialIds.length; i++) {
            specialIds[i] = vocabulary.id(SpecialTokens.ALL.get(i));
        }
    }

    public static BertTokenizer of(Vocabulary vocabulary, NormalizerOptions options) {
        return of(new TokenizerSpec(vocabulary, options));
    }

    public static BertTokenizer of(TokenizerSpec spec) {
        return new BertTokenizer(spec);
    }

    public TokenizerSpec spec() {
        return spec;
    }

    public Vocabulary vocabulary() {
        return vocabulary;
    }

    public BertNormalizer normalizer() {
        return normalizer;
    }

    /**
     * The normalized words of {@code text}, what a vocabulary trainer counts. Literal special tokens
     * are not words: they are already in every vocabulary.
     */
    public List<String> words(String text) {
        List<String> words = new ArrayList<>();
        IntList spans = new IntList(32);
        forEachSegment(text, (from, to, specialIndex) -> {
            if (specialIndex >= 0) {
                return;
            }
            NormalizedText n = normalizer.normalize(text, from, to);
            spans.truncate(0);
            preTokenizer.split(n.normalized(), spans);
            for (int i = 0; i < spans.size(); i += 2) {
                words.add(n.normalized().substring(spans.get(i), spans.get(i + 1)));
            }
        });
        return words;
    }

    /** WordPiece ids of {@code text} without [CLS]/[SEP], what example packing concatenates. */
    public int[] tokenIds(String text) {
        IntList triples = new IntList(64);
        tokenize(text, triples);
        int[] ids = new int[triples.size() / 3];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = triples.get(3 * i);
        }
        return ids;
    }

    /** {@code [CLS] text [SEP]}, all with type id 0. */
    public Encoding encode(String text) {
        return encode(text, null);
    }

    /**
     * {@code [CLS] a [SEP] b [SEP]}: type id 0 up to the first [SEP], 1 after. Offsets of b's tokens
     * are indices into {@code b}.
     */
    public Encoding encode(String a, String b) {
        IntList ta = new IntList(64);
        tokenize(a, ta);
        IntList tb = new IntList(b == null ? 0 : 64);
        if (b != null) {
            tokenize(b, tb);
        }
        int na = ta.size() / 3;
        int nb = tb.size() / 3;
        int n = na + 2 + (b == null ? 0 : nb + 1);
        int[] ids = new int[n];
        int[] types = new int[n];
        int[] starts = new int[n];
        int[] ends = new int[n];
        int p = 0;
        ids[p++] = vocabulary.clsId();
        p = copy(ta, ids, types, starts, ends, p, 0);
        ids[p++] = vocabulary.sepId();
        if (b != null) {
            p = copy(tb, ids, types, starts, ends, p, 1);
            types[p] = 1;
            ids[p++] = vocabulary.sepId();
        }
        List<String> tokens = new ArrayList<>(n);
        for (int id : ids) {
            tokens.add(vocabulary.token(id));
        }
        return new Encoding(ids, types, starts, ends, tokens);
    }

    private static int copy(IntList triples, int[] ids, int[] types, int[] starts, int[] ends, int p, int type) {
        for (int i = 0; i < triples.size(); i += 3, p++) {
            ids[p] = triples.get(i);
            starts[p] = triples.get(i + 1);
            ends[p] = triples.get(i + 2);
            types[p] = type;
        }
        return p;
    }

    /** Appends (id, start, end) per token of {@code text}, offsets into {@code text}. */
    private void tokenize(String text, IntList out) {
        IntList spans = new IntList(32);
        forEachSegment(text, (from, to, specialIndex) -> {
            if (specialIndex >= 0) {
                out.add(specialIds[specialIndex], from, to);
                return;
            }
            NormalizedText n = normalizer.normalize(text, from, to);
            String s = n.normalized();
            spans.truncate(0);
            preTokenizer.split(s, spans);
            for (int i = 0; i < spans.size(); i += 2) {
                int mark = out.size();
                wordPiece.tokenize(s, spans.get(i), spans.get(i + 1), out);
                for (int t = mark; t < out.size(); t += 3) {
                    out.set(t + 1, n.originalStart(out.get(t + 1)));
                    out.set(t + 2, n.originalEnd(out.get(t + 2) - 1));
                }
            }
        });
    }

    /** Receives the pieces of a text: a literal special token (its index in {@link SpecialTokens#ALL}) or plain text (-1). */
    @FunctionalInterface
    private interface SegmentConsumer {
        void accept(int from, int to, int specialIndex);
    }

    /**
     * Splits {@code text} at literal special tokens, leftmost first (as HuggingFace's
     * leftmost-longest Aho-Corasick; no special token is a prefix of another, so at most one matches
     * at any position).
     */
    private static void forEachSegment(String text, SegmentConsumer consumer) {
        int from = 0;
        int i = text.indexOf('[');
        while (i >= 0) {
            int special = specialAt(text, i);
            if (special >= 0) {
                if (i > from) {
                    consumer.accept(from, i, -1);
                }
                int end = i + SpecialTokens.ALL.get(special).length();
                consumer.accept(i, end, special);
                from = end;
                i = text.indexOf('[', end);
            } else {
                i = text.indexOf('[', i + 1);
            }
        }
        if (from < text.length()) {
            consumer.accept(from, text.length(), -1);
        }
    }

    private static int specialAt(String text, int i) {
        List<String> all = SpecialTokens.ALL;
        for (int s = 0; s < all.size(); s++) {
            if (text.startsWith(all.get(s), i)) {
                return s;
            }
        }
        return -1;
    }

    private Object writeReplace() {
        return new SerializedForm(spec);
    }

    private void readObject(ObjectInputStream in) throws InvalidObjectException {
        throw new InvalidObjectException("a BertTokenizer is deserialized through its serialized form");
    }

    /** What travels: the spec; the tables are rebuilt from it on arrival. */
    private record SerializedForm(TokenizerSpec spec) implements Serializable {
        private Object readResolve() {
            return BertTokenizer.of(spec);
        }
    }
}
