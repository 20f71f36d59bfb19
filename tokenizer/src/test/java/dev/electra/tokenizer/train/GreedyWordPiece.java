package dev.electra.tokenizer.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** BERT's greedy longest-match-first WordPiece for one word, just enough to check a trained vocabulary. */
final class GreedyWordPiece {

    private GreedyWordPiece() {
    }

    /** The word's pieces, or {@code [unk]} alone if some position matches no token. */
    static List<String> encode(String word, Set<String> vocab, String prefix, String unk) {
        List<String> pieces = new ArrayList<>();
        int start = 0;
        while (start < word.length()) {
            String found = null;
            int end = word.length();
            while (end > start) {
                String candidate = (start > 0 ? prefix : "") + word.substring(start, end);
                if (vocab.contains(candidate)) {
                    found = candidate;
                    break;
                }
                end = word.offsetByCodePoints(end, -1);
            }
            if (found == null) {
                return List.of(unk);
            }
            pieces.add(found);
            start = end;
        }
        return pieces;
    }
}
