package dev.electra.pipeline.hf;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.electra.pipeline.errors.JobError;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format (HuggingFace's weights file): an unsigned 64-bit little-endian header length N, N bytes of
 * a UTF-8 JSON object {@code {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}},
 * then the tensors' bytes, row-major and little-endian, {@code data_offsets} relative to the end of the header.
 *
 * <p>Written as the format's own writer does: the header padded with spaces to a multiple of 8 bytes (so every
 * tensor is 8-byte aligned), tensors laid out in the order given, contiguous from offset 0. Read with the rules its
 * reader enforces: a header that fits the file and is one JSON object without duplicate keys, known dtypes,
 * non-negative shapes whose size matches the byte range, and byte ranges that cover the data exactly once (no
 * overlap, no hole, nothing after the last tensor). F32, F16, BF16 and F64 tensors are read, as float32.
 */
public final class SafeTensors {
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    /** The format's reader refuses headers above 100 MB; so does this one, before allocating them. */
    static final long MAX_HEADER = 100_000_000L;
    public static final String METADATA = "__metadata__";

    private SafeTensors() {}

    /** One float tensor: its shape and its values, row-major. */
    public record Tensor(long[] shape, float[] values) {
        public Tensor {
            shape = shape.clone();
            if (count(shape) != values.length) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + count(shape)
                        + " values, got " + values.length);
            }
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }
    }

    /** A file's tensors in the order of their data and its {@code __metadata__}. */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

    /**
     * Writes {@code tensors} (in iteration order) as F32 with {@code metadata} as {@code __metadata__}. Does not close
     * {@code out}.
     */
    public static void write(Map<String, Tensor> tensors, Map<String, String> metadata, OutputStream out)
            throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject(METADATA);
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (e.getKey().equals(METADATA)) {
                throw new IllegalArgumentException("a tensor cannot be named " + METADATA);
            }
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", "F32");
            var shape = t.putArray("shape");
            for (long d : e.getValue().shape) {
                shape.add(d);
            }
            long end = offset + 4L * e.getValue().values.length;
            t.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = Arrays.copyOf(json, padded);
        Arrays.fill(headerBytes, json.length, padded, (byte) ' ');
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
        out.write(headerBytes);
        byte[] chunk = new byte[1 << 16];
        for (Tensor t : tensors.values()) {
            float[] v = t.values;
            for (int i = 0; i < v.length; ) {
                int n = Math.min(chunk.length / 4, v.length - i);
                ByteBuffer b = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(v, i, n);
                out.write(chunk, 0, n * 4);
                i += n;
            }
        }
    }

    /**
     * Reads a whole safetensors file.
     *
     * @param where the file's name, for messages
     * @throws JobError naming the file and the rule it breaks
     */
    public static Contents read(byte[] file, String where) {
        if (file.length < 8) {
            throw bad(where, "it has " + file.length + " bytes, fewer than the 8 of the header length");
        }
        long n = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (n < 2 || n > MAX_HEADER || n > file.length - 8L) {
            throw bad(where, "its header length is " + Long.toUnsignedString(n) + " bytes but the file has "
                    + (file.length - 8) + " after the length (expected a JSON header of at most " + MAX_HEADER
                    + " bytes that fits the file; is the file truncated?)");
        }
        JsonNode header;
        try {
            String text = new String(file, 8, (int) n, StandardCharsets.UTF_8);
            if (!text.startsWith("{")) {
                throw bad(where, "its header does not start with '{'");
            }
            header = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw bad(where, "its header is not valid JSON: " + e.getOriginalMessage());
        }
        if (header == null || !header.isObject()) {
            throw bad(where, "its header is not a JSON object");
        }
        long dataStart = 8 + n;
        long dataLength = file.length - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getKey().equals(METADATA)) {
                readMetadata(f.getValue(), metadata, where);
            } else {
                entries.add(entry(f.getKey(), f.getValue(), where));
            }
        }
        entries.sort(Comparator.comparingLong(Entry::begin));
        long expected = 0;
        for (Entry e : entries) {
            if (e.begin != expected) {
                throw bad(where, "tensor " + e.name + " starts at byte " + e.begin + " of the data but the tensors "
                        + "before it end at " + expected + (e.begin < expected ? " (overlapping tensors)"
                        : " (a hole in the data)"));
            }
            expected = e.end;
        }
        if (expected != dataLength) {
            throw bad(where, "its tensors cover " + expected + " bytes of data but the file has " + dataLength
                    + (expected > dataLength ? " (is the file truncated?)" : " (bytes after the last tensor)"));
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Entry e : entries) {
            tensors.put(e.name, new Tensor(e.shape, decode(file, (int) (dataStart + e.begin), e)));
        }
        return new Contents(tensors, metadata);
    }

    private record Entry(String name, String dtype, long[] shape, long begin, long end) {}

    private static Entry entry(String name, JsonNode node, String where) {
        String what = "tensor " + name;
        if (!node.isObject()) {
            throw bad(where, what + " is not described by a JSON object");
        }
        String dtype = node.path("dtype").asText("");
        int size = itemSize(dtype);
        if (size == 0) {
            throw bad(where, what + " has dtype '" + dtype + "'; expected F32, F16, BF16 or F64");
        }
        JsonNode shapeNode = node.path("shape");
        JsonNode offsets = node.path("data_offsets");
        if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
            throw bad(where, what + " needs a \"shape\" array and \"data_offsets\": [begin, end]");
        }
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw bad(where, what + " has shape " + shapeNode + "; dimensions must be non-negative integers");
            }
            shape[i] = d.asLong();
        }
        for (JsonNode o : offsets) {
            if (!o.isIntegralNumber() || !o.canConvertToLong() || o.asLong() < 0) {
                throw bad(where, what + " has data_offsets " + offsets + "; expected two non-negative integers");
            }
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        long bytes;
        try {
            bytes = Math.multiplyExact(count(shape), (long) size);
        } catch (ArithmeticException e) {
            throw bad(where, what + " has shape " + shapeNode + ", too large");
        }
        if (end < begin || end - begin != bytes) {
            throw bad(where, what + " has data_offsets " + offsets + " (" + (end - begin) + " bytes) but its dtype "
                    + dtype + " and shape " + shapeNode + " take " + bytes + " bytes");
        }
        if (count(shape) > Integer.MAX_VALUE - 8) {
            throw bad(where, what + " has " + count(shape) + " values, more than one Java array holds");
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static void readMetadata(JsonNode node, Map<String, String> into, String where) {
        if (!node.isObject()) {
            throw bad(where, METADATA + " is not a JSON object of strings");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> m = it.next();
            if (!m.getValue().isTextual()) {
                throw bad(where, METADATA + " value of '" + m.getKey() + "' is not a string");
            }
            into.put(m.getKey(), m.getValue().asText());
        }
    }

    private static int itemSize(String dtype) {
        return switch (dtype) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            case "F64" -> 8;
            default -> 0;
        };
    }

    private static float[] decode(byte[] file, int start, Entry e) {
        ByteBuffer b = ByteBuffer.wrap(file, start, (int) (e.end - e.begin)).slice().order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[(int) count(e.shape)];
        switch (e.dtype) {
            case "F32" -> b.asFloatBuffer().get(v);
            case "F64" -> {
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) b.getDouble(8 * i);
                }
            }
            case "F16" -> {
                for (int i = 0; i < v.length; i++) {
                    v[i] = halfToFloat(b.getShort(2 * i));
                }
            }
            case "BF16" -> {
                for (int i = 0; i < v.length; i++) {
                    v[i] = Float.intBitsToFloat((b.getShort(2 * i) & 0xffff) << 16);
                }
            }
            default -> throw new IllegalStateException(e.dtype);
        }
        return v;
    }

    /** IEEE 754 binary16 → float32, subnormals, infinities and NaN included. */
    static float halfToFloat(short h) {
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    private static JobError bad(String where, String what) {
        return new JobError(where + " is not a valid safetensors file: " + what);
    }
}
