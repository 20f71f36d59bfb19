package dev.electra.tokenizer;

/** An input the tokenizer cannot use: a malformed vocabulary or tokenizer.json, a bad argument. */
public class TokenizerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TokenizerException(String message) {
        super(message);
    }

    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
