package dev.electra.tokenizer;

import java.util.List;
import java.util.Random;

/** Seeded random strings mixing scripts, marks, controls, spaces, emoji and special-token text. */
final class RandomText {
    private static final List<String> PIECES = List.of(
            "the", "The", "QUICK", "fox", "jumped", "un", "aff", "able", "ing", "[MASK]", "[SEP]", "[CLS]", "[PAD]",
            "[UNK]", "[mask]", "[MAS", "K]", "[", "]", "##", "#", "http://x.y/z?a=b", "...", "--", "’", "“", "”",
            "café", "ÉCOLE", "Ångström", "naïve", "Straße", "İ", "ı", "ΟΔΟΣ", "ς", "ﬁ", "ｆｕｌｌ", "中文", "日本語",
            "한국어", "🥲", "🫠", "👩‍👩‍👧", "🇫🇷", "👍🏽", "\u200d", "\u200b", "\ufeff", "\u00ad", "\u0000", "\u0007",
            "\u001b", "\u0085", "\u00a0", "\u202f", "\u2007", "\u3000", "\t", "\n", "\r\n", "\u0301", "\u0323",
            "\u0308", "مرحبا", "שלום", "नमस्ते", "สวัสดี", "Привет", "123", "4.5", "½", "①", "$", "€", "%", "\ufffd",
            "\ue000", "\u0378", "\u1c89", "\u2c2f", "\ua7c0", "\u2e43", "\u166d");
    private static final String[] SCRIPT_RANGES = {
        "0020-007E", "00A0-024F", "0300-036F", "0370-03FF", "0400-04FF", "0590-06FF", "0900-097F", "0E00-0E7F",
        "1100-11FF", "1E00-1FFF", "2000-206F", "2E00-2E7F", "3000-30FF", "3400-4DBF", "4E00-9FFF", "AC00-D7A3",
        "F900-FAFF", "FB00-FB4F", "FE00-FE6F", "FF00-FFEF", "1F300-1FAFF", "20000-2A6DF", "2B740-2CEAF"};

    private final Random random;

    RandomText(Random random) {
        this.random = random;
    }

    String next() {
        StringBuilder sb = new StringBuilder();
        int parts = 1 + random.nextInt(12);
        for (int p = 0; p < parts; p++) {
            int kind = random.nextInt(10);
            if (kind < 4) {
                sb.append(PIECES.get(random.nextInt(PIECES.size())));
            } else if (kind < 7) {
                String[] r = SCRIPT_RANGES[random.nextInt(SCRIPT_RANGES.length)].split("-");
                int lo = Integer.parseInt(r[0], 16);
                int hi = Integer.parseInt(r[1], 16);
                int len = 1 + random.nextInt(6);
                for (int i = 0; i < len; i++) {
                    sb.appendCodePoint(lo + random.nextInt(hi - lo + 1));
                }
            } else if (kind < 8) {
                int cp;
                do {
                    cp = random.nextInt(Character.MAX_CODE_POINT + 1);
                } while (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE);
                sb.appendCodePoint(cp);
            } else {
                sb.append(random.nextBoolean() ? " " : "  ");
            }
        }
        return sb.toString();
    }
}
