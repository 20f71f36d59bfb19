package dev.electra.tokenizer;

/**
 * Normalized text together with, for each of its UTF-16 units, the span of the original text it
 * came from; so any range of the normalized text maps back to the original.
 *
 * <p>Original offsets are UTF-16 indices into {@link #original()}. A character produced by
 * decomposing, lowercasing or spacing another carries that character's span.
 */
public final class NormalizedText {
    private final String original;
    private final String normalized;
    private final int[] starts;
    private final int[] ends;

    NormalizedText(String original, String normalized, int[] starts, int[] ends) {
        this.original = original;
        this.normalized = normalized;
        this.starts = starts;
        this.ends = ends;
    }

    public String original() {
        return original;
    }

    public String normalized() {
        return normalized;
    }

    public int length() {
        return normalized.length();
    }

    /** Start, in the original, of the character at {@code normalizedIndex}. */
    public int originalStart(int normalizedIndex) {
        return starts[normalizedIndex];
    }

    /** End (exclusive), in the original, of the character at {@code normalizedIndex}. */
    public int originalEnd(int normalizedIndex) {
        return ends[normalizedIndex];
    }

    /** The original text behind the normalized range [start, end); empty for an empty range. */
    public String originalText(int start, int end) {
        return start >= end ? "" : original.substring(starts[start], ends[end - 1]);
    }

    @Override
    public String toString() {
        return "NormalizedText[" + normalized + "]";
    }
}
