package dev.electra.pipeline.checkpoint;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One-dimensional float32 arrays in NumPy's .npy format (version 1.0, little-endian), so checkpoints load with
 * {@code numpy.load} and never go through Java deserialization. Written by hand because the format is a 10-byte
 * magic plus a header line, and ND4J's own writer needs an INDArray copy of the whole vector.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\((\\d+),?\\)");
    private static final int CHUNK = 1 << 16;

    private Npy() {}

    public static void write(float[] values, OutputStream out) throws IOException {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + values.length + ",), }";
        int unpadded = MAGIC.length + 2 + dict.length() + 1;
        int padding = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(padding) + "\n";
        out.write(MAGIC);
        out.write(header.length() & 0xFF);
        out.write((header.length() >> 8) & 0xFF);
        out.write(header.getBytes(StandardCharsets.US_ASCII));
        ByteBuffer buf = ByteBuffer.allocate(CHUNK * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int start = 0; start < values.length; start += CHUNK) {
            buf.clear();
            int end = Math.min(values.length, start + CHUNK);
            buf.asFloatBuffer().put(values, start, end - start);
            out.write(buf.array(), 0, (end - start) * 4);
        }
    }

    /**
     * @param where named in errors
     * @throws IOException when the stream is not a 1-D little-endian float32 .npy or is truncated
     */
    public static float[] read(InputStream in, String where) throws IOException {
        DataInputStream data = new DataInputStream(in);
        byte[] magic = new byte[MAGIC.length];
        data.readFully(magic);
        if (magic[0] != MAGIC[0] || magic[1] != 'N' || magic[6] != 1) {
            throw new IOException(where + " is not a version 1 .npy file");
        }
        int headerLength = (data.readUnsignedByte()) | (data.readUnsignedByte() << 8);
        byte[] header = new byte[headerLength];
        data.readFully(header);
        String dict = new String(header, StandardCharsets.US_ASCII);
        Matcher shape = SHAPE.matcher(dict);
        if (!dict.contains("'<f4'") || !dict.contains("'fortran_order': False") || !shape.find()) {
            throw new IOException(where + " holds " + dict.strip() + "; expected a 1-D little-endian float32 array");
        }
        int n = Integer.parseInt(shape.group(1));
        float[] values = new float[n];
        byte[] bytes = new byte[CHUNK * 4];
        for (int start = 0; start < n; start += CHUNK) {
            int count = Math.min(CHUNK, n - start);
            try {
                data.readFully(bytes, 0, count * 4);
            } catch (java.io.EOFException e) {
                throw new IOException(where + " is truncated: expected " + n + " floats", e);
            }
            ByteBuffer.wrap(bytes, 0, count * 4).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values, start, count);
        }
        if (data.read() != -1) {
            throw new IOException(where + " has bytes after its " + n + " floats");
        }
        return values;
    }
}
