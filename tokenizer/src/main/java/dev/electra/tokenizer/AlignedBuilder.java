package dev.electra.tokenizer;

import java.util.Arrays;

/** Builds normalized text one character at a time, recording each character's original span. */
final class AlignedBuilder {
    char[] chars;
    int[] starts;
    int[] ends;
    int length;

    AlignedBuilder(int capacity) {
        int c = Math.max(8, capacity);
        chars = new char[c];
        starts = new int[c];
        ends = new int[c];
    }

    void append(char c, int start, int end) {
        if (length == chars.length) {
            int c2 = length * 2;
            chars = Arrays.copyOf(chars, c2);
            starts = Arrays.copyOf(starts, c2);
            ends = Arrays.copyOf(ends, c2);
        }
        chars[length] = c;
        starts[length] = start;
        ends[length] = end;
        length++;
    }

    void appendCodePoint(int cp, int start, int end) {
        if (cp < Character.MIN_SUPPLEMENTARY_CODE_POINT) {
            append((char) cp, start, end);
        } else {
            append(Character.highSurrogate(cp), start, end);
            append(Character.lowSurrogate(cp), start, end);
        }
    }

    NormalizedText build(String original) {
        return new NormalizedText(original, new String(chars, 0, length),
                Arrays.copyOf(starts, length), Arrays.copyOf(ends, length));
    }
}
