package dev.electra.pipeline.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class BrownTagsTest {
    @Test
    void baseTagsAndTheirDecorations() {
        // the first sentence of ca01: The/at Fulton/np-tl County/nn-tl Grand/jj-tl Jury/nn-tl said/vbd Friday/nr
        // an/at investigation/nn of/in Atlanta's/np$ … ``/`` no/at … that/cs any/dti irregularities/nns … ./.
        String[][] cases = {
            {"at", "DET"}, {"np-tl", "NOUN"}, {"nn-tl", "NOUN"}, {"jj-tl", "ADJ"}, {"vbd", "VERB"}, {"nr", "NOUN"},
            {"in", "ADP"}, {"np$", "NOUN"}, {"``", "."}, {"cs", "CONJ"}, {"dti", "DET"}, {"nns", "NOUN"}, {".", "."},
            // contractions take their first part; negation and possessive marks drop, but not on the pronouns
            {"ppss+md", "PRON"}, {"do*", "VERB"}, {"md*", "VERB"}, {"*", "ADV"}, {"pp$", "DET"}, {"pp$$", "PRON"},
            {"wp$", "PRON"}, {"nns$-tl", "NOUN"}, {"dod*-tl", "VERB"}, {"ex+bez", "DET"},
            // foreign words, headlines, citations, numbers, particles
            {"fw-in+at-tl", "X"}, {"nn-tl-hl", "NOUN"}, {"cd-hl", "NUM"}, {"to", "PRT"}, {"rp", "PRT"}, {"uh", "X"},
            {"ql", "ADV"}, {"wdt+ber+pp", "DET"}, {"ppss+ber-n", "PRON"}, {"--", "."}, {"od", "ADJ"}
        };
        for (String[] c : cases) {
            assertEquals(c[1], BrownTags.universal(c[0]), c[0]);
        }
        assertEquals(12, BrownTags.UNIVERSAL.size());
    }

    @Test
    void anUnknownTagIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BrownTags.universal("xyz"));
        assertEquals("'xyz' is not a Brown corpus tag (expected a base tag such as nn, vbd or at, optionally with fw-, "
                + "-tl, -hl, -nc, a +contraction, * or $)", e.getMessage());
    }
}
