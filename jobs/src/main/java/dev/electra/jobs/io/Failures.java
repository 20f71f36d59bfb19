package dev.electra.jobs.io;

import dev.electra.pipeline.errors.JobError;
import dev.electra.tokenizer.TokenizerException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.hadoop.fs.ChecksumException;

/**
 * Turns what the file systems and Spark throw into one line a user can act on: which file, what happened, what to
 * do. {@link #describe} is what the command line prints for any failure.
 */
public final class Failures {
    private static final Pattern CHECKSUM_PATH = Pattern.compile("Checksum error: (\\S+)");
    /** How Spark wraps a failure to decode an input file (a damaged Parquet shard). */
    private static final Pattern SPARK_READ = Pattern.compile("Encountered error while reading file (\\S+?)\\.? Details");

    private Failures() {}

    /** The first throwable of {@code type} in e's chain of causes, e included. */
    public static <T extends Throwable> Optional<T> cause(Throwable e, Class<T> type) {
        return chain(e).filter(type::isInstance).map(type::cast).findFirst();
    }

    static Stream<Throwable> chain(Throwable e) {
        return Stream.iterate(e, t -> t != null, t -> t.getCause() == t ? null : t.getCause());
    }

    /**
     * {@code e} as an unchecked exception: Spark's exceptions are checked ones thrown undeclared, and the command
     * line describes whatever arrives.
     */
    public static RuntimeException unchecked(Exception e) {
        return e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
    }

    /** Whether the failure (or one of its causes) is a full disk or an exhausted quota. */
    public static boolean diskFull(Throwable e) {
        return chain(e).anyMatch(t -> {
            String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            return m.contains("no space left on device") || m.contains("disk quota exceeded")
                    || t.getClass().getSimpleName().equals("DSQuotaExceededException");
        });
    }

    /**
     * A failure while writing {@code where}, with what that means for the user's files ({@code consequence}): a full
     * disk is said in those words.
     */
    public static JobError writing(Throwable e, String where, String consequence) {
        Optional<JobError> clear = cause(e, JobError.class);
        if (clear.isPresent()) {
            return clear.get();
        }
        Optional<ChecksumException> checksum = cause(e, ChecksumException.class);
        if (checksum.isPresent()) {
            return new JobError(checksum(checksum.get().getMessage()), e);
        }
        if (diskFull(e)) {
            return new JobError("no space left on the device while writing " + where + " (" + consequence
                    + "); free some space there or choose another output", e);
        }
        return new JobError("cannot write " + where + ": " + innermost(e) + " (" + consequence + ")", e);
    }

    /** A failure while reading the input file {@code file}: a damaged file is named as such. */
    public static JobError reading(Throwable e, String file) {
        if (e instanceof JobError j) {
            return j;
        }
        Optional<ChecksumException> checksum = cause(e, ChecksumException.class);
        if (checksum.isPresent()) {
            return new JobError(checksum(checksum.get().getMessage()), e);
        }
        String why = innermost(e);
        String lower = why.toLowerCase(Locale.ROOT);
        if (lower.contains("end of input stream") || lower.contains("unexpected end") || lower.contains("invalid")
                || lower.contains("corrupt") || lower.contains("not in gzip format") || lower.contains("bad ")
                || cause(e, java.io.EOFException.class).isPresent()
                || cause(e, java.util.zip.ZipException.class).isPresent()) {
            return new JobError("input file " + file + " is truncated or corrupt (" + why + "); restore it, or move it "
                    + "out of the input", e);
        }
        return new JobError("cannot read input file " + file + ": " + why, e);
    }

    /** The line the command line prints for a failure (without "error: "). */
    public static String describe(Throwable e) {
        Optional<JobError> clear = cause(e, JobError.class);
        if (clear.isPresent()) {
            return clear.get().getMessage();
        }
        // The tokenizer's own message names the file and what was expected; what it wraps (a decoder's "Input
        // length = 1") names neither.
        Optional<TokenizerException> tokenizer = cause(e, TokenizerException.class);
        if (tokenizer.isPresent()) {
            return tokenizer.get().getMessage();
        }
        Optional<ChecksumException> checksum = cause(e, ChecksumException.class);
        if (checksum.isPresent()) {
            return checksum(checksum.get().getMessage());
        }
        Optional<String> unreadable = chain(e).map(t -> SPARK_READ.matcher(String.valueOf(t.getMessage())))
                .filter(Matcher::find).map(m -> m.group(1)).findFirst();
        if (unreadable.isPresent()) {
            return damaged(unreadable.get(), innermost(e));
        }
        if (diskFull(e)) {
            return "no space left on the device (" + innermost(e) + "); free some space or choose another output";
        }
        return innermost(e);
    }

    /**
     * A Hadoop checksum mismatch: the file was changed behind the {@code .crc} file the local file system keeps. A
     * text file may have been edited on purpose; a binary one (shards, checkpoints, weights) was damaged, and without
     * its {@code .crc} it would only fail later and less clearly, so deleting that is not offered.
     */
    static String checksum(String message) {
        Matcher m = CHECKSUM_PATH.matcher(String.valueOf(message));
        String file = m.find() ? m.group(1) : "a file";
        String name = file.substring(file.lastIndexOf('/') + 1);
        String changed = file + " does not match its checksum file ." + name + ".crc beside it: the file was changed "
                + "after it was written";
        if (binary(name)) {
            return changed + " (damaged or truncated); restore it, or " + rewrite(name);
        }
        return changed + " (edited by hand?). If the change is intended, delete ." + name + ".crc; otherwise "
                + "restore the file or " + rewrite(name);
    }

    /** An input file Spark could not decode, named with what to do. */
    public static String damaged(String file, String why) {
        String name = file.substring(file.lastIndexOf('/') + 1);
        return "input file " + file + " is damaged or truncated (" + why + "); restore it, or " + rewrite(name);
    }

    private static boolean binary(String name) {
        return name.endsWith(".parquet") || name.endsWith(".npy") || name.endsWith(".safetensors");
    }

    /** The command that writes files of this name again. */
    private static String rewrite(String name) {
        if (name.startsWith("shard-") && name.endsWith(".parquet")) {
            return "rerun prepare to write the shards again";
        }
        if (name.endsWith(".safetensors")) {
            return "run export again";
        }
        return "rerun the command that wrote it";
    }

    /** The innermost message that says something, so Spark's wrappers do not hide the cause. */
    public static String innermost(Throwable e) {
        String message = e.getMessage();
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                message = t.getMessage();
            }
        }
        return message == null ? e.toString() : message.strip().lines().findFirst().orElse(message);
    }
}
