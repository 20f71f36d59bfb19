package dev.electra.tokenizer;

import java.util.ArrayList;
import java.util.List;

/** Shared test data: the BERT uncased tokenizer on both sides, hard cases, small vocabularies. */
final class Fixtures {
    private static BertTokenizer bert;
    private static DjlReference djlBert;

    private Fixtures() {
    }

    /** Our tokenizer built from the langchain4j copy of bert-base-uncased's tokenizer.json. */
    static synchronized BertTokenizer bert() {
        if (bert == null) {
            bert = BertTokenizer.of(DjlReference.bertSpec());
        }
        return bert;
    }

    /** HuggingFace tokenizers on the same file; lives for the whole test JVM. */
    static synchronized DjlReference djlBert() {
        if (djlBert == null) {
            djlBert = DjlReference.load(DjlReference.bertJson());
        }
        return djlBert;
    }

    /** A small vocabulary, as a trainer might produce: specials, characters, a few words and pieces. */
    static Vocabulary smallVocabulary() {
        List<String> t = new ArrayList<>(SpecialTokens.ALL);
        for (char c = 'a'; c <= 'z'; c++) {
            t.add(String.valueOf(c));
            t.add("##" + c);
        }
        for (char c = '0'; c <= '9'; c++) {
            t.add(String.valueOf(c));
            t.add("##" + c);
        }
        t.addAll(List.of(".", ",", "!", "?", "'", "-", "(", ")", "[", "]", "#", "/", ":", "é", "##é", "ß", "##ß",
                "中", "文", "字", "符", "の", "テ", "the", "quick", "brown", "fox", "un", "##aff", "##able", "cafe",
                "café", "nai", "##ve", "##s", "##ing", "jump", "over", "lazy", "dog", "ο", "##δ", "##ο", "##σ", "##ς",
                "i", "##̇", "ﬁ", "##ﬁ", "http", "##s", "www", "com", "🥲", "##🥲", "😀"));
        List<String> distinct = t.stream().distinct().toList();
        return Vocabulary.of(distinct, "test vocabulary");
    }

    /** A string of the given code points. */
    static String cps(int... codePoints) {
        return new String(codePoints, 0, codePoints.length);
    }

    static String repeat(String s, int n) {
        return s.repeat(n);
    }

    /** The inputs every parity test runs; each names a rule that could go wrong. */
    static List<String> hardCases() {
        List<String> c = new ArrayList<>(List.of(
                "", " ", "   \t\n\r  ", "\u00a0\u202f\u2007\u3000",
                "Hello, world!", "The quick brown fox jumps over the lazy dog.",
                "café", "naïve", "Ångström", "ÉCOLE", "Crème brûlée à la carte",
                "中文字符", "日本語のテキスト", "한국어 텍스트", "我爱北京天安门。", "𠀀𪜀 𫝀 𬺰 CJK ext",
                "🥲 🫠 👩‍👩‍👧 🇫🇷 👍🏽 👋🏿", "emoji🥲inside", "😀😃😄",
                "a\u0000b\u0007c\u001bd", "zero\u200bwidth", "zwj\u200djoiner", "\ufeffbom", "soft\u00adhyphen",
                "x\u001cy\u001dz\u001e\u001f", "nel\u0085line", "vt\u000bff\u000c",
                "tab\tcr\rlf\nend", "ΟΔΟΣ", "Σίσυφος ΣΊΣΥΦΟΣ", "İstanbul ıi İI", "Straße STRASSE ẞ",
                "ﬁnance ﬂow ﬀ", "ＦＵＬＬＷＩＤＴＨ ｆｕｌｌ １２３", "e\u0301 a\u0300\u0323 o\u0308\u0304",
                "a\u0301\u0323b x\u0323\u0301y", "مرحبا بالعالم", "שלום עולם", "नमस्ते दुनिया", "สวัสดีชาวโลก",
                "Привет, мир!", "Γειά σου Κόσμε", "1,234.56 -7e10 3/4 ½ ² ①",
                "!!!...???---***", "...hello...world...", "(a)[b]{c}<d>", "$100 + 5% = €105 ~ ¥ £ ¢",
                "https://www.example.com/path?q=1&r=2#frag", "user@example.com", "C++ C# F#",
                "text with [MASK] and [cls] and [CLS] and [SEP][SEP]", "[MASK]", "x[MASK]y", "[[MASK]]", "[MAS K]",
                "[UNK] [PAD] [unk]", "[mask] [Mask]", "a [SEP] b",
                "\u0378\u0379 unassigned \uffff \ufffe", "\ue000 private \uf8ff", "\ufffd replacement",
                cps(0x890, 0x891, 0x20, 0x8E2, 0x20, 0x13430, 0x110CD) + " new formats",
                "\u2e43\u2e52 \u166d " + cps(0x111C9, 0x10EAD, 0x1E95E) + " punct versions",
                "\u1c89\u2c2f\ua7c0\ua7dc\ud801\udd70 new cases", "\ud806\udd38 dives akuru",
                "\u0f73\u0f75\u0f81 tibetan", "\u1100\u1161\u11a8 jamo", "ﾊﾝｶｸ ｶﾀｶﾅ", "㍿ ㌀ ℃ ™ ℡",
                "Ⅻ ⅻ Ⓐ ⓐ", "\u0130\u0307 i\u0307", "ǅungla ǈ ǋ", "ΐ ΰ ᾳ ῼ", "\u1e9e\u00df", "Ꭰꭰ Ᏸ"));
        c.add(repeat("a", 99));
        c.add(repeat("a", 100));
        c.add(repeat("a", 101));
        c.add(repeat("a", 500));
        c.add(repeat("é", 99) + " " + repeat("é", 100) + " " + repeat("é", 101));
        c.add(repeat("😀", 100) + " " + repeat("😀", 101));
        c.add(repeat("ab", 50) + " " + repeat("ab", 51));
        c.add(repeat("\u0301", 150) + "x");
        c.add("a" + repeat("\u0301", 120));
        c.add(repeat("word ", 200));
        return c;
    }
}
