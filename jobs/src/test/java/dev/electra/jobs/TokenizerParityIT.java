package dev.electra.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.electra.tokenizer.BertTokenizer;
import dev.electra.tokenizer.DjlReference;
import dev.electra.tokenizer.TokenizerJson;
import dev.electra.tokenizer.TokenizerSpec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our tokenizer against HuggingFace tokenizers (through DJL): the {@code encode} job with BERT's uncased
 * vocabulary on every line of the Brown corpus and on hard text, and the tokenizer.json that {@code vocab} writes
 * for its own vocabulary on every line of the whole sample corpus.
 */
class TokenizerParityIT {
    @TempDir
    static Path dir;
    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkTestSession.get();
    }

    @Test
    void encodeJobMatchesHuggingFaceOnEveryBrownLine() throws IOException {
        Path vocab = dir.resolve("bert-vocab.txt");
        TokenizerSpec bert = TokenizerJson.read(new ByteArrayInputStream(DjlReference.bertJson()), "bert").spec();
        try (OutputStream out = Files.newOutputStream(vocab)) {
            bert.vocabulary().write(out);
        }
        Path output = dir.resolve("brown.ids");
        long lines = EncodeJob.run(spark, SparkTestSession.config(), vocab.toString(), TestData.brown().toString(),
                output.toString(), false);
        List<String> input = Files.readAllLines(TestData.brown(), StandardCharsets.UTF_8);
        assertEquals(input.size(), lines);
        try (DjlReference hf = DjlReference.load(DjlReference.bertJson())) {
            assertSameIds(input, Files.readAllLines(output), hf);
        }
    }

    @Test
    void encodeJobMatchesHuggingFaceOnHardText() throws IOException {
        List<String> hard = List.of(
                "", "   ", "Café naïve Ångström ÉCOLE façade coöperate",
                "中文字符 日本語のテキスト 한국어 mixed中文and English",
                "emoji 🥲 🫠 👩‍👩‍👧 🇫🇷 👍🏽 ok", "control\u0000chars\u0007and\u001bescape\u200bzero\u200dwidth\ufeffbom\u00adsoft",
                "non\u00a0breaking\u202fspaces\u2007and\u3000ideographic", "tabs\tand\u000bvertical\fform",
                "ΟΔΟΣ İstanbul straße ﬁnance ＦＵＬＬＷＩＤＴＨ",
                "a".repeat(99) + " " + "b".repeat(100) + " " + "c".repeat(101) + " " + "é".repeat(150),
                "العربية עברית हिन्दी ภาษาไทย Ελληνικά русский",
                "[MASK] is [cls] and [SEP]inside[UNK]word", "https://example.org/a?b=c&d=e#f 3.14159 1,000,000 $5!!!???...",
                "e\u0301 a\u0308 n\u0303 combining marks");
        Path input = dir.resolve("hard.txt");
        Files.write(input, hard, StandardCharsets.UTF_8);
        Path vocab = dir.resolve("hard-vocab.txt");
        TokenizerSpec bert = TokenizerJson.read(new ByteArrayInputStream(DjlReference.bertJson()), "bert").spec();
        try (OutputStream out = Files.newOutputStream(vocab)) {
            bert.vocabulary().write(out);
        }
        Path output = dir.resolve("hard.ids");
        EncodeJob.run(spark, SparkTestSession.config(), vocab.toString(), input.toString(), output.toString(), false);
        try (DjlReference hf = DjlReference.load(DjlReference.bertJson())) {
            assertSameIds(hard, Files.readAllLines(output), hf);
        }
    }

    @Test
    void ourTokenizerJsonLoadsInHuggingFaceAndAgreesOnTheWholeSampleCorpus() throws IOException {
        Path out = dir.resolve("vocab-all");
        VocabJob.run(spark, SparkTestSession.config(), TestData.corpus().toString(), out.toString(), false,
                List.of("vocab"));
        byte[] json = Files.readAllBytes(out.resolve(VocabJob.TOKENIZER_FILE));
        BertTokenizer ours = TokenizerJson.read(new ByteArrayInputStream(json), "ours").spec().build();
        assertEquals(8000, ours.vocabulary().size());
        List<String> lines = new ArrayList<>();
        for (String file : List.of("brown.txt", "sotu.txt", "moby-dick.txt")) {
            lines.addAll(Files.readAllLines(TestData.corpus().resolve(file), StandardCharsets.UTF_8));
        }
        List<String> expected = new ArrayList<>(lines.size());
        for (String line : lines) {
            expected.add(EncodeJob.join(ours.encode(line).ids()));
        }
        try (DjlReference hf = DjlReference.load(json)) {
            assertSameIds(lines, expected, hf);
        }
    }

    /** Compares in batches and reports the first mismatch with its line number and text. */
    static void assertSameIds(List<String> inputs, List<String> ours, DjlReference hf) {
        assertEquals(inputs.size(), ours.size(), "one output line per input line");
        int batch = 512;
        long mismatches = 0;
        String first = null;
        for (int start = 0; start < inputs.size(); start += batch) {
            List<String> slice = inputs.subList(start, Math.min(inputs.size(), start + batch));
            DjlReference.Ref[] refs = hf.batchEncode(slice);
            for (int i = 0; i < slice.size(); i++) {
                String theirs = EncodeJob.join(refs[i].intIds());
                if (!theirs.equals(ours.get(start + i))) {
                    mismatches++;
                    if (first == null) {
                        first = "line " + (start + i + 1) + ": " + slice.get(i) + "\n ours: " + ours.get(start + i)
                                + "\n hf:   " + theirs;
                    }
                }
            }
        }
        String firstMismatch = first;
        assertEquals(0, mismatches, () -> "mismatching lines; first " + firstMismatch);
        System.out.println("parity: " + inputs.size() + " lines identical to HuggingFace tokenizers");
    }

}
