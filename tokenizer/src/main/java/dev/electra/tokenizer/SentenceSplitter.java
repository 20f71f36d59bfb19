package dev.electra.tokenizer;

import edu.stanford.nlp.ling.CoreAnnotations;
import edu.stanford.nlp.pipeline.Annotation;
import edu.stanford.nlp.pipeline.TokenizerAnnotator;
import edu.stanford.nlp.util.CoreMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Splits a paragraph into sentences with Stanford CoreNLP's {@code tokenize,ssplit} annotators (rule based; the
 * models jar is not needed). Each sentence is returned as the exact substring of the input, so nothing the user
 * wrote is re-spelled before WordPiece sees it. Not thread-safe: build one per Spark partition.
 *
 * <p>Since CoreNLP 4.5 the {@code tokenize} annotator splits sentences itself (an {@code ssplit} annotator after it
 * only repeats the work and logs an error), so one {@link TokenizerAnnotator} is built directly, without the
 * {@code StanfordCoreNLP} pipeline and its JVM-wide annotator pool.
 */
public final class SentenceSplitter {
    private final TokenizerAnnotator tokenizer;

    public SentenceSplitter() {
        Properties props = new Properties();
        props.setProperty("tokenize.language", "en");
        // The input is one paragraph: line ends inside it are soft wraps, not sentence ends.
        props.setProperty("ssplit.newlineIsSentenceBreak", "never");
        // Keep CoreNLP from rewriting quotes and brackets; only the offsets are used.
        props.setProperty("tokenize.options", "invertible=false,ptb3Escaping=false,untokenizable=noneKeep");
        this.tokenizer = new TokenizerAnnotator(false, props);
    }

    /** The sentences of {@code paragraph}, in order, stripped; an empty or blank paragraph gives none. */
    public List<String> split(String paragraph) {
        List<String> sentences = new ArrayList<>();
        if (paragraph.isBlank()) {
            return sentences;
        }
        Annotation annotation = new Annotation(paragraph);
        tokenizer.annotate(annotation);
        List<CoreMap> maps = annotation.get(CoreAnnotations.SentencesAnnotation.class);
        if (maps == null || maps.isEmpty()) {
            sentences.add(paragraph.strip());
            return sentences;
        }
        int previousEnd = 0;
        for (int i = 0; i < maps.size(); i++) {
            CoreMap sentence = maps.get(i);
            int begin = sentence.get(CoreAnnotations.CharacterOffsetBeginAnnotation.class);
            int end = i == maps.size() - 1
                    ? paragraph.length()
                    : maps.get(i + 1).get(CoreAnnotations.CharacterOffsetBeginAnnotation.class);
            // Characters CoreNLP dropped between sentences stay with the preceding text, so none are lost.
            String text = paragraph.substring(Math.min(previousEnd, begin), end).strip();
            if (!text.isEmpty()) {
                sentences.add(text);
            }
            previousEnd = end;
        }
        return sentences;
    }
}
