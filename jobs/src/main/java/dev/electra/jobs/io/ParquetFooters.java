package dev.electra.jobs.io;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.Encoding;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.Util;

/**
 * Makes Parquet files byte-identical across JVMs. parquet-mr (1.13) lists each column chunk's encodings in the
 * iteration order of a HashSet of enum constants, i.e. by identity hash codes that change from one JVM to the next,
 * so the same rows written twice differ in a few footer bytes. This rewrites the footer with every encodings list
 * sorted; the data pages are untouched and the footer keeps its length.
 */
public final class ParquetFooters {
    private static final byte[] MAGIC = {'P', 'A', 'R', '1'};
    private static final int TAIL = 8;

    private ParquetFooters() {}

    /** Rewrites {@code file} (via a sibling temporary file and a rename) when its encodings are not sorted. */
    public static void canonicalize(FileSystem fs, Path file) throws IOException {
        long size = fs.getFileStatus(file).getLen();
        byte[] tail = new byte[TAIL];
        byte[] footer = footer(fs, file, size, tail);
        FileMetaData meta = Util.readFileMetaData(new ByteArrayInputStream(footer));
        boolean changed = false;
        for (RowGroup group : meta.getRow_groups()) {
            for (ColumnChunk chunk : group.getColumns()) {
                List<Encoding> encodings = chunk.getMeta_data().getEncodings();
                List<Encoding> sorted = encodings.stream().sorted(Comparator.comparingInt(Encoding::getValue)).toList();
                if (!sorted.equals(encodings)) {
                    chunk.getMeta_data().setEncodings(new java.util.ArrayList<>(sorted));
                    changed = true;
                }
            }
        }
        if (!changed) {
            return;
        }
        ByteArrayOutputStream rewritten = new ByteArrayOutputStream(footer.length);
        Util.writeFileMetaData(meta, rewritten);
        if (rewritten.size() != footer.length) {
            throw new IOException("the canonical footer of " + file + " changed length (" + footer.length + " -> "
                    + rewritten.size() + ")");
        }
        Path tmp = new Path(file.getParent(), "." + file.getName() + ".canonical");
        try (InputStream in = fs.open(file); OutputStream out = fs.create(tmp, true)) {
            copy(in, out, size - TAIL - footer.length);
            rewritten.writeTo(out);
            out.write(tail);
        }
        fs.delete(file, false);
        if (!fs.rename(tmp, file)) {
            throw new IOException("cannot rename " + tmp + " to " + file);
        }
    }

    /** The file's metadata (row count, schema); an IOException says when the file is cut short or not Parquet. */
    public static FileMetaData read(FileSystem fs, Path file) throws IOException {
        long size = fs.getFileStatus(file).getLen();
        return Util.readFileMetaData(new ByteArrayInputStream(footer(fs, file, size, new byte[TAIL])));
    }

    /** The footer's bytes; {@code tail} receives the last 8 bytes (footer length and magic). */
    private static byte[] footer(FileSystem fs, Path file, long size, byte[] tail) throws IOException {
        if (size < MAGIC.length + TAIL) {
            throw new IOException(file + " is not a Parquet file (" + size + " bytes)");
        }
        try (FSDataInputStream in = fs.open(file)) {
            in.readFully(size - TAIL, tail);
            int length = ByteBuffer.wrap(tail, 0, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            if (tail[4] != MAGIC[0] || tail[5] != MAGIC[1] || tail[6] != MAGIC[2] || tail[7] != MAGIC[3]
                    || length <= 0 || length > size - TAIL) {
                throw new IOException(file + " is not a complete Parquet file (no footer at its end)");
            }
            byte[] footer = new byte[length];
            in.readFully(size - TAIL - length, footer);
            return footer;
        }
    }

    private static void copy(InputStream in, OutputStream out, long bytes) throws IOException {
        byte[] buf = new byte[1 << 16];
        long left = bytes;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw new IOException("unexpected end of file while copying");
            }
            out.write(buf, 0, n);
            left -= n;
        }
    }
}
