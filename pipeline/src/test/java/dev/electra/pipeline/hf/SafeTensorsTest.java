package dev.electra.pipeline.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.electra.pipeline.errors.JobError;
import dev.electra.pipeline.hf.SafeTensors.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The safetensors rules: byte layout as the format's writer produces it, and every rule its reader enforces. */
class SafeTensorsTest {

    private static byte[] written(Map<String, Tensor> tensors) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SafeTensors.write(tensors, Map.of("format", "pt"), out);
        return out.toByteArray();
    }

    /** A file from a header text and data bytes, the header used as given (no padding). */
    private static byte[] file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return b.array();
    }

    private static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    @Test
    void writesTheFormatsBytes() throws IOException {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("a", new Tensor(new long[] {2}, new float[] {1f, -2.5f}));
        t.put("b.weight", new Tensor(new long[] {1, 1}, new float[] {3f}));
        byte[] bytes = written(t);
        String json = "{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2],"
                + "\"data_offsets\":[0,8]},\"b.weight\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[8,12]}}";
        int padded = (json.length() + 7) / 8 * 8;
        byte[] expected = file(json + " ".repeat(padded - json.length()), floats(1f, -2.5f, 3f));
        assertArrayEquals(expected, bytes);
        assertEquals(0, (bytes.length - 12 - 8) % 8, "header padded to 8 bytes");
    }

    @Test
    void readsBackWhatItWrote() throws IOException {
        Map<String, Tensor> t = new LinkedHashMap<>();
        float[] big = new float[70_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = i * 0.5f - 7;
        }
        t.put("big", new Tensor(new long[] {700, 100}, big));
        t.put("scalar", new Tensor(new long[] {}, new float[] {42f}));
        t.put("empty", new Tensor(new long[] {0, 3}, new float[0]));
        SafeTensors.Contents c = SafeTensors.read(written(t), "x.safetensors");
        assertEquals(Map.of("format", "pt"), c.metadata());
        assertEquals(t.keySet(), c.tensors().keySet());
        for (String name : t.keySet()) {
            assertArrayEquals(t.get(name).shape(), c.tensors().get(name).shape(), name);
            assertArrayEquals(t.get(name).values(), c.tensors().get(name).values(), name);
        }
    }

    @Test
    void readsHalfBfloatAndDoubleAsFloat() {
        ByteBuffer data = ByteBuffer.allocate(6 + 4 + 8).order(ByteOrder.LITTLE_ENDIAN);
        // F16: 1.0, -2.0, the smallest subnormal 2^-24
        data.putShort((short) 0x3c00).putShort((short) 0xc000).putShort((short) 0x0001);
        // BF16: 0.5, -inf
        data.putShort((short) 0x3f00).putShort((short) 0xff80);
        data.putDouble(0.1);
        String header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,6]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[6,10]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[10,18]}}";
        SafeTensors.Contents c = SafeTensors.read(file(header, data.array()), "x");
        assertArrayEquals(new float[] {1f, -2f, 0x1p-24f}, c.tensors().get("h").values());
        assertArrayEquals(new float[] {0.5f, Float.NEGATIVE_INFINITY}, c.tensors().get("b").values());
        assertArrayEquals(new float[] {0.1f}, c.tensors().get("d").values());
    }

    private static void refused(byte[] bytes, String... fragments) {
        JobError e = assertThrows(JobError.class, () -> SafeTensors.read(bytes, "model.safetensors"));
        assertTrue(e.getMessage().startsWith("model.safetensors is not a valid safetensors file"), e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), e.getMessage() + " lacks " + f);
        }
    }

    @Test
    void refusesBrokenFiles() throws IOException {
        byte[] good = written(Map.of("a", new Tensor(new long[] {2}, new float[] {1, 2})));
        refused(Arrays.copyOf(good, 5), "fewer than the 8");
        refused(Arrays.copyOf(good, 20), "header length", "truncated");
        refused(Arrays.copyOf(good, good.length - 1), "truncated");
        refused(Arrays.copyOf(good, good.length + 4), "after the last tensor");
        refused(file("[1, 2]", new byte[0]), "does not start with '{'");
        refused(file("{\"a\": ", new byte[0]), "not valid JSON");
        refused(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", floats(1, 2)),
                "tensor b starts at byte 4", "overlapping");
        refused(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", floats(1, 2, 3)),
                "a hole");
        refused(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", floats(1, 2)),
                "take 12 bytes");
        refused(file("{\"a\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[0,1]}}", new byte[1]), "dtype 'I8'");
        refused(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", floats(1)), "non-negative");
        refused(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", floats(1)), "Duplicate");
        refused(file("{\"__metadata__\":{\"format\":1}}", new byte[0]), "not a string");
    }

    @Test
    void halfPrecisionMatchesEveryFloat16Value() {
        // float → half by rounding is exact for the values a half holds: check them all through Float's own bits.
        for (int h = 0; h < 0x10000; h++) {
            float f = SafeTensors.halfToFloat((short) h);
            int exponent = (h >>> 10) & 0x1f;
            int mantissa = h & 0x3ff;
            double expected = exponent == 0 ? mantissa * Math.pow(2, -24)
                    : exponent == 31 ? (mantissa == 0 ? Double.POSITIVE_INFINITY : Double.NaN)
                    : (1 + mantissa / 1024.0) * Math.pow(2, exponent - 15);
            if ((h & 0x8000) != 0) {
                expected = -expected;
            }
            if (Double.isNaN(expected)) {
                assertTrue(Float.isNaN(f), Integer.toHexString(h));
            } else {
                assertEquals(expected, f, 0.0, Integer.toHexString(h));
            }
        }
    }
}
