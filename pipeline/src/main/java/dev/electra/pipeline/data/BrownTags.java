package dev.electra.pipeline.data;

import java.util.List;
import java.util.Map;

/**
 * The Brown corpus' part-of-speech tags mapped to twelve universal categories (Petrov, Das and McDonald's universal
 * tagset: NOUN, VERB, ADJ, ADV, PRON, DET, ADP, NUM, CONJ, PRT, "." and X), for the token-level probe. A Brown tag
 * is a base tag with decorations, read in this order: {@code fw-} (a foreign word: X); the suffixes {@code -tl}
 * (title), {@code -hl} (headline), {@code -nc} (cited) dropped; a contraction {@code a+b} ("I'll", "won't") takes its
 * first part's category, as a word's first sub-token carries its label; a trailing {@code *} (negation, "didn't")
 * and {@code $} (possessive, "Atlanta's") dropped, but for the possessive pronouns {@code pp$} (a determiner: "my")
 * and {@code pp$$}/{@code wp$} (pronouns: "mine", "whose").
 */
public final class BrownTags {
    private BrownTags() {}

    /** The universal categories, in the order the probe's labels take. */
    public static final List<String> UNIVERSAL = List.of("NOUN", "VERB", "ADJ", "ADV", "PRON", "DET", "ADP", "NUM",
            "CONJ", "PRT", ".", "X");

    private static final Map<String, String> BASE = base();

    private static Map<String, String> base() {
        Map<String, String> m = new java.util.HashMap<>();
        put(m, "NOUN", "nn", "nns", "np", "nps", "nr", "nrs", "pn");
        put(m, "VERB", "vb", "vbd", "vbg", "vbn", "vbz", "be", "bed", "bedz", "beg", "bem", "ben", "ber", "bez",
                "do", "dod", "doz", "hv", "hvd", "hvg", "hvn", "hvz", "md");
        put(m, "ADJ", "jj", "jjr", "jjs", "jjt", "od");
        put(m, "ADV", "rb", "rbr", "rbt", "rn", "ql", "qlp", "wrb", "wql", "*");
        put(m, "PRON", "pps", "ppss", "ppo", "ppl", "ppls", "pp$$", "wps", "wpo", "wp$");
        put(m, "DET", "at", "ap", "abn", "abl", "abx", "dt", "dti", "dts", "dtx", "wdt", "pp$", "ex");
        put(m, "ADP", "in");
        put(m, "NUM", "cd");
        put(m, "CONJ", "cc", "cs");
        put(m, "PRT", "rp", "to");
        put(m, ".", ".", ",", ":", "(", ")", "--", "``", "''", "'");
        put(m, "X", "uh", "nil");
        return Map.copyOf(m);
    }

    private static void put(Map<String, String> m, String universal, String... tags) {
        for (String t : tags) {
            m.put(t, universal);
        }
    }

    /**
     * The universal category of a Brown tag.
     *
     * @throws IllegalArgumentException for a tag outside Brown's tagset
     */
    public static String universal(String brownTag) {
        String t = brownTag.toLowerCase(java.util.Locale.ROOT);
        if (t.startsWith("fw-")) {
            return "X";
        }
        String stripped;
        do {
            stripped = t;
            for (String suffix : List.of("-tl", "-hl", "-nc")) {
                if (t.endsWith(suffix) && t.length() > suffix.length()) {
                    t = t.substring(0, t.length() - suffix.length());
                }
            }
        } while (!t.equals(stripped));
        int plus = t.indexOf('+');
        if (plus > 0) {
            t = t.substring(0, plus);
        }
        String exact = BASE.get(t);
        if (exact != null) {
            return exact;
        }
        while (t.length() > 1 && (t.endsWith("*") || t.endsWith("$"))) {
            t = t.substring(0, t.length() - 1);
            if (BASE.containsKey(t)) {
                return BASE.get(t);
            }
        }
        throw new IllegalArgumentException("'" + brownTag + "' is not a Brown corpus tag (expected a base tag such as nn, "
                + "vbd or at, optionally with fw-, -tl, -hl, -nc, a +contraction, * or $)");
    }
}
