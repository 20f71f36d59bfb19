package dev.electra.tokenizer;

import java.util.Arrays;
import java.util.List;

/**
 * One encoded example, position by position.
 *
 * @param ids token ids
 * @param typeIds segment ids: 0 for [CLS], A and its [SEP]; 1 for B and its [SEP]
 * @param starts start of each token in its original text (A or B), a UTF-16 index; 0 for the
 *     [CLS]/[SEP] the template adds
 * @param ends end (exclusive) of each token in its original text; 0 for template specials
 * @param tokens the token strings ([UNK] for an unknown word)
 */
public record Encoding(int[] ids, int[] typeIds, int[] starts, int[] ends, List<String> tokens) {

    public Encoding {
        int n = ids.length;
        if (typeIds.length != n || starts.length != n || ends.length != n || tokens.size() != n) {
            throw new IllegalArgumentException("encoding arrays differ in length: ids " + n + ", typeIds "
                    + typeIds.length + ", starts " + starts.length + ", ends " + ends.length + ", tokens " + tokens.size());
        }
        tokens = List.copyOf(tokens);
    }

    public int length() {
        return ids.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Encoding e && Arrays.equals(ids, e.ids) && Arrays.equals(typeIds, e.typeIds)
                && Arrays.equals(starts, e.starts) && Arrays.equals(ends, e.ends) && tokens.equals(e.tokens);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(ids) + Arrays.hashCode(typeIds);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Encoding[");
        for (int i = 0; i < ids.length; i++) {
            sb.append(i == 0 ? "" : " ").append(tokens.get(i)).append('/').append(ids[i]).append(':').append(typeIds[i])
                    .append('(').append(starts[i]).append(',').append(ends[i]).append(')');
        }
        return sb.append(']').toString();
    }
}
