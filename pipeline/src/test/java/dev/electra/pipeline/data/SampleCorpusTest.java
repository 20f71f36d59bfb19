package dev.electra.pipeline.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SampleCorpusTest {

    @Test
    void brownTagsAreStrippedAndPunctuationAttaches() {
        String line = "\tThe/at jury/nn said/vbd ``/`` it/pps did/dod n't/* find/vb any/dti ''/'' evidence/nn ,/, "
                + "(/( 1/2/cd inch/nn )/) of/in Atlanta's/np$ fraud/nn ./.";
        assertEquals("The jury said \"it didn't find any\" evidence, (1/2 inch) of Atlanta's fraud.",
                SampleCorpus.brownSentence(line));
    }

    @Test
    void brownDocumentIsOneSentencePerLine() {
        String doc = "\n\n\tA/at b/nn ./.\n\n\n\tC/np d/vb !/.\n";
        assertEquals("A b.\nC d!", SampleCorpus.brownDocument(doc));
    }

    @Test
    void paragraphsDropBlankLinesAndStrip() {
        assertEquals("one two\nthree", SampleCorpus.paragraphs("  one two \n\n\nthree\r\n  \n"));
    }
}
